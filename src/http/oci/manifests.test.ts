// /v2/<name>/manifests/<reference> through the HTTP surface: every manifest kind stored and
// served byte-exact by tag and by digest, deletes, artifacts, and reads (conditional, by shape,
// sha512, unknown). Tags and subjects: manifest-tags.test.ts; refused pushes: manifest-refusals.test.ts.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_JSON, MediaTypes } from '../../domain/media-types.js';
import {
  assertManifestCreated,
  assertManifestServed,
  assertManifestUnknown,
  manifestUrl,
  tagsOf,
} from '../../testing/manifest-assertions.js';
import {
  API_VERSION,
  assertError,
  assertHeadStatus,
  descriptorOf,
  digestOf,
  manifestBytes,
  pushArtifact,
  pushBlob,
  pushImage,
  putManifest,
  randomBlob,
} from '../../testing/registry-client.js';
import { useInjectedBerth } from '../../testing/injected-berth.js';

const berth = useInjectedBerth();

interface Kind {
  title: string;
  /** Pushes what the manifest needs into `name`; returns its media type and exact bytes. */
  prepare(name: string): Promise<{ mediaType: string; bytes: Buffer }>;
}

const KINDS: Kind[] = [
  {
    title: 'OCI image manifest',
    async prepare(name) {
      const config = await pushBlob(
        berth.app,
        name,
        Buffer.from('{"architecture":"arm64","os":"linux"}'),
        MediaTypes.ociConfig,
      );
      const layer = await pushBlob(berth.app, name, randomBlob(300), 'application/vnd.oci.image.layer.v1.tar+gzip');
      return {
        mediaType: MediaTypes.ociManifest,
        bytes: manifestBytes({
          schemaVersion: 2,
          mediaType: MediaTypes.ociManifest,
          config,
          layers: [layer],
          annotations: { 'org.example': 'yes' },
        }),
      };
    },
  },
  {
    title: 'OCI image index',
    async prepare(name) {
      const amd64 = await pushImage(berth.app, name);
      const arm64 = await pushImage(berth.app, name);
      const manifests = [
        descriptorOf(amd64, { platform: { architecture: 'amd64', os: 'linux' } }),
        descriptorOf(arm64, { platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } }),
      ];
      return {
        mediaType: MediaTypes.ociIndex,
        bytes: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests })),
      };
    },
  },
  {
    title: 'Docker schema 2 manifest',
    async prepare(name) {
      const config = await pushBlob(
        berth.app,
        name,
        Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'),
        MediaTypes.dockerConfig,
      );
      const layers = [
        await pushBlob(berth.app, name, randomBlob(200), 'application/vnd.docker.image.rootfs.diff.tar.gzip'),
        await pushBlob(berth.app, name, randomBlob(201), 'application/vnd.docker.image.rootfs.diff.tar.gzip'),
      ];
      // Docker's own formatting: three-space indentation, no trailing newline.
      return {
        mediaType: MediaTypes.dockerManifest,
        bytes: Buffer.from(
          JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.dockerManifest, config, layers }, null, 3),
        ),
      };
    },
  },
  {
    title: 'Docker manifest list',
    async prepare(name) {
      const amd64 = await pushImage(berth.app, name, undefined, { docker: true });
      const ppc = await pushImage(berth.app, name, undefined, { docker: true });
      const manifests = [
        descriptorOf(amd64, { platform: { architecture: 'amd64', os: 'linux' } }),
        descriptorOf(ppc, { platform: { architecture: 'ppc64le', os: 'linux' } }),
      ];
      return {
        mediaType: MediaTypes.dockerManifestList,
        bytes: manifestBytes({ schemaVersion: 2, mediaType: MediaTypes.dockerManifestList, manifests }),
      };
    },
  },
  {
    title: 'artifact (artifactType and the empty config)',
    async prepare(name) {
      await pushBlob(berth.app, name, randomBlob(10)); // the repository exists; the empty blob is not pushed
      const sbom = await pushBlob(berth.app, name, Buffer.from('{"spdxVersion":"SPDX-2.3"}'), 'application/spdx+json');
      const empty = { mediaType: MediaTypes.ociEmpty, digest: EMPTY_JSON.digest, size: EMPTY_JSON.size };
      const manifest = {
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        artifactType: 'application/vnd.example.sbom.v1',
        config: empty,
        layers: [sbom],
      };
      return { mediaType: MediaTypes.ociManifest, bytes: Buffer.from(JSON.stringify(manifest)) };
    },
  },
];

for (const [i, kind] of KINDS.entries()) {
  describe(kind.title, () => {
    const name = `manifests/kind-${i}`;
    let manifest: { digest: string; mediaType: string; bytes: Buffer };

    before(async () => {
      const prepared = await kind.prepare(name);
      manifest = { ...prepared, digest: digestOf(prepared.bytes) };
    });

    test('PUT by tag: 201 with Location and Docker-Content-Digest; served byte-exact by tag and by digest', async () => {
      assertManifestCreated(
        await putManifest(berth.app, name, 'v1', manifest.bytes, manifest.mediaType),
        name,
        manifest.digest,
      );
      await assertManifestServed(berth.app, name, 'v1', manifest);
      await assertManifestServed(berth.app, name, manifest.digest, manifest);
    });

    test('PUT by digest: served by digest, no tag created', async () => {
      const other = `${name}-by-digest`;
      const prepared = await kind.prepare(other);
      const byDigest = { ...prepared, digest: digestOf(prepared.bytes) };
      const res = await putManifest(berth.app, other, byDigest.digest, byDigest.bytes, byDigest.mediaType);
      assertManifestCreated(res, other, byDigest.digest);
      assert.equal(res.headers['oci-tag'], undefined);
      await assertManifestServed(berth.app, other, byDigest.digest, byDigest);
      assert.deepEqual(await tagsOf(berth.app, other), []);
    });

    test('PUT again is idempotent', async () => {
      assertManifestCreated(
        await putManifest(berth.app, name, 'v1', manifest.bytes, manifest.mediaType),
        name,
        manifest.digest,
      );
      assertManifestCreated(
        await putManifest(berth.app, name, manifest.digest, manifest.bytes, manifest.mediaType),
        name,
        manifest.digest,
      );
      await assertManifestServed(berth.app, name, 'v1', manifest);
    });

    test('DELETE by tag removes only that tag', async () => {
      assertManifestCreated(
        await putManifest(berth.app, name, 'doomed', manifest.bytes, manifest.mediaType),
        name,
        manifest.digest,
      );
      const res = await berth.app.inject({ method: 'DELETE', url: manifestUrl(name, 'doomed') });
      assert.equal(res.statusCode, 202);
      assert.equal(res.headers['docker-distribution-api-version'], API_VERSION);
      await assertManifestUnknown(berth.app, name, 'doomed');
      await assertManifestServed(berth.app, name, 'v1', manifest);
      await assertManifestServed(berth.app, name, manifest.digest, manifest);
      assert.deepEqual(await tagsOf(berth.app, name), ['v1']);
    });

    test('DELETE by digest removes the manifest and every tag on it', async () => {
      assertManifestCreated(
        await putManifest(berth.app, name, 'v2', manifest.bytes, manifest.mediaType),
        name,
        manifest.digest,
      );
      const res = await berth.app.inject({ method: 'DELETE', url: manifestUrl(name, manifest.digest) });
      assert.equal(res.statusCode, 202);
      await assertManifestUnknown(berth.app, name, manifest.digest);
      await assertManifestUnknown(berth.app, name, 'v1');
      await assertManifestUnknown(berth.app, name, 'v2');
      assert.deepEqual(await tagsOf(berth.app, name), []);
      assertError(
        await berth.app.inject({ method: 'DELETE', url: manifestUrl(name, manifest.digest) }),
        404,
        'MANIFEST_UNKNOWN',
      );
      // and it can be pushed again
      assertManifestCreated(
        await putManifest(berth.app, name, 'v1', manifest.bytes, manifest.mediaType),
        name,
        manifest.digest,
      );
      await assertManifestServed(berth.app, name, 'v1', manifest);
    });
  });
}

describe('artifacts', () => {
  test('the empty config blob is linked on push and readable as a blob', async () => {
    await pushArtifact(berth.app, 'manifests/artifact', 'v1', 'application/vnd.example.signature.v1');
    const res = await berth.app.inject({ url: `/v2/manifests/artifact/blobs/${EMPTY_JSON.digest}` });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '{}');
  });

  test('a refused artifact does not link the empty blob', async () => {
    await pushBlob(berth.app, 'manifests/artifact-refused', randomBlob());
    const empty = { mediaType: MediaTypes.ociEmpty, digest: EMPTY_JSON.digest, size: EMPTY_JSON.size };
    const missing = { mediaType: 'application/vnd.example.data', digest: digestOf(randomBlob()), size: 64 };
    const bytes = manifestBytes({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: 'application/x.example',
      config: empty,
      layers: [missing],
    });
    assertError(
      await putManifest(berth.app, 'manifests/artifact-refused', 'v1', bytes, MediaTypes.ociManifest),
      400,
      'MANIFEST_BLOB_UNKNOWN',
    );
    assertHeadStatus(
      await berth.app.inject({ method: 'HEAD', url: `/v2/manifests/artifact-refused/blobs/${EMPTY_JSON.digest}` }),
      404,
    );
  });

  test('an artifact pushed into a new repository creates it', async () => {
    const pushed = await pushArtifact(berth.app, 'manifests/artifact-new', 'v1', 'application/vnd.example.new');
    await assertManifestServed(berth.app, 'manifests/artifact-new', 'v1', pushed);
  });

  test('an empty descriptor with the wrong size is MANIFEST_INVALID', async () => {
    const empty = { mediaType: MediaTypes.ociEmpty, digest: EMPTY_JSON.digest, size: 3 };
    const bytes = manifestBytes({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: 'application/x.example',
      config: empty,
      layers: [],
    });
    assertError(
      await putManifest(berth.app, 'manifests/artifact', 'bad', bytes, MediaTypes.ociManifest),
      400,
      'MANIFEST_INVALID',
    );
    await assertManifestUnknown(berth.app, 'manifests/artifact', 'bad');
  });
});

describe('reading', () => {
  test('If-None-Match with the digest is 304', async () => {
    const image = await pushImage(berth.app, 'manifests/etag', 'v1');
    const res = await berth.app.inject({
      url: manifestUrl('manifests/etag', 'v1'),
      headers: { 'if-none-match': `"${image.digest}"` },
    });
    assert.equal(res.statusCode, 304);
    assert.equal(res.headers.etag, `"${image.digest}"`);
    assert.equal(res.rawPayload.length, 0);
    const other = await berth.app.inject({
      url: manifestUrl('manifests/etag', 'v1'),
      headers: { 'if-none-match': '"sha256:other"' },
    });
    assert.equal(other.statusCode, 200);
  });

  test('a manifest pushed without a mediaType field is served with the Content-Type it was pushed with', async () => {
    const config = await pushBlob(
      berth.app,
      'manifests/nomime',
      Buffer.from('{"os":"linux"}'),
      MediaTypes.dockerConfig,
    );
    const bytes = manifestBytes({ schemaVersion: 2, config, layers: [] });
    const res = await putManifest(
      berth.app,
      'manifests/nomime',
      'v1',
      bytes,
      `${MediaTypes.dockerManifest}; charset=utf-8`,
    );
    assertManifestCreated(res, 'manifests/nomime', digestOf(bytes));
    await assertManifestServed(berth.app, 'manifests/nomime', 'v1', {
      digest: digestOf(bytes),
      mediaType: MediaTypes.dockerManifest,
      bytes,
    });
  });

  test('an OCI manifest without mediaType or Content-Type is recognised by its shape', async () => {
    const config = await pushBlob(berth.app, 'manifests/nomime', Buffer.from('{"os":"windows"}'), MediaTypes.ociConfig);
    const bytes = manifestBytes({ schemaVersion: 2, config, layers: [] });
    assertManifestCreated(
      await putManifest(berth.app, 'manifests/nomime', 'shape', bytes),
      'manifests/nomime',
      digestOf(bytes),
    );
    await assertManifestServed(berth.app, 'manifests/nomime', 'shape', {
      digest: digestOf(bytes),
      mediaType: MediaTypes.ociManifest,
      bytes,
    });
  });

  test('a sha512 reference stores and serves the manifest under its sha512 digest', async () => {
    const image = await pushImage(berth.app, 'manifests/sha512');
    const digest = digestOf(image.bytes, 'sha512');
    assertManifestCreated(
      await putManifest(berth.app, 'manifests/sha512', digest, image.bytes, image.mediaType),
      'manifests/sha512',
      digest,
    );
    await assertManifestServed(berth.app, 'manifests/sha512', digest, { ...image, digest });
  });

  test('unknown tags, digests and repositories', async () => {
    await pushImage(berth.app, 'manifests/unknown', 'v1');
    await assertManifestUnknown(berth.app, 'manifests/unknown', 'v2');
    await assertManifestUnknown(berth.app, 'manifests/unknown', digestOf('nothing'));
    assertError(
      await berth.app.inject({ method: 'DELETE', url: manifestUrl('manifests/unknown', 'v2') }),
      404,
      'MANIFEST_UNKNOWN',
    );
    assertError(
      await berth.app.inject({ method: 'DELETE', url: manifestUrl('manifests/unknown', digestOf('nothing')) }),
      404,
      'MANIFEST_UNKNOWN',
    );
    assertError(await berth.app.inject({ url: manifestUrl('manifests/nowhere', 'v1') }), 404, 'NAME_UNKNOWN');
    assertError(
      await berth.app.inject({ method: 'DELETE', url: manifestUrl('manifests/nowhere', 'v1') }),
      404,
      'NAME_UNKNOWN',
    );
    assertHeadStatus(await berth.app.inject({ method: 'HEAD', url: manifestUrl('manifests/nowhere', 'v1') }), 404);
  });

  test('a manifest of one repository is not served from another', async () => {
    const image = await pushImage(berth.app, 'manifests/mine', 'v1');
    await pushImage(berth.app, 'manifests/yours', 'v1');
    const res = await berth.app.inject({ url: manifestUrl('manifests/yours', image.digest) });
    assertError(res, 404, 'MANIFEST_UNKNOWN');
  });
});
