// The README's scale-out recipe, followed as written: its berth.yaml (with this test's database,
// directories and ports), `berth admin init` on the first node, the key file copied to the
// second, and two nodes serving one PostgreSQL database. A node with another master key, or with
// none, refuses to start and names the setting to fix.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { cleanEnv, runScript } from '../testing/cli.js';
import { dropPostgresDatabaseFor, postgresDatabaseFor, requirePostgres } from '../testing/postgres.js';
import { CLI, freePort, scratchDirs } from '../testing/server.js';

const README = new URL('../../README.md', import.meta.url);

/** The README's /etc/berth/berth.yaml, as the scale-out section shows it (indentation removed). */
function readmeConfig(): string {
  const text = readFileSync(README, 'utf8');
  const section = text.slice(text.indexOf('## Scale-out'));
  const block = /```yaml\n((?:[ \t]*)# \/etc\/berth\/berth\.yaml\n[\s\S]*?)```/.exec(section);
  assert.ok(block, "the README shows the nodes' berth.yaml");
  const indent = /^[ \t]*/.exec(block[1]!)![0].length;
  return block[1]!
    .split('\n')
    .map((line) => line.slice(indent))
    .join('\n');
}

describe('scale-out as the README says', () => {
  const dirs = scratchDirs();
  const children: ChildProcess[] = [];
  let database = '';
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    dirs.remove();
    if (database) await dropPostgresDatabaseFor(database);
  });

  it('two nodes on one PostgreSQL database both start; a node with another key or none refuses, naming the setting', async (t) => {
    if (!requirePostgres(t)) return;
    const root = dirs.make('berth-scale-');
    database = root;
    const url = await postgresDatabaseFor(database);
    const shared = join(root, 'blobs');
    mkdirSync(shared);
    const template = readmeConfig();
    for (const needed of [
      'metadata:',
      'url: postgres://',
      'root: /mnt/berth-blobs',
      'masterKeyFile: /etc/berth/master.key',
    ])
      assert.ok(template.includes(needed), needed);
    /** Node `name`'s files: its own /etc/berth and data dir, the shared database and blob mount. */
    const node = (name: string) => {
      const etc = join(root, name, 'etc');
      const dataDir = join(root, name, 'data');
      mkdirSync(etc, { recursive: true });
      const config = join(etc, 'berth.yaml');
      writeFileSync(
        config,
        template
          .replace(/dataDir: \S+/, `dataDir: ${dataDir}`)
          .replace(/url: postgres:\/\/\S+/, `url: ${url}`)
          .replace('/mnt/berth-blobs', shared)
          .replace('/etc/berth/master.key', join(etc, 'master.key')),
      );
      return { config, dataDir, keyFile: join(etc, 'master.key') };
    };
    // Only what the configuration says (no BERTH_* variable but the port: several test servers share the machine).
    const serve = async (files: { config: string; dataDir: string }, id: string) => {
      const port = await freePort();
      const child = spawn(
        process.execPath,
        [
          CLI,
          'serve',
          '--config',
          files.config,
          '--node-id',
          id,
          '--listen',
          `127.0.0.1:${port}`,
          '--no-public-listen',
        ],
        { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      children.push(child);
      const url = `http://127.0.0.1:${port}`;
      for (const deadline = Date.now() + 15_000; ; ) {
        if (child.exitCode !== null) assert.fail(`node ${id} exited with ${child.exitCode}: ${stderr}`);
        if (
          await fetch(`${url}/healthz`).then(
            (r) => r.ok,
            () => false,
          )
        )
          break;
        if (Date.now() > deadline) assert.fail(`node ${id} did not start: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return { url };
    };

    const one = node('berth-1');
    const init = await runScript(CLI, ['admin', 'init', '--config', one.config]);
    assert.equal(init.code, 0, init.stderr);
    const admin = /AWS_ACCESS_KEY_ID=(\S+)\nAWS_SECRET_ACCESS_KEY=(\S+)/.exec(init.stdout);
    assert.ok(admin, init.stdout);
    const two = node('berth-2');
    copyFileSync(one.keyFile, two.keyFile); // scp /etc/berth/master.key berth-2:/etc/berth/master.key

    const first = await serve(one, 'berth-1');
    const second = await serve(two, 'berth-2');
    // One deployment: the key init printed logs in on either node, and a blob pushed to one is on the other.
    const password = await runScript(CLI, ['login', '--endpoint-url', first.url], {
      AWS_ACCESS_KEY_ID: admin[1],
      AWS_SECRET_ACCESS_KEY: admin[2],
    });
    assert.equal(password.code, 0, password.stderr);
    const authorization = `Basic ${Buffer.from(`AWS:${password.stdout.trim()}`).toString('base64')}`;
    const { createHash } = await import('node:crypto');
    const body = Buffer.from('shared between nodes');
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    assert.equal(
      (
        await fetch(`${first.url}/v2/scale/app/blobs/uploads/?digest=${digest}`, {
          method: 'POST',
          body,
          headers: { authorization, 'content-type': 'application/octet-stream' },
        })
      ).status,
      201,
    );
    const pulled = await fetch(`${second.url}/v2/scale/app/blobs/${digest}`, { headers: { authorization } });
    assert.equal(pulled.status, 200);
    assert.deepEqual(Buffer.from(await pulled.arrayBuffer()), body);

    // A third node whose key file holds another key.
    const three = node('berth-3');
    writeFileSync(three.keyFile, `${Buffer.alloc(32, 9).toString('base64')}\n`, { mode: 0o600 });
    const wrong = await runScript(CLI, [
      'serve',
      '--config',
      three.config,
      '--listen',
      '127.0.0.1:0',
      '--no-public-listen',
    ]);
    assert.equal(wrong.code, 1);
    assert.match(
      wrong.stderr,
      new RegExp(
        `^berth: the master key in the file ${three.keyFile.replace(/[/.]/g, '\\$&')} \\(keys\\.masterKeyFile, BERTH_KEYS_MASTER_KEY_FILE\\) is not the one this database's secrets were sealed with: .*keys\\.masterKey \\(BERTH_KEYS_MASTER_KEY\\)`,
        'm',
      ),
    );
    // A fourth with no key at all (the copy was forgotten): it says so and leaves no wrong key behind.
    const four = node('berth-4');
    const none = await runScript(CLI, [
      'serve',
      '--config',
      four.config,
      '--listen',
      '127.0.0.1:0',
      '--no-public-listen',
    ]);
    assert.equal(none.code, 1);
    assert.match(
      none.stderr,
      /^berth: this node has no master key yet \(it made one in .*master\.key, now removed\), but the database at postgres:\/\/.*\*\*\*@.* is another node's.*copy the first node's key file.*keys\.masterKeyFile \(BERTH_KEYS_MASTER_KEY_FILE\)/,
    );
    assert.throws(() => readFileSync(four.keyFile), /ENOENT/);
    assert.doesNotMatch(wrong.stderr + none.stderr, /\n\s+at /);
  });
});
