// skopeo against a real `berth serve` that requires credentials, logged in as users do (a password from
// GetAuthorizationToken, `skopeo login`): images and multi-platform indexes go in and come back out byte-identical,
// across SIGTERM and SIGKILL restarts (even mid-push); deletes stick; layers mount across repositories; Docker schema 2
// conversion; nothing without credentials.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import type { Descriptor } from '../domain/manifest.js';
import { digestOf } from '../domain/digest.js';
import { MediaTypes } from '../domain/media-types.js';
import { OciLayout } from '../testing/oci-layout.js';
import { tempDir } from '../testing/server.js';
import { requireTool } from '../testing/tools.js';
import { recordingProxy } from '../testing/recording-proxy.js';
import { errorCode, send, ServedBerth, skopeo, verifyBlobStore } from './support.js';

interface Inspected {
  Digest: string;
  RepoTags: string[];
  Architecture: string;
  Os: string;
  Layers: string[];
}

interface ImageManifest {
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  manifests?: Descriptor[];
}

const PLATFORMS = [
  { architecture: 'amd64', os: 'linux' },
  { architecture: 'arm64', os: 'linux' },
  { architecture: 's390x', os: 'linux' },
];

let layout: OciLayout;
let image: Descriptor;
let index: Descriptor;
const scratch: string[] = [];

before(() => {
  layout = new OciLayout(tempDir('berth-e2e-layout-'));
  // One layer of several MiB so skopeo streams it for real; small ones around it.
  image = layout.addImage([1024, 4 * 1024 * 1024, 16 * 1024]);
  layout.tag(image, 'img');
  index = layout.addIndex(PLATFORMS, [8 * 1024, 256 * 1024]);
  layout.tag(index, 'multi');
});

after(() => {
  for (const dir of [layout.dir, ...scratch]) rmSync(dir, { recursive: true, force: true });
});

function manifestOf(digest: string): ImageManifest {
  return JSON.parse(layout.readBlob(digest).toString('utf8')) as ImageManifest;
}

/** Every digest a manifest or index needs: itself, its children, configs and layers. */
function closure(digest: string): Set<string> {
  const manifest = manifestOf(digest);
  const children = manifest.manifests
    ? manifest.manifests.flatMap((m) => [...closure(m.digest)])
    : [manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
  return new Set([digest, ...children]);
}

function scratchDir(): string {
  const dir = tempDir('berth-e2e-out-');
  scratch.push(dir);
  return dir;
}

/** A layout skopeo wrote holds exactly the closure of `root`, every blob byte-identical to the source. */
function assertSameContent(outDir: string, root: Descriptor, ref: string): void {
  const expected = closure(root.digest);
  const written = readdirSync(join(outDir, 'blobs', 'sha256')).map((hex) => `sha256:${hex}`);
  assert.deepEqual(new Set(written), expected, 'the pulled layout holds exactly the blobs of the pushed image');
  for (const digest of written) {
    const bytes = readFileSync(join(outDir, 'blobs', 'sha256', digest.slice('sha256:'.length)));
    assert.ok(bytes.equals(layout.readBlob(digest)), `${digest} came back byte-identical`);
  }
  const top = JSON.parse(readFileSync(join(outDir, 'index.json'), 'utf8')) as {
    manifests: (Descriptor & { annotations?: Record<string, string> })[];
  };
  const entry = top.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === ref);
  assert.equal(entry?.digest, root.digest, 'the pulled reference names the pushed manifest');
}

const inspect = async (reference: string, global: string[] = [], extra: string[] = []) =>
  JSON.parse((await skopeo([...global, 'inspect', ...extra, '--tls-verify=false', reference])).stdout) as Inspected;
const inspectRaw = async (reference: string) =>
  (await skopeo(['inspect', '--raw', '--tls-verify=false', reference])).stdout;
const listTags = async (reference: string) =>
  (JSON.parse((await skopeo(['list-tags', '--tls-verify=false', reference])).stdout) as { Tags: string[] }).Tags;
const push = (source: string, destination: string, extra: string[] = []) =>
  skopeo(['copy', ...extra, '--dest-tls-verify=false', source, destination]);
const pull = (source: string, destination: string, extra: string[] = []) =>
  skopeo(['copy', ...extra, '--src-tls-verify=false', source, destination]);

async function assertManifestGone(berth: ServedBerth, repository: string, digest: string): Promise<void> {
  const reply = await send('GET', `${berth.url}/v2/${repository}/manifests/${digest}`, {
    headers: { Accept: `${MediaTypes.ociManifest}, ${MediaTypes.ociIndex}`, ...berth.authHeaders },
  });
  assert.equal(reply.status, 404);
  assert.equal(errorCode(reply), 'MANIFEST_UNKNOWN');
}

/** A server that requires credentials, with skopeo logged in to it. */
async function started(t: TestContext): Promise<ServedBerth> {
  const berth = await ServedBerth.start({ BERTH_AUTH_MODE: 'iam' });
  t.after(() => berth.close());
  await berth.login();
  return berth;
}

/** Stops with `signal` and starts again on the same data dir; SIGTERM must be a clean exit. */
async function restart(berth: ServedBerth, signal: NodeJS.Signals): Promise<void> {
  const exit = await berth.stop(signal);
  if (signal === 'SIGTERM') assert.deepEqual(exit, { code: 0, signal: null }, 'SIGTERM shuts down cleanly');
  else assert.equal(exit.signal, signal);
  await berth.start();
}

/** Push, (restart), list, inspect, pull and compare, delete, (restart), check the deletes held. */
async function roundTrip(t: TestContext, signal?: NodeJS.Signals): Promise<void> {
  if (!requireTool(t, 'skopeo', 'apt-get install -y skopeo')) return;
  const berth = await started(t);
  const registry = `docker://${berth.host}`;

  await push(`oci:${layout.dir}:img`, `${registry}/e2e/app:v1`);
  await push(`oci:${layout.dir}:img`, `${registry}/e2e/app:v1.0`);
  await push(`oci:${layout.dir}:multi`, `${registry}/e2e/multi:v1`, ['--all']);

  // Without the login nothing is served or accepted.
  await assert.rejects(inspect(`${registry}/e2e/app:v1`, [], ['--no-creds']), /authentication required|unauthorized/i);
  await assert.rejects(
    push(`oci:${layout.dir}:img`, `${registry}/e2e/app:anonymous`, ['--dest-no-creds']),
    /authentication required|unauthorized/i,
  );
  assert.equal((await send('GET', `${berth.url}/v2/e2e/app/tags/list`)).status, 401);

  if (signal) await restart(berth, signal);

  assert.deepEqual((await listTags(`${registry}/e2e/app`)).sort(), ['v1', 'v1.0']);
  assert.deepEqual(await listTags(`${registry}/e2e/multi`), ['v1']);

  const manifest = manifestOf(image.digest);
  const info = await inspect(`${registry}/e2e/app:v1`);
  assert.equal(info.Digest, image.digest);
  assert.deepEqual(
    info.Layers,
    manifest.layers.map((l) => l.digest),
  );
  assert.equal(info.Architecture, 'amd64');
  assert.equal(info.Os, 'linux');
  assert.equal(
    await inspectRaw(`${registry}/e2e/app:v1`),
    layout.readBlob(image.digest).toString('utf8'),
    'inspect --raw is the pushed manifest, byte for byte',
  );

  assert.equal(
    await inspectRaw(`${registry}/e2e/multi:v1`),
    layout.readBlob(index.digest).toString('utf8'),
    'inspect --raw is the pushed index, byte for byte',
  );
  for (const child of manifestOf(index.digest).manifests!) {
    const platform = child.platform as { architecture: string; os: string };
    const chosen = await inspect(`${registry}/e2e/multi:v1`, [
      '--override-arch',
      platform.architecture,
      '--override-os',
      platform.os,
    ]);
    assert.equal(chosen.Architecture, platform.architecture);
    assert.deepEqual(
      chosen.Layers,
      manifestOf(child.digest).layers.map((l) => l.digest),
      `the ${platform.architecture} image of the index`,
    );
    assert.equal(
      await inspectRaw(`${registry}/e2e/multi@${child.digest}`),
      layout.readBlob(child.digest).toString('utf8'),
    );
  }

  const imageOut = scratchDir();
  await pull(`${registry}/e2e/app:v1`, `oci:${imageOut}:img`);
  assertSameContent(imageOut, image, 'img');
  const indexOut = scratchDir();
  await pull(`${registry}/e2e/multi:v1`, `oci:${indexOut}:multi`, ['--all']);
  assertSameContent(indexOut, index, 'multi');

  const stored = verifyBlobStore(berth.dataDir);
  for (const digest of [...closure(image.digest), ...closure(index.digest)])
    assert.ok(stored.includes(digest), `${digest} is in the blob store`);

  // skopeo deletes a tag by resolving it and deleting the manifest's digest: every tag on it goes.
  await skopeo(['delete', '--tls-verify=false', `${registry}/e2e/app:v1`]);
  await skopeo(['delete', '--tls-verify=false', `${registry}/e2e/multi@${index.digest}`]);

  const checkDeleted = async () => {
    await assert.rejects(inspect(`${registry}/e2e/app:v1`), /manifest unknown/i);
    await assert.rejects(inspect(`${registry}/e2e/app:v1.0`), /manifest unknown/i);
    await assert.rejects(inspectRaw(`${registry}/e2e/multi:v1`), /manifest unknown/i);
    assert.deepEqual(await listTags(`${registry}/e2e/app`), []);
    await assertManifestGone(berth, 'e2e/app', image.digest);
    await assertManifestGone(berth, 'e2e/multi', index.digest);
    // Deleting an index leaves its platform images: they are manifests of their own.
    const child = manifestOf(index.digest).manifests![0]!;
    assert.equal(
      await inspectRaw(`${registry}/e2e/multi@${child.digest}`),
      layout.readBlob(child.digest).toString('utf8'),
    );
  };
  await checkDeleted();
  if (signal) {
    await restart(berth, signal);
    await checkDeleted();
  }
  verifyBlobStore(berth.dataDir);
}

test('skopeo pushes an image and an index, inspects, pulls them back byte-identical and deletes them', (t) =>
  roundTrip(t));

test('the same round trip with a SIGTERM restart between push and pull', (t) => roundTrip(t, 'SIGTERM'));

test('the same round trip with a SIGKILL restart between push and pull', (t) => roundTrip(t, 'SIGKILL'));

test('a skopeo push cut by SIGKILL mid-upload completes when run again after the restart', async (t) => {
  if (!requireTool(t, 'skopeo', 'apt-get install -y skopeo')) return;
  const berth = await started(t);
  let killed: Promise<unknown> | undefined;
  // The proxy kills the server as the first blob body starts to flow.
  const proxy = await recordingProxy(berth.url, (method) => {
    if (method === 'PATCH' && !killed) killed = berth.stop('SIGKILL');
  });
  t.after(() => proxy.close());
  await berth.login(proxy.host);
  const registry = `docker://${proxy.host}`;

  await assert.rejects(push(`oci:${layout.dir}:multi`, `${registry}/e2e/cut:v1`, ['--all']));
  assert.ok(killed, 'the push reached a blob upload');
  await killed;
  await berth.start();
  verifyBlobStore(berth.dataDir);

  await push(`oci:${layout.dir}:multi`, `${registry}/e2e/cut:v1`, ['--all']);
  assert.equal(await inspectRaw(`${registry}/e2e/cut:v1`), layout.readBlob(index.digest).toString('utf8'));
  const out = scratchDir();
  await pull(`${registry}/e2e/cut:v1`, `oci:${out}:multi`, ['--all']);
  assertSameContent(out, index, 'multi');
  verifyBlobStore(berth.dataDir);
});

test('skopeo copies between two repositories of Berth by mounting the layers', async (t) => {
  if (!requireTool(t, 'skopeo', 'apt-get install -y skopeo')) return;
  const berth = await started(t);
  const proxy = await recordingProxy(berth.url);
  t.after(() => proxy.close());
  await berth.login(proxy.host);
  const registry = `docker://${proxy.host}`;

  await push(`oci:${layout.dir}:img`, `${registry}/team-a/app:v1`);
  await skopeo([
    'copy',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    `${registry}/team-a/app:v1`,
    `${registry}/team-b/app:copied`,
  ]);

  const layers = manifestOf(image.digest).layers.map((l) => l.digest);
  for (const digest of layers) {
    const mounts = proxy.exchanges.filter(
      (e) =>
        e.method === 'POST' &&
        e.url.startsWith('/v2/team-b/app/blobs/uploads/') &&
        e.url.includes(`mount=${encodeURIComponent(digest)}`) &&
        e.url.includes(`from=${encodeURIComponent('team-a/app')}`),
    );
    assert.ok(mounts.length > 0, `skopeo asked to mount ${digest} from team-a/app`);
    assert.ok(
      mounts.every((m) => m.status === 201),
      `the mount of ${digest} succeeded: ${JSON.stringify(mounts)}`,
    );
    const uploads = proxy.exchanges.filter(
      (e) =>
        e.method === 'PUT' &&
        e.url.startsWith('/v2/team-b/app/blobs/uploads/') &&
        e.url.includes(encodeURIComponent(digest)),
    );
    assert.deepEqual(uploads, [], `${digest} was mounted, not uploaded again`);
  }
  const failures = proxy.exchanges.filter((e) => e.status >= 500);
  assert.deepEqual(failures, [], 'no request failed on the server');

  assert.equal(await inspectRaw(`${registry}/team-b/app:copied`), layout.readBlob(image.digest).toString('utf8'));
  const out = scratchDir();
  await pull(`${registry}/team-b/app:copied`, `oci:${out}:img`);
  assertSameContent(out, image, 'img');
  // One copy of each blob, however many repositories link it.
  const stored = verifyBlobStore(berth.dataDir);
  assert.equal(stored.length, new Set(stored).size);
  assert.ok(layers.every((d) => stored.includes(d)));
});

test('skopeo copy --format v2s2 stores a Docker schema 2 manifest that inspects and pulls', async (t) => {
  if (!requireTool(t, 'skopeo', 'apt-get install -y skopeo')) return;
  const berth = await started(t);
  const registry = `docker://${berth.host}`;

  await push(`oci:${layout.dir}:img`, `${registry}/e2e/docker:v2`, ['--format', 'v2s2']);

  const raw = await inspectRaw(`${registry}/e2e/docker:v2`);
  const converted = JSON.parse(raw) as ImageManifest;
  const source = manifestOf(image.digest);
  assert.equal(converted.mediaType, MediaTypes.dockerManifest);
  assert.equal(converted.config.mediaType, MediaTypes.dockerConfig);
  assert.equal(converted.config.digest, source.config.digest, 'the config is unchanged');
  assert.deepEqual(
    converted.layers.map((l) => l.mediaType),
    source.layers.map(() => 'application/vnd.docker.image.rootfs.diff.tar.gzip'),
  );
  assert.deepEqual(
    converted.layers.map((l) => [l.digest, l.size]),
    source.layers.map((l) => [l.digest, l.size]),
    'the layers are the same blobs',
  );

  const info = await inspect(`${registry}/e2e/docker:v2`);
  assert.equal(info.Digest, digestOf(Buffer.from(raw)));
  assert.equal(info.Architecture, 'amd64');
  assert.deepEqual(
    info.Layers,
    source.layers.map((l) => l.digest),
  );
  assert.deepEqual(info.RepoTags, ['v2']);

  const head = await send('HEAD', `${berth.url}/v2/e2e/docker/manifests/v2`, {
    headers: { Accept: MediaTypes.dockerManifest, ...berth.authHeaders },
  });
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-type'], MediaTypes.dockerManifest);
  assert.equal(head.headers['docker-content-digest'], info.Digest);

  const out = scratchDir();
  await pull(`${registry}/e2e/docker:v2`, `dir:${out}`);
  for (const layer of source.layers) {
    assert.ok(
      readFileSync(join(out, layer.digest.slice('sha256:'.length))).equals(layout.readBlob(layer.digest)),
      `${layer.digest} pulls back byte-identical`,
    );
  }
  assert.equal(readFileSync(join(out, 'manifest.json'), 'utf8'), raw);
});
