// The compiled `berth` command as an operator runs it: config verify and env, and serve
// answering health checks and applying its settings from the environment.
import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { environmentVariables } from '../config/load.js';
import { runScript } from '../testing/cli.js';
import { testBackend } from '../testing/postgres.js';
import { CLI, freePort, spawnBerth, tempDir, type ChildBerth } from '../testing/server.js';

function berth(args: string[], env: NodeJS.ProcessEnv = {}) {
  return runScript(CLI, args, env);
}

describe('berth config', () => {
  let dir: string;

  before(() => {
    dir = tempDir('berth-cli-');
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('verify prints a valid file with its effective settings and exits 0', async () => {
    const file = join(dir, 'valid.yaml');
    writeFileSync(file, 'listen: 0.0.0.0:5050\nregistry:\n  maxBlobBytes: 1000000\n');
    const { code, stdout, stderr } = await berth(['config', 'verify', file], { BERTH_REGISTRY_REGION: 'eu-central-1' });
    assert.equal(code, 0, stderr);
    const [first, ...rest] = stdout.split('\n');
    assert.equal(first, `${file}: valid`);
    const config = JSON.parse(rest.join('\n'));
    assert.equal(config.listen, '0.0.0.0:5050');
    assert.equal(config.registry.maxBlobBytes, 1000000);
    assert.equal(config.registry.region, 'eu-central-1', 'the environment is applied');
    assert.equal(config.dataDir, './data', 'defaults fill the rest');
  });

  it('verify rejects an invalid file with exit code 2, naming the bad key', async () => {
    const file = join(dir, 'invalid.yaml');
    writeFileSync(file, 'registry:\n  maxBlobByte: 1000000\n  createRepositoryOnPush: maybe\n');
    const { code, stdout, stderr } = await berth(['config', 'verify', file]);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /invalid configuration/);
    assert.ok(stderr.includes(file));
    assert.match(stderr, /registry\.maxBlobByte: unknown setting/);
    assert.match(stderr, /registry\.createRepositoryOnPush: /);
    assert.doesNotMatch(stderr, /\n\s+at /, 'a configuration error is a message, not a stack trace');
  });

  it('verify names a bad BERTH_* variable, and a missing or malformed file', async () => {
    const file = join(dir, 'fine.yaml');
    writeFileSync(file, 'listen: localhost:5000\n');
    const fromEnv = await berth(['config', 'verify', file], { BERTH_LOG_LEVEL: 'loud' });
    assert.equal(fromEnv.code, 2);
    assert.match(fromEnv.stderr, /log\.level: .*\(from BERTH_LOG_LEVEL\)/);
    const missing = await berth(['config', 'verify', join(dir, 'missing.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read/);
    const malformed = join(dir, 'malformed.yaml');
    writeFileSync(malformed, 'listen: [\n');
    const broken = await berth(['config', 'verify', malformed]);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /not valid YAML/);
  });

  it('env lists every BERTH_* variable', async () => {
    const { code, stdout } = await berth(['config', 'env']);
    assert.equal(code, 0);
    const lines = stdout.trim().split('\n');
    assert.deepEqual(lines, environmentVariables());
    for (const name of [
      'BERTH_LISTEN',
      'BERTH_DATA_DIR',
      'BERTH_METADATA_URL',
      'BERTH_REGISTRY_MAX_BLOB_BYTES',
      'BERTH_REGISTRY_CREATE_REPOSITORY_ON_PUSH',
    ]) {
      assert.ok(lines.includes(name), name);
    }
  });
});

describe('berth serve', () => {
  const dirs: string[] = [];
  const servers: ChildBerth[] = [];

  async function serve(env: NodeJS.ProcessEnv = {}): Promise<{ server: ChildBerth; dataDir: string }> {
    const dataDir = tempDir('berth-serve-');
    dirs.push(dataDir);
    const server = await spawnBerth(dataDir, await freePort(), env);
    servers.push(server);
    return { server, dataDir };
  }

  after(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('answers /healthz and /readyz, accepts a push, and stops cleanly on SIGTERM', async () => {
    const { server, dataDir } = await serve();
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { database: true, storage: true });
    // By default a push creates the repository.
    const push = await fetch(`${server.url}/v2/brand/new/blobs/uploads/`, { method: 'POST' });
    assert.equal(push.status, 202);
    // On the embedded default the database lives in the data dir (the PostgreSQL pass uses a server).
    if (testBackend() === 'sqlite')
      assert.ok(existsSync(join(dataDir, 'berth.db')), 'the embedded database lives in the data dir');
    await server.stop('SIGTERM');
    assert.equal(server.process.exitCode, 0);
  });

  it('with createRepositoryOnPush false (BERTH_REGISTRY_CREATE_REPOSITORY_ON_PUSH) refuses a push to a new repository', async () => {
    const { server } = await serve({ BERTH_REGISTRY_CREATE_REPOSITORY_ON_PUSH: 'false' });
    const push = await fetch(`${server.url}/v2/brand/new/blobs/uploads/`, { method: 'POST' });
    assert.equal(push.status, 404);
    assert.match(push.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await push.json()) as { errors: { code: string; message: string }[] };
    assert.equal(body.errors.length, 1);
    assert.equal(body.errors[0]!.code, 'NAME_UNKNOWN');
    assert.equal(typeof body.errors[0]!.message, 'string');
    const manifest = await fetch(`${server.url}/v2/brand/new/manifests/latest`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'0'.repeat(64)}`, size: 2 },
        layers: [],
      }),
    });
    assert.equal(manifest.status, 404);
    assert.equal(((await manifest.json()) as { errors: { code: string }[] }).errors[0]!.code, 'NAME_UNKNOWN');
  });

  it('exits 2 with a clear message for a bad flag', async () => {
    const dataDir = tempDir('berth-serve-');
    dirs.push(dataDir);
    const { code, stderr } = await berth(['serve', '--listen', 'localhost:99999', '--data-dir', dataDir]);
    assert.equal(code, 2);
    assert.match(stderr, /listen: .*65535.*\(from --listen\)/);
    assert.doesNotMatch(stderr, /defaults and environment/, 'the flag is named, not the defaults');
  });

  it('exits 1 with one line when the address is in use', async () => {
    const dataDir = tempDir('berth-serve-');
    dirs.push(dataDir);
    const { createServer } = await import('node:net');
    const taken = createServer();
    await new Promise<void>((listening) => taken.listen(0, '127.0.0.1', listening));
    const port = (taken.address() as { port: number }).port;
    try {
      const { code, stderr } = await berth(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir], {
        BERTH_LOG_LEVEL: 'error',
      });
      assert.equal(code, 1);
      assert.equal(
        stderr
          .split('\n')
          .filter((line) => line.startsWith('berth:'))
          .join('\n'),
        `berth: cannot listen on 127.0.0.1:${port}: the address is in use`,
      );
      assert.doesNotMatch(stderr, /\n\s+at /);
    } finally {
      taken.close();
    }
  });
});
