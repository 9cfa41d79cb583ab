// Image formats with real clients against a `berth serve`: skopeo pushes each format (OCI, Docker
// schema 2, schema 1 signed by containers/image's libtrust) and multi-arch lists, inspects them, and
// pulls each in the other formats: client-side (--format) and server-side (the conversions Berth
// served by tag, fetched by their digests and verified by skopeo as it copies them).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { digestOf } from '../domain/digest.js';
import type { Descriptor } from '../domain/manifest.js';
import { MediaTypes as M } from '../domain/media-types.js';
import { OciLayout } from '../testing/oci-layout.js';
import { tempDir } from '../testing/server.js';
import { requireTool } from '../testing/tools.js';
import { send, ServedBerth, skopeo } from './support.js';

let layout: OciLayout;
let berth: ServedBerth;
const scratch: string[] = [];

before(async () => {
  layout = new OciLayout(tempDir('berth-e2e-formats-'));
  layout.tag(layout.addImage([2048, 64 * 1024]), 'img');
  layout.tag(
    layout.addIndex(
      [
        { architecture: 'amd64', os: 'linux' },
        { architecture: 'arm64', os: 'linux' },
      ],
      [4096],
    ),
    'multi',
  );
  berth = await ServedBerth.start();
});

after(async () => {
  await berth?.close();
  for (const dir of [layout.dir, ...scratch]) rmSync(dir, { recursive: true, force: true });
});

function scratchDir(): string {
  const dir = tempDir('berth-e2e-out-');
  scratch.push(dir);
  return dir;
}

const registry = () => `docker://${berth.host}`;
const copy = (source: string, destination: string, extra: string[] = []) =>
  skopeo(['copy', ...extra, '--src-tls-verify=false', '--dest-tls-verify=false', source, destination]);
const inspect = async (reference: string, raw = false) =>
  (await skopeo(['inspect', ...(raw ? ['--raw'] : []), '--tls-verify=false', reference])).stdout;

/** GET by tag as a client with `accept` (undefined: none, as Docker 1.7–1.9): the digest and body served. */
async function served(
  repository: string,
  tag: string,
  accept: string | undefined,
): Promise<{ digest: string; type: string; body: Record<string, any> }> {
  const reply = await send('GET', `${berth.url}/v2/${repository}/manifests/${tag}`, {
    headers: accept ? { Accept: accept } : {},
  });
  assert.equal(reply.status, 200, reply.body.toString());
  return {
    digest: String(reply.headers['docker-content-digest']),
    type: String(reply.headers['content-type']),
    body: JSON.parse(reply.body.toString('utf8')) as Record<string, any>,
  };
}

/** Layer digests skopeo wrote into a dir: destination. */
function dirBlobs(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /^[a-f0-9]{64}$/.test(f))
    .map((f) => `sha256:${f}`);
}

function ready(t: TestContext): boolean {
  return requireTool(t, 'skopeo', 'apt-get install -y skopeo');
}

test('OCI pushed, pulled as Docker schema 2 (skopeo --format v2s2) and as Docker from Berth (converted on pull)', async (t) => {
  if (!ready(t)) return;
  await copy(`oci:${layout.dir}:img`, `${registry()}/fmt/oci:v1`);
  const stored = JSON.parse(await inspect(`${registry()}/fmt/oci:v1`, true)) as {
    mediaType: string;
    layers: Descriptor[];
  };
  assert.equal(stored.mediaType, M.ociManifest);
  // Client-side: skopeo converts as it pulls.
  const out = scratchDir();
  await copy(`${registry()}/fmt/oci:v1`, `dir:${out}`, ['--format', 'v2s2']);
  assert.equal(
    (JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { mediaType: string }).mediaType,
    M.dockerManifest,
  );
  // Server-side: a Docker-only client gets schema 2; skopeo then copies that manifest by its digest.
  const docker = await served('fmt/oci', 'v1', `${M.dockerManifest}, ${M.dockerManifestList}`);
  assert.equal(docker.type, M.dockerManifest);
  const pulled = scratchDir();
  await copy(`${registry()}/fmt/oci@${docker.digest}`, `dir:${pulled}`);
  const manifest = readFileSync(join(pulled, 'manifest.json'));
  assert.equal(digestOf(manifest), docker.digest, 'the converted manifest is what its digest names');
  assert.deepEqual(dirBlobs(pulled).sort(), [docker.body.config.digest, ...stored.layers.map((l) => l.digest)].sort());
  const info = JSON.parse(await inspect(`${registry()}/fmt/oci@${docker.digest}`)) as {
    Architecture: string;
    Layers: string[];
  };
  assert.equal(info.Architecture, 'amd64');
  assert.deepEqual(
    info.Layers,
    stored.layers.map((l) => l.digest),
  );
});

test('Docker schema 2 pushed (--format v2s2), pulled as OCI (--format oci) and as OCI from Berth (converted on pull)', async (t) => {
  if (!ready(t)) return;
  await copy(`oci:${layout.dir}:img`, `${registry()}/fmt/docker:v1`, ['--format', 'v2s2']);
  const stored = JSON.parse(await inspect(`${registry()}/fmt/docker:v1`, true)) as {
    mediaType: string;
    layers: Descriptor[];
  };
  assert.equal(stored.mediaType, M.dockerManifest);
  const out = scratchDir();
  await copy(`${registry()}/fmt/docker:v1`, `oci:${out}:img`, ['--format', 'oci']);
  const oci = await served('fmt/docker', 'v1', `${M.ociManifest}, ${M.ociIndex}`);
  assert.equal(oci.type, M.ociManifest);
  assert.deepEqual(
    oci.body.layers.map((l: Descriptor) => l.mediaType),
    stored.layers.map(() => 'application/vnd.oci.image.layer.v1.tar+gzip'),
  );
  const pulled = scratchDir();
  await copy(`${registry()}/fmt/docker@${oci.digest}`, `oci:${pulled}:img`);
  const index = JSON.parse(readFileSync(join(pulled, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  assert.equal(index.manifests[0]!.digest, oci.digest, 'skopeo verified and kept the converted manifest');
});

test('schema 1 signed by containers/image (--format v2s1) pushes, inspects and pulls back unchanged; schema 2 reaches Docker 1.9 as schema 1 that skopeo verifies', async (t) => {
  if (!ready(t)) return;
  await copy(`oci:${layout.dir}:img`, `${registry()}/fmt/v1:old`, ['--format', 'v2s1']);
  const raw = await inspect(`${registry()}/fmt/v1:old`, true);
  const body = JSON.parse(raw) as { schemaVersion: number; signatures: unknown[]; fsLayers: unknown[] };
  assert.equal(body.schemaVersion, 1);
  assert.equal(body.signatures.length, 1, 'containers/image signed it');
  const info = JSON.parse(await inspect(`${registry()}/fmt/v1:old`)) as {
    Digest: string;
    Architecture: string;
    Layers: string[];
  };
  assert.equal(info.Architecture, 'amd64');
  const byDigest = await inspect(`${registry()}/fmt/v1@${info.Digest}`, true);
  assert.equal(byDigest, raw, 'by digest (the payload digest), byte for byte');
  const out = scratchDir();
  await copy(`${registry()}/fmt/v1:old`, `dir:${out}`);
  assert.equal(readFileSync(join(out, 'manifest.json'), 'utf8'), raw, 'pulled back unchanged');

  // A schema 2 image asked for the way Docker 1.9 asks (no Accept): signed schema 1, which skopeo
  // then pulls by digest, checking the digest against the signed payload and fetching every layer.
  await copy(`oci:${layout.dir}:img`, `${registry()}/fmt/docker-for-old:v1`, ['--format', 'v2s2']);
  const old = await served('fmt/docker-for-old', 'v1', undefined);
  assert.equal(old.type, M.dockerSchema1Signed);
  const converted = JSON.parse(await inspect(`${registry()}/fmt/docker-for-old@${old.digest}`)) as {
    Digest: string;
    Architecture: string;
    Layers: string[];
  };
  assert.equal(converted.Digest, old.digest);
  assert.equal(converted.Architecture, 'amd64');
  const pulled = scratchDir();
  await copy(`${registry()}/fmt/docker-for-old@${old.digest}`, `dir:${pulled}`);
  assert.equal(dirBlobs(pulled).length, new Set(old.body.fsLayers.map((l: { blobSum: string }) => l.blobSum)).size);
});

test("multi-arch: --all as a Docker list (v2s2), pulled --all as OCI from Berth's converted index", async (t) => {
  if (!ready(t)) return;
  await copy(`oci:${layout.dir}:multi`, `${registry()}/fmt/multi:v1`, ['--all', '--format', 'v2s2']);
  const list = JSON.parse(await inspect(`${registry()}/fmt/multi:v1`, true)) as {
    mediaType: string;
    manifests: Descriptor[];
  };
  assert.equal(list.mediaType, M.dockerManifestList);
  const index = await served('fmt/multi', 'v1', `${M.ociManifest}, ${M.ociIndex}`);
  assert.equal(index.type, M.ociIndex);
  const out = scratchDir();
  await copy(`${registry()}/fmt/multi@${index.digest}`, `oci:${out}:multi`, ['--all']);
  const pulledIndex = JSON.parse(readFileSync(join(out, 'blobs', 'sha256', index.digest.slice(7)), 'utf8')) as {
    manifests: Descriptor[];
  };
  assert.deepEqual(
    pulledIndex.manifests.map((m) => (m.platform as { architecture: string }).architecture),
    ['amd64', 'arm64'],
  );
  for (const child of pulledIndex.manifests) {
    const manifest = JSON.parse(readFileSync(join(out, 'blobs', 'sha256', child.digest.slice(7)), 'utf8')) as {
      mediaType: string;
    };
    assert.equal(manifest.mediaType, M.ociManifest, 'each child came converted, fetched by its own digest');
  }
  // A Docker client that knows no lists gets the amd64 image.
  const single = await served('fmt/multi', 'v1', M.dockerManifest);
  assert.equal(
    single.digest,
    list.manifests.find((m) => (m.platform as { architecture: string }).architecture === 'amd64')!.digest,
  );
});
