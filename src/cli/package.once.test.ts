// The packed project as a user installs it: `npm pack`, then `npm install -g` of the tarball into
// a temporary prefix (from npm's cache: --offline, or where the cache lacks a package's metadata,
// --prefer-offline), gives working berth, docker-credential-berth and berth-credential-provider;
// and `npx berth serve` stops when its npm process gets SIGTERM (npm runs it through `sh -c`, which
// does not pass the signal on: the server follows its parent, npm-parent.ts); and the systemd unit
// (packaging/systemd) verifies with the installed command.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runProgram } from '../testing/cli.js';
import { freePort, scratchDirs, TEST_ADMIN } from '../testing/server.js';
import { requireTool } from '../testing/tools.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const NODE_BIN = dirname(process.execPath);
const dirs = scratchDirs();
let prefix: string;
let server: ChildProcess | undefined;

function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((done, reject) =>
    execFile(
      'npm',
      args,
      { cwd, env: { ...process.env, PATH: `${NODE_BIN}:${process.env.PATH}`, ...env }, timeout: 240_000 },
      (err, stdout, stderr) => (err ? reject(Object.assign(err, { stdout, stderr })) : done({ stdout, stderr })),
    ),
  );
}

/** The installed commands run with the Node that runs the tests first on PATH (their shebang is `env node`). */
const installedEnv = () => ({ PATH: `${join(prefix, 'bin')}:${NODE_BIN}:/usr/bin:/bin` });

before(async () => {
  const packed = dirs.make('berth-pack-');
  // The compiled dist/ is what is packed; its build ran before the tests (prepare would build again).
  const { stdout } = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', packed], ROOT);
  const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  const files = info!.files.map((f) => f.path);
  assert.ok(files.includes('dist/cli/main.js') && files.includes('dist/cli/credential-provider.js'));
  assert.ok(!files.some((f) => f.endsWith('.test.js') || f.startsWith('dist/testing/') || f.startsWith('src/')));
  prefix = dirs.make('berth-prefix-');
  const tarball = join(packed, info!.filename);
  try {
    await npm(['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], packed);
  } catch (err) {
    // npm keeps packages' tarballs in its cache, and their metadata only once an install fetched it.
    if (!/ENOTCACHED/.test(String((err as { stderr?: string }).stderr))) throw err;
    await npm(['install', '-g', '--prefer-offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], packed);
  }
});
let serverLock: string | undefined;

after(async () => {
  if (server?.exitCode === null) server.kill('SIGKILL');
  // A server that outlived npm (the failure this file tests for) is ended by the pid in its lock.
  const pid = serverLock && existsSync(serverLock) ? Number(readFileSync(serverLock, 'utf8').split('\n')[0]) : 0;
  if (pid > 0) process.kill(pid, 'SIGKILL');
  dirs.remove();
});

test('npm install -g of the packed tarball gives berth, docker-credential-berth and berth-credential-provider', async () => {
  for (const name of ['berth', 'docker-credential-berth', 'berth-credential-provider'])
    assert.ok(existsSync(join(prefix, 'bin', name)), name);
  const version = await runProgram(join(prefix, 'bin', 'berth'), ['--version'], installedEnv());
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  const helper = await runProgram(join(prefix, 'bin', 'docker-credential-berth'), ['version'], installedEnv());
  assert.equal(helper.stdout, 'docker-credential-berth (Berth)\n');
  const provider = await runProgram(join(prefix, 'bin', 'berth-credential-provider'), [], installedEnv(), '{}');
  assert.equal(provider.code, 1);
  assert.match(provider.stderr, /expected a CredentialProviderRequest of credentialprovider\.kubelet\.k8s\.io\/v1/);
});

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/healthz`)).ok;
  } catch {
    return false;
  }
}

test('npx berth serve serves, and stops when its npm process gets SIGTERM', async () => {
  const dataDir = dirs.make('berth-npx-data-');
  serverLock = join(dataDir, 'berth.lock');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // npx finds berth among the global prefix's commands, as after `npm install -g berth`.
  server = spawn('npx', ['--no-install', 'berth', 'serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`], {
    cwd: dataDir,
    env: {
      ...process.env,
      ...installedEnv(),
      npm_config_prefix: prefix,
      BERTH_PUBLIC_LISTEN: '',
      BERTH_LOG_LEVEL: 'info',
      BERTH_LOG_FORMAT: 'json',
      BERTH_ADMIN_ACCESS_KEY_ID: TEST_ADMIN.accessKeyId,
      BERTH_ADMIN_SECRET_ACCESS_KEY: TEST_ADMIN.secretAccessKey,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  server.stdout!.on('data', (d) => (output += d));
  server.stderr!.on('data', (d) => (output += d));
  const started = Date.now() + 30_000;
  while (!(await answers(url))) {
    assert.ok(Date.now() < started && server.exitCode === null, `npx berth serve did not start: ${output}`);
    await sleep(100);
  }
  server.kill('SIGTERM');
  const stopped = Date.now() + 15_000;
  while (await answers(url)) {
    assert.ok(Date.now() < stopped, `the server still answers after npm got SIGTERM: ${output}`);
    await sleep(100);
  }
  // It shut down as on SIGTERM (logged), and released the data directory for the next server.
  while (existsSync(join(dataDir, 'berth.lock'))) {
    assert.ok(Date.now() < stopped, `the server did not release its data directory: ${output}`);
    await sleep(100);
  }
  assert.match(output, /"msg":"shutting down"/);
  assert.match(output, /\(npm\) exited/);
});

test('the systemd unit verifies, runs the installed berth itself, and gives the stop more than its grace', async (t) => {
  if (!requireTool(t, 'systemd-analyze', 'apt-get install -y systemd')) return;
  const unit = readFileSync(join(ROOT, 'packaging', 'systemd', 'berth.service'), 'utf8');
  const setting = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]);
  assert.deepEqual(setting('ExecStart'), [
    '/usr/local/bin/berth serve --config /etc/berth/berth.yaml --data-dir /var/lib/berth',
  ]);
  assert.deepEqual([setting('KillSignal'), setting('User')], [['SIGTERM'], ['berth']]);
  // The server's grace for in-flight requests is 10 seconds; closing the rest takes a little more.
  assert.ok(Number(setting('TimeoutStopSec')[0]) > 10);
  for (const hardening of [
    'ProtectSystem=strict',
    'NoNewPrivileges=true',
    'PrivateTmp=true',
    'ReadWritePaths=/var/lib/berth',
  ])
    assert.ok(unit.includes(`\n${hardening}\n`), hardening);
  // Verified with the commands that npm install -g put in the prefix (/usr/local by default).
  const dir = dirs.make('berth-unit-');
  const file = join(dir, 'berth.service');
  writeFileSync(file, unit.replaceAll('/usr/local/bin/berth', join(prefix, 'bin', 'berth')));
  const verified = await runProgram('systemd-analyze', ['verify', file]);
  assert.equal(verified.code, 0, verified.stderr);
  const security = await runProgram('systemd-analyze', ['security', '--offline=true', file]);
  const exposure = Number(/Overall exposure level for berth\.service: ([\d.]+)/.exec(security.stdout)?.[1]);
  assert.ok(exposure <= 2, `exposure ${exposure}: ${security.stdout}`);
});
