// Manifests served by tag in the format the client accepts, through the HTTP surface: schema 1 for
// Docker 1.7–1.9 (their exact requests: no Accept), Docker ↔ OCI, lists ↔ indexes, the default
// platform, refusals naming what exists; converted digests resolve later, on every node.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { parseSchema1 } from '../../domain/conversions/schema1.js';
import { GZIPPED_EMPTY_TAR } from '../../domain/conversions/to-schema1.js';
import type { Descriptor } from '../../domain/manifest.js';
import { MediaTypes as M } from '../../domain/media-types.js';
import { startBerth, tempDir, type TestBerth } from '../../testing/server.js';
import {
  assertError,
  digestOf,
  pushArtifact,
  pushBlob,
  pushManifest,
  randomBlob,
  type PushedManifest,
} from '../../testing/registry-client.js';

let server: TestBerth;
let app: FastifyInstance;
const dataDir = tempDir();

before(async () => {
  server = await startBerth({ listen: false, dataDir });
  app = server.berth.app;
});
after(() => server.close());

/** What Docker 1.9.1 sends for a manifest: no Accept at all (Go's net/http adds none). */
const DOCKER_1_9 = { 'user-agent': 'docker/1.9.1 go/go1.4.3 git-commit/a34a1d5 kernel/4.2.0 os/linux arch/amd64' };
const DOCKER_1_10 = { accept: [M.dockerManifest, M.dockerSchema1Signed, 'application/json'].join(', ') };
const OCI_ONLY = { accept: `${M.ociManifest}, ${M.ociIndex}` };
const DOCKER_ONLY = { accept: `${M.dockerManifest}, ${M.dockerManifestList}` };

const LAYER = {
  docker: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  oci: 'application/vnd.oci.image.layer.v1.tar+gzip',
};

/** An image with a real config: two layers and a history entry that adds none (ENV). */
async function pushRealImage(
  name: string,
  tag: string | undefined,
  family: 'docker' | 'oci',
  architecture = 'amd64',
): Promise<PushedManifest & { layers: Descriptor[]; config: Descriptor }> {
  const layers = [
    await pushBlob(app, name, randomBlob(200), LAYER[family]),
    await pushBlob(app, name, randomBlob(300), LAYER[family]),
  ];
  const config = {
    architecture,
    os: 'linux',
    created: '2024-03-01T10:00:00Z',
    config: { Env: ['PATH=/usr/bin'], Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: [digestOf(randomBlob(8)), digestOf(randomBlob(8))] },
    history: [
      { created: '2024-03-01T09:00:00Z', created_by: '/bin/sh -c make & install <all>' },
      { created: '2024-03-01T09:30:00Z', created_by: '/bin/sh -c #(nop)  ENV PATH=/usr/bin', empty_layer: true },
      { created: '2024-03-01T10:00:00Z', created_by: '/bin/sh -c #(nop) COPY file:abc in /', author: 'me' },
    ],
  };
  const configDescriptor = await pushBlob(
    app,
    name,
    Buffer.from(JSON.stringify(config)),
    family === 'docker' ? M.dockerConfig : M.ociConfig,
  );
  const mediaType = family === 'docker' ? M.dockerManifest : M.ociManifest;
  const pushed = await pushManifest(
    app,
    name,
    tag,
    { schemaVersion: 2, mediaType, config: configDescriptor, layers },
    mediaType,
  );
  return { ...pushed, layers, config: configDescriptor };
}

async function get(name: string, reference: string, headers: Record<string, string> = {}) {
  const res = await app.inject({ url: `/v2/${name}/manifests/${reference}`, headers });
  assert.equal(res.statusCode, 200, res.body);
  const head = await app.inject({ method: 'HEAD', url: `/v2/${name}/manifests/${reference}`, headers });
  assert.equal(head.statusCode, 200);
  assert.equal(
    head.headers['docker-content-digest'],
    res.headers['docker-content-digest'],
    'HEAD names the digest GET serves',
  );
  assert.equal(head.headers['content-type'], res.headers['content-type']);
  return {
    bytes: res.rawPayload,
    type: String(res.headers['content-type']),
    digest: String(res.headers['docker-content-digest']),
    body: res.json() as Record<string, any>,
  };
}

describe('schema 2 → schema 1 for Docker 1.7–1.9', () => {
  test('a tag pulled with no Accept is a signed schema 1 manifest made from the config; the same bytes every time', async () => {
    const name = 'conv/old-engine';
    const image = await pushRealImage(name, 'v1', 'docker');
    const served = await get(name, 'v1', DOCKER_1_9);
    assert.equal(served.type, M.dockerSchema1Signed);
    const parsed = await parseSchema1(served.bytes, served.body, served.type);
    assert.equal(served.digest, parsed.digest, 'Docker-Content-Digest is the payload digest');
    assert.equal(parsed.name, name);
    assert.equal(parsed.tag, 'v1');
    assert.equal(parsed.architecture, 'amd64');
    assert.deepEqual(
      parsed.blobSums,
      [image.layers[1]!.digest, GZIPPED_EMPTY_TAR.digest, image.layers[0]!.digest],
      'newest first, the ENV entry as the empty tar',
    );
    const history = served.body.history.map((h: { v1Compatibility: string }) => JSON.parse(h.v1Compatibility));
    assert.equal(history[0].author, undefined, 'the newest entry is the image config');
    assert.deepEqual(history[0].config, { Env: ['PATH=/usr/bin'], Cmd: ['/bin/sh'] });
    assert.equal(history[1].throwaway, true);
    assert.deepEqual(history[2].container_config, { Cmd: ['/bin/sh -c make & install <all>'] });
    assert.ok(
      served.bytes.toString().includes('make \\\\u0026 install \\\\u003call\\\\u003e'),
      "Go's escaping, as Docker wrote it",
    );

    assert.ok((await get(name, 'v1', DOCKER_1_9)).bytes.equals(served.bytes), 'deterministic');
    assert.ok((await get(name, served.digest, DOCKER_1_9)).bytes.equals(served.bytes), 'its digest resolves');
    const empty = await app.inject({ url: `/v2/${name}/blobs/${GZIPPED_EMPTY_TAR.digest}` });
    assert.equal(empty.statusCode, 200, 'the empty layer it names can be pulled');
    assert.ok(empty.rawPayload.equals(GZIPPED_EMPTY_TAR.bytes));
    assert.equal((await get(name, 'v1', { accept: '*/*' })).digest, served.digest, '*/* is a legacy client too');
    const modern = await get(name, 'v1', DOCKER_1_10);
    assert.ok(modern.bytes.equals(image.bytes), 'Docker 1.10 gets schema 2 as pushed');
    assert.ok((await get(name, image.digest)).bytes.equals(image.bytes), 'by digest: never converted');
  });

  test('the conversion names the tag it was asked for; another tag gets its own', async () => {
    const name = 'conv/two-tags';
    await pushRealImage(name, 'a', 'docker');
    const res = await app.inject({
      method: 'PUT',
      url: `/v2/${name}/manifests/b`,
      headers: { 'content-type': M.dockerManifest },
      payload: (await get(name, 'a', DOCKER_1_10)).bytes,
    });
    assert.equal(res.statusCode, 201);
    const [a, b] = [await get(name, 'a', DOCKER_1_9), await get(name, 'b', DOCKER_1_9)];
    assert.equal(a.body.tag, 'a');
    assert.equal(b.body.tag, 'b');
    assert.notEqual(a.digest, b.digest);
  });

  test('another node of the deployment serves the same bytes (shared key, kept conversion)', async () => {
    const name = 'conv/nodes';
    await pushRealImage(name, 'v1', 'docker');
    const first = await get(name, 'v1', DOCKER_1_9);
    const other = await startBerth({ listen: false, dataDir });
    try {
      const res = await other.berth.app.inject({ url: `/v2/${name}/manifests/v1`, headers: DOCKER_1_9 });
      assert.ok(res.rawPayload.equals(first.bytes));
      const byDigest = await other.berth.app.inject({ url: `/v2/${name}/manifests/${first.digest}` });
      assert.ok(byDigest.rawPayload.equals(first.bytes));
    } finally {
      await other.close();
    }
  });
});

describe('Docker ↔ OCI', () => {
  test('Docker image to an OCI-only client: OCI manifest, same blobs, its digest resolves until the source is deleted', async () => {
    const name = 'conv/docker-to-oci';
    const image = await pushRealImage(name, 'v1', 'docker');
    const served = await get(name, 'v1', OCI_ONLY);
    assert.equal(served.type, M.ociManifest);
    assert.equal(served.digest, digestOf(served.bytes));
    assert.deepEqual(served.body.config, { ...image.config, mediaType: M.ociConfig });
    assert.deepEqual(
      served.body.layers,
      image.layers.map((l) => ({ ...l, mediaType: LAYER.oci })),
    );
    for (const blob of [image.config, ...image.layers])
      assert.equal((await app.inject({ method: 'HEAD', url: `/v2/${name}/blobs/${blob.digest}` })).statusCode, 200);
    const again = await get(name, served.digest);
    assert.ok(again.bytes.equals(served.bytes));
    assert.equal(again.type, M.ociManifest);

    assert.equal(
      (await app.inject({ method: 'DELETE', url: `/v2/${name}/manifests/${image.digest}` })).statusCode,
      202,
    );
    assertError(await app.inject({ url: `/v2/${name}/manifests/${served.digest}` }), 404, 'MANIFEST_UNKNOWN');
  });

  test('OCI image to a Docker-only client: Docker schema 2', async () => {
    const name = 'conv/oci-to-docker';
    const image = await pushRealImage(name, 'v1', 'oci');
    const served = await get(name, 'v1', DOCKER_ONLY);
    assert.equal(served.type, M.dockerManifest);
    assert.deepEqual(
      served.body.layers,
      image.layers.map((l) => ({ ...l, mediaType: LAYER.docker })),
    );
    assert.ok(
      (await get(name, 'v1', { accept: M.ociManifest })).bytes.equals(image.bytes),
      'as pushed to an OCI client',
    );
    assert.ok(
      (await get(name, 'v1')).bytes.equals(image.bytes),
      'OCI content is never schema 1 for a client with no Accept',
    );
  });

  test('an artifact is never converted: MANIFEST_UNKNOWN naming the format that exists', async () => {
    const name = 'conv/artifact';
    const artifact = await pushArtifact(app, name, 'sig', 'application/vnd.example.signature.v1');
    const res = await app.inject({ url: `/v2/${name}/manifests/sig`, headers: DOCKER_ONLY });
    const entry = assertError(res, 404, 'MANIFEST_UNKNOWN');
    assert.deepEqual((entry.detail as { available: string[] }).available, [M.ociManifest]);
    assert.match(entry.message, /exists only as application\/vnd\.oci\.image\.manifest\.v1\+json/);
    assert.ok((await get(name, 'sig', OCI_ONLY)).bytes.equals(artifact.bytes));
  });
});

describe('lists ↔ indexes and the default platform', () => {
  type Child = PushedManifest & { layers: Descriptor[] };
  async function pushList(
    name: string,
    tag: string,
  ): Promise<{ list: PushedManifest; children: { amd64: Child; arm64: Child } }> {
    const children = {
      amd64: await pushRealImage(name, undefined, 'docker', 'amd64'),
      arm64: await pushRealImage(name, undefined, 'docker', 'arm64'),
    };
    const manifests = Object.entries(children).map(([architecture, child]) => ({
      mediaType: M.dockerManifest,
      size: child.size,
      digest: child.digest,
      platform: { architecture, os: 'linux' },
    }));
    return {
      list: await pushManifest(
        app,
        name,
        tag,
        { schemaVersion: 2, mediaType: M.dockerManifestList, manifests },
        M.dockerManifestList,
      ),
      children,
    };
  }

  test('a Docker list to an OCI-only client: an OCI index of OCI conversions, each resolvable by digest', async () => {
    const name = 'conv/list';
    const { children } = await pushList(name, 'multi');
    const index = await get(name, 'multi', OCI_ONLY);
    assert.equal(index.type, M.ociIndex);
    assert.deepEqual(
      index.body.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture),
      ['amd64', 'arm64'],
    );
    for (const entry of index.body.manifests as Descriptor[]) {
      assert.equal(entry.mediaType, M.ociManifest);
      const child = await get(name, entry.digest);
      assert.equal(child.type, M.ociManifest);
      assert.equal(child.bytes.length, entry.size);
      const source = children[(entry.platform as { architecture: 'amd64' | 'arm64' }).architecture];
      assert.deepEqual(
        child.body.layers.map((l: Descriptor) => l.digest),
        source.layers.map((l) => l.digest),
      );
    }
  });

  test('a client that accepts no list type gets the linux/amd64 image; Docker 1.9 gets it as schema 1', async () => {
    const name = 'conv/platform';
    const { children } = await pushList(name, 'multi');
    const single = await get(name, 'multi', { accept: M.dockerManifest });
    assert.equal(single.digest, children.amd64.digest);
    assert.ok(single.bytes.equals(children.amd64.bytes));
    const old = await get(name, 'multi', DOCKER_1_9);
    assert.equal(old.type, M.dockerSchema1Signed);
    assert.equal(old.body.architecture, 'amd64');
    assert.equal(old.body.fsLayers[0].blobSum, children.amd64.layers[1]!.digest);
  });

  test('the default platform is configurable (registry.defaultPlatform); a list without it is MANIFEST_UNKNOWN', async () => {
    const name = 'conv/arm';
    const { children } = await pushList(name, 'multi');
    const arm = await startBerth({
      listen: false,
      dataDir,
      settings: { registry: { defaultPlatform: 'linux/arm64' } },
    });
    const s390x = await startBerth({
      listen: false,
      dataDir,
      settings: { registry: { defaultPlatform: 'linux/s390x' } },
    });
    try {
      const res = await arm.berth.app.inject({
        url: `/v2/${name}/manifests/multi`,
        headers: { accept: M.dockerManifest },
      });
      assert.equal(res.headers['docker-content-digest'], children.arm64.digest);
      const missing = assertError(
        await s390x.berth.app.inject({ url: `/v2/${name}/manifests/multi`, headers: { accept: M.dockerManifest } }),
        404,
        'MANIFEST_UNKNOWN',
      );
      assert.match(missing.message, /no linux\/s390x image/);
      const legacy = await s390x.berth.app.inject({ url: `/v2/${name}/manifests/multi` });
      assert.equal(
        legacy.headers['content-type'],
        M.dockerManifestList,
        'a client with no Accept gets the list as stored rather than nothing',
      );
    } finally {
      await arm.close();
      await s390x.close();
    }
  });
});

describe('what cannot be converted', () => {
  test('a Docker image whose config cannot make schema 1: a client with no Accept gets it as stored, a schema 1 client MANIFEST_UNKNOWN', async () => {
    const name = 'conv/unconvertible';
    const layer = await pushBlob(app, name, randomBlob(), LAYER.docker);
    const config = await pushBlob(
      app,
      name,
      Buffer.from('{"architecture":"amd64","history":[{"created_by":"a"},{"created_by":"b"}]}'),
      M.dockerConfig,
    );
    const image = await pushManifest(
      app,
      name,
      'v1',
      { schemaVersion: 2, mediaType: M.dockerManifest, config, layers: [layer] },
      M.dockerManifest,
    );
    assert.ok((await get(name, 'v1')).bytes.equals(image.bytes));
    const refused = assertError(
      await app.inject({ url: `/v2/${name}/manifests/v1`, headers: { accept: M.dockerSchema1Signed } }),
      404,
      'MANIFEST_UNKNOWN',
    );
    assert.match(
      refused.message,
      /cannot serve this image as Docker schema 1: the config's history names 2 layers, the manifest has 1/,
    );
  });
});
