// The `berth` command's conventions, as an operator meets them: --version, secrets redacted by
// config verify, one-line file-system errors (never a stack trace), a bad flag named as the flag,
// one server per data directory, and HOST:PORT endpoints.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cleanEnv, runProgram, runScript, type CliResult } from '../testing/cli.js';
import { testMetadataUrl } from '../testing/postgres.js';
import { CLI, freePort, scratchDirs, spawnBerth, TEST_ADMIN, type ChildBerth, ADMIN_ENV } from '../testing/server.js';
import { requireTool } from '../testing/tools.js';

const berth = (args: string[], env: NodeJS.ProcessEnv = {}) => runScript(CLI, args, env);

/**
 * Runs berth without the capabilities that let root past file permissions (setpriv drops
 * CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH), so that a file's owner bits count even when the tests
 * run as root. Still root: it reads the checkout wherever that is, whatever its folders' modes.
 */
function berthWithoutOverride(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolveRun) => {
    execFile(
      'setpriv',
      ['--bounding-set=-dac_override,-dac_read_search', '--', process.execPath, CLI, ...args],
      { env: cleanEnv(env), timeout: 60_000 },
      (err, stdout, stderr) => {
        resolveRun({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

const NO_STACK = /\n\s+at /;

describe('berth conventions', () => {
  const dirs = scratchDirs();
  const servers: ChildBerth[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    dirs.remove();
  });

  it('--version prints the version of the package', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-V']) {
      const result = await berth([flag]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `${version}\n`);
    }
  });

  it("config verify redacts the master key, the administrator secret, the S3 secrets, a database password and replication peers' secrets", async () => {
    const dir = dirs.make('berth-verify-');
    const file = join(dir, 'berth.yaml');
    const masterKey = Buffer.alloc(32, 7).toString('base64');
    writeFileSync(
      file,
      [
        `keys:\n  masterKey: ${masterKey}`,
        `admin:\n  accessKeyId: ${TEST_ADMIN.accessKeyId}\n  secretAccessKey: ${TEST_ADMIN.secretAccessKey}`,
        'storage:\n  s3:\n    accessKeyId: AKIDEXAMPLE\n    secretAccessKey: s3-secret-value-1234\n    sessionToken: s3-session-token-5678',
        'metadata:\n  url: postgres://berth:db-password-90@db.internal:5432/berth',
        'replication:\n  peers:\n    - region: eu-west-1\n      endpoint: https://berth.eu-west-1.example.com\n      accessKeyId: AKIDPEER\n      secretAccessKey: peer-secret-value-42',
      ].join('\n'),
    );
    const result = await berth(['config', 'verify', file]);
    assert.equal(result.code, 0, result.stderr);
    for (const secret of [
      masterKey,
      TEST_ADMIN.secretAccessKey,
      's3-secret-value-1234',
      's3-session-token-5678',
      'db-password-90',
      'peer-secret-value-42',
    ]) {
      assert.ok(!result.stdout.includes(secret), `${secret} is not printed`);
    }
    const config = JSON.parse(result.stdout.slice(result.stdout.indexOf('\n') + 1));
    assert.equal(config.keys.masterKey, '<redacted>');
    assert.equal(config.admin.secretAccessKey, '<redacted>');
    assert.equal(config.admin.accessKeyId, TEST_ADMIN.accessKeyId, 'key ids are not secrets');
    assert.equal(config.storage.s3.secretAccessKey, '<redacted>');
    assert.equal(config.storage.s3.sessionToken, '<redacted>');
    assert.equal(config.metadata.url, 'postgres://berth:<redacted>@db.internal:5432/berth');
    assert.equal(config.replication.peers[0].secretAccessKey, '<redacted>');
    assert.equal(config.replication.peers[0].accessKeyId, 'AKIDPEER');
  });

  it('file-system errors are one line naming the path and the reason, not a stack trace', async () => {
    const dir = dirs.make('berth-fs-');
    chmodSync(dir, 0o755);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    const underFile = await berth(['serve', '--data-dir', join(file, 'data'), '--listen', '127.0.0.1:0']);
    assert.equal(underFile.code, 1);
    assert.equal(
      underFile.stderr,
      `berth: cannot create the directory ${join(file, 'data')}: a part of the path is not a directory\n`,
    );

    const closed = join(dir, 'closed');
    mkdirSync(closed, { mode: 0o500 });
    const unwritable = await berthWithoutOverride([
      'serve',
      '--data-dir',
      join(closed, 'data'),
      '--listen',
      '127.0.0.1:0',
    ]);
    assert.equal(unwritable.code, 1, unwritable.stderr);
    assert.equal(unwritable.stderr, `berth: cannot create the directory ${join(closed, 'data')}: permission denied\n`);

    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    writeFileSync(join(open, 'master.key'), `${Buffer.alloc(32, 1).toString('base64')}\n`, { mode: 0o000 });
    const unreadableKey = await berthWithoutOverride(['admin', 'init', '--data-dir', open]);
    assert.equal(unreadableKey.code, 1, unreadableKey.stderr);
    assert.equal(unreadableKey.stderr, `berth: cannot open ${join(open, 'master.key')}: permission denied\n`);
    assert.doesNotMatch(unreadableKey.stderr + unwritable.stderr + underFile.stderr, NO_STACK);
  });

  it('a malformed master key is named with its setting', async () => {
    const dir = dirs.make('berth-badkey-');
    const result = await berth(['admin', 'init', '--data-dir', dir], { BERTH_KEYS_MASTER_KEY: 'too-short' });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^berth: the master key in keys\.masterKey \(BERTH_KEYS_MASTER_KEY\) is not valid: .*32 bytes/,
    );
  });

  it('rotate-master-key draws a progress bar on a terminal (standard error), redrawn in place', async (t) => {
    if (!requireTool(t, 'script', 'apt-get install -y bsdutils')) return;
    const dataDir = dirs.make('berth-progress-');
    const metadataUrl = await testMetadataUrl(dataDir);
    const env = metadataUrl ? { BERTH_METADATA_URL: metadataUrl } : {};
    assert.equal((await berth(['admin', 'init', '--data-dir', dataDir], env)).code, 0);
    // script(1) runs the command on a pseudo-terminal, as an operator's shell would.
    const command = [process.execPath, CLI, 'admin', 'rotate-master-key', '--data-dir', dataDir]
      .map((a) => `'${a}'`)
      .join(' ');
    const result = await runProgram('script', ['-qec', command, '/dev/null'], env);
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /\r\x1b\[2Krotate-master-key \[#{3}-{17}\] 1\/7 signing keys: \d+ re-sealed/);
    assert.match(result.stdout, /\r\x1b\[2Krotate-master-key \[#{20}\] 7\/7 webhook signing secrets: 0 re-sealed\r?\n/);
    assert.doesNotMatch(result.stdout, /\(step \d of 7\)/, 'no plain lines on a terminal');
  });

  it('a bad flag is named as the flag, with the reason', async () => {
    const dir = dirs.make('berth-flag-');
    const result = await berth(['serve', '--data-dir', dir, '--public-listen', 'nowhere']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /public\.listen: must be HOST:PORT.* \(from --public-listen\)/);
    assert.doesNotMatch(result.stderr, /defaults and environment/);
  });

  it('a second server on a data directory in use is refused, and a stale lock is taken over', async () => {
    // The embedded deployment (SQLite) on either test pass: scale-out nodes on PostgreSQL share a directory.
    const dataDir = dirs.make('berth-lock-');
    const embedded = { BERTH_METADATA_URL: `sqlite:${join(dataDir, 'berth.db')}` };
    const first = await spawnBerth(dataDir, await freePort(), embedded);
    servers.push(first);
    const lock = readFileSync(join(dataDir, 'berth.lock'), 'utf8');
    assert.equal(lock.split('\n')[0], String(first.process.pid), 'the lock names the server');
    const second = await berth(
      ['serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${await freePort()}`, '--no-public-listen'],
      embedded,
    );
    assert.equal(second.code, 1);
    assert.equal(
      second.stderr,
      `berth: the data directory ${dataDir} is in use by another berth (pid ${first.process.pid}): stop it first, or give this server another --data-dir\n`,
    );
    await first.stop('SIGKILL');
    // Killed: its lock stays behind, naming a process that is gone.
    assert.equal(readFileSync(join(dataDir, 'berth.lock'), 'utf8'), lock);
    const after = await spawnBerth(dataDir, await freePort(), embedded);
    servers.push(after);
    assert.equal(readFileSync(join(dataDir, 'berth.lock'), 'utf8').split('\n')[0], String(after.process.pid));
    await after.stop('SIGTERM');
    assert.throws(() => readFileSync(join(dataDir, 'berth.lock')), /ENOENT/, 'a clean stop removes its lock');
  });

  it('--no-public-listen serves no public listener; --public-listen names its address', async () => {
    const dataDir = dirs.make('berth-public-');
    const publicPort = await freePort();
    let port = await freePort();
    while (port === publicPort) port = await freePort();
    const server = await spawnBerth(dataDir, port, {}, ['--public-listen', `127.0.0.1:${publicPort}`]);
    servers.push(server);
    assert.equal((await fetch(`http://127.0.0.1:${publicPort}/healthz`)).status, 200);
    const ready = await fetch(`http://127.0.0.1:${publicPort}/readyz`);
    assert.equal(ready.status, 200, 'the public listener answers /readyz too');
    assert.deepEqual(await ready.json(), { database: true, storage: true });
    await server.stop();
    const none = await spawnBerth(dataDir, port, { BERTH_PUBLIC_LISTEN: `127.0.0.1:${publicPort}` }, [
      '--no-public-listen',
    ]);
    servers.push(none);
    await assert.rejects(fetch(`http://127.0.0.1:${publicPort}/healthz`), 'nothing listens there');
    await none.stop();
  });

  it('berth login takes HOST:PORT as --listen does; berth repo asks for the scheme', async () => {
    const dataDir = dirs.make('berth-login-');
    const port = await freePort();
    const server = await spawnBerth(dataDir, port, { BERTH_AUTH_MODE: 'iam' });
    servers.push(server);
    const keys = { ...ADMIN_ENV };
    const login = await berth(['login', '--endpoint-url', `localhost:${port}`], keys);
    assert.equal(login.code, 0, login.stderr);
    assert.ok(login.stdout.trim().length > 20, 'a password');
    const basic = `Basic ${Buffer.from(`AWS:${login.stdout.trim()}`).toString('base64')}`;
    assert.equal((await fetch(`${server.url}/v2/`, { headers: { authorization: basic } })).status, 200);
    const repo = await berth(['repo', 'list', '--endpoint-url', `localhost:${port}`], keys);
    assert.equal(repo.code, 1);
    assert.equal(
      repo.stderr,
      `berth: --endpoint-url localhost:${port}: name the scheme, http://localhost:${port} or https://localhost:${port}\n`,
    );
    const junk = await berth(['login', '--endpoint-url', 'not a url'], keys);
    assert.equal(junk.code, 1);
    assert.match(junk.stderr, /^berth: --endpoint-url not a url: give HOST:PORT/);
  });
});
