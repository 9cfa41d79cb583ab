// Berth's own image (scripts/image.sh: mmdebstrap, Node.js and the app, committed by buildah):
// pushed into a running Berth with skopeo and inspected (non-root, `berth serve`, a data volume,
// SIGTERM), pulled back, unpacked with umoci and its entrypoint run as the image says (its user,
// arguments and environment, chrooted into its root file system): /healthz answers, and SIGTERM
// stops it cleanly. Building the root file system takes minutes, so this test is opt-in:
// BERTH_TEST_IMAGE=1 builds the image (CI sets it: .ci/run); BERTH_TEST_IMAGE_ARCHIVE=<oci archive>
// uses one built before.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, scratchDirs, startBerth, type TestBerth } from '../testing/server.js';
import { hasTool } from '../testing/tools.js';
import { skopeo } from './support.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const wanted = process.env.BERTH_TEST_IMAGE === '1' || Boolean(process.env.BERTH_TEST_IMAGE_ARCHIVE);
const dirs = scratchDirs();
let server: TestBerth | undefined;

before(async () => {
  if (wanted) server = await startBerth();
});
after(async () => {
  await server?.close();
  dirs.remove();
});

function build(archive: string): Promise<void> {
  return new Promise((done, reject) =>
    execFile(join(ROOT, 'scripts', 'image.sh'), [archive], { cwd: ROOT, timeout: 900_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`scripts/image.sh failed: ${stderr}`)) : done(),
    ),
  );
}

test("Berth's image: pushed, inspected, pulled, unpacked and run; /healthz answers and SIGTERM stops it", async (t) => {
  if (!wanted) return t.skip('opt-in: BERTH_TEST_IMAGE=1 (builds a Debian root file system, minutes)');
  for (const tool of [
    'skopeo',
    'umoci',
    'chroot',
    ...(process.env.BERTH_TEST_IMAGE_ARCHIVE ? [] : ['mmdebstrap', 'buildah']),
  ])
    assert.ok(hasTool(tool), `${tool} is needed (apt-get install -y ${tool})`);
  let archive = process.env.BERTH_TEST_IMAGE_ARCHIVE;
  if (!archive) {
    archive = join(dirs.make('berth-image-'), 'berth-image.tar');
    await build(archive);
  }
  const host = new URL(server!.url).host;
  await skopeo(['copy', '--dest-tls-verify=false', `oci-archive:${archive}`, `docker://${host}/berth/server:test`]);
  const config = JSON.parse(
    (await skopeo(['inspect', '--config', '--tls-verify=false', `docker://${host}/berth/server:test`])).stdout,
  ) as { config: Record<string, any> };
  const image = config.config;
  assert.equal(image.User, '10001:10001');
  assert.deepEqual([image.Entrypoint, image.Cmd], [['/usr/local/bin/berth'], ['serve']]);
  assert.deepEqual(Object.keys(image.Volumes ?? {}), ['/var/lib/berth']);
  assert.equal(image.StopSignal, 'SIGTERM');
  assert.ok('5000/tcp' in (image.ExposedPorts ?? {}));

  // Pulled back from Berth, unpacked as a runtime bundle (umoci), its entrypoint run as the image says.
  const work = dirs.make('berth-image-run-');
  await skopeo([
    'copy',
    '--src-tls-verify=false',
    `docker://${host}/berth/server:test`,
    `oci:${join(work, 'layout')}:berth`,
  ]);
  execFileSync('umoci', ['unpack', '--image', `${join(work, 'layout')}:berth`, join(work, 'bundle')], {
    stdio: 'ignore',
  });
  const bundle = JSON.parse(readFileSync(join(work, 'bundle', 'config.json'), 'utf8')) as {
    process: { user: { uid: number; gid: number }; args: string[]; env: string[] };
  };
  assert.notEqual(bundle.process.user.uid, 0);
  const port = await freePort();
  const env = Object.fromEntries(
    bundle.process.env.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  // Loopback instead of 0.0.0.0 (no network namespace here), and no public listener.
  Object.assign(env, { BERTH_LISTEN: `127.0.0.1:${port}`, BERTH_PUBLIC_LISTEN: '' });
  const { uid, gid } = bundle.process.user;
  const child = spawn('chroot', [`--userspec=${uid}:${gid}`, join(work, 'bundle', 'rootfs'), ...bundle.process.args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      assert.ok(Date.now() < deadline && child.exitCode === null, `the image's berth did not start: ${output}`);
      await sleep(200);
    }
    assert.match(output, /"dataDir":"\/var\/lib\/berth"/);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    assert.match(output, /"signal":"SIGTERM","msg":"shutting down"/);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
