// /v2/<name>/manifests/<reference> through the HTTP surface: every manifest kind stored and
// served byte-exact by tag and by digest, tags and deletes, and every way a push is refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { EMPTY_JSON, MediaTypes } from '../../domain/media-types.js';
import { startBerth, type TestBerth } from '../../testing/server.js';
import {
  API_VERSION, assertError, assertHeadStatus, descriptorOf, digestOf, manifestBytes, pushArtifact, pushBlob, pushImage, putManifest,
  randomBlob, snapshot, type PushedManifest, type Response,
} from '../../testing/registry-client.js';

let server: TestBerth;
let app: FastifyInstance;

before(async () => {
  server = await startBerth({ listen: false });
  app = server.berth.app;
});
after(() => server.close());

const FIXTURES = new URL('../../../test/fixtures/manifests/', import.meta.url);
const url = (name: string, reference: string) => `/v2/${name}/manifests/${reference}`;

function assertCreated(res: Response, name: string, digest: string): void {
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.headers.location, url(name, digest));
  assert.equal(res.headers['docker-content-digest'], digest);
  assert.equal(res.headers['content-length'], '0');
  assert.equal(res.headers['docker-distribution-api-version'], API_VERSION);
}

/** Served as pushed to a client that accepts the manifest's type (by tag, as real clients ask). */
async function assertServed(name: string, reference: string, manifest: { digest: string; mediaType: string; bytes: Buffer }): Promise<void> {
  const accept = { accept: manifest.mediaType };
  const get = await app.inject({ url: url(name, reference), headers: accept });
  assert.equal(get.statusCode, 200, get.body);
  assert.equal(get.headers['content-type'], manifest.mediaType);
  assert.equal(get.headers['docker-content-digest'], manifest.digest);
  assert.equal(get.headers['content-length'], String(manifest.bytes.length));
  assert.equal(get.headers['docker-distribution-api-version'], API_VERSION);
  assert.ok(get.rawPayload.equals(manifest.bytes), 'manifest bytes differ from what was pushed');

  const head = await app.inject({ method: 'HEAD', url: url(name, reference), headers: accept });
  assert.equal(head.statusCode, 200);
  assert.equal(head.headers['content-type'], manifest.mediaType);
  assert.equal(head.headers['docker-content-digest'], manifest.digest);
  assert.equal(head.headers['content-length'], String(manifest.bytes.length));
  assert.equal(head.rawPayload.length, 0);
}

async function assertUnknown(name: string, reference: string): Promise<void> {
  assertError(await app.inject({ url: url(name, reference) }), 404, 'MANIFEST_UNKNOWN');
  assertHeadStatus(await app.inject({ method: 'HEAD', url: url(name, reference) }), 404);
}

async function tagsOf(name: string): Promise<string[]> {
  const res = await app.inject({ url: `/v2/${name}/tags/list` });
  assert.equal(res.statusCode, 200);
  return (res.json() as { tags: string[] }).tags;
}

interface Kind {
  title: string;
  /** Pushes what the manifest needs into `name`; returns its media type and exact bytes. */
  prepare(name: string): Promise<{ mediaType: string; bytes: Buffer }>;
}

const KINDS: Kind[] = [
  {
    title: 'OCI image manifest',
    async prepare(name) {
      const config = await pushBlob(app, name, Buffer.from('{"architecture":"arm64","os":"linux"}'), MediaTypes.ociConfig);
      const layer = await pushBlob(app, name, randomBlob(300), 'application/vnd.oci.image.layer.v1.tar+gzip');
      return { mediaType: MediaTypes.ociManifest, bytes: manifestBytes({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers: [layer], annotations: { 'org.example': 'yes' } }) };
    },
  },
  {
    title: 'OCI image index',
    async prepare(name) {
      const amd64 = await pushImage(app, name);
      const arm64 = await pushImage(app, name);
      const manifests = [
        descriptorOf(amd64, { platform: { architecture: 'amd64', os: 'linux' } }),
        descriptorOf(arm64, { platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } }),
      ];
      return { mediaType: MediaTypes.ociIndex, bytes: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests })) };
    },
  },
  {
    title: 'Docker schema 2 manifest',
    async prepare(name) {
      const config = await pushBlob(app, name, Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'), MediaTypes.dockerConfig);
      const layers = [
        await pushBlob(app, name, randomBlob(200), 'application/vnd.docker.image.rootfs.diff.tar.gzip'),
        await pushBlob(app, name, randomBlob(201), 'application/vnd.docker.image.rootfs.diff.tar.gzip'),
      ];
      // Docker's own formatting: three-space indentation, no trailing newline.
      return { mediaType: MediaTypes.dockerManifest, bytes: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.dockerManifest, config, layers }, null, 3)) };
    },
  },
  {
    title: 'Docker manifest list',
    async prepare(name) {
      const amd64 = await pushImage(app, name, undefined, { docker: true });
      const ppc = await pushImage(app, name, undefined, { docker: true });
      const manifests = [
        descriptorOf(amd64, { platform: { architecture: 'amd64', os: 'linux' } }),
        descriptorOf(ppc, { platform: { architecture: 'ppc64le', os: 'linux' } }),
      ];
      return { mediaType: MediaTypes.dockerManifestList, bytes: manifestBytes({ schemaVersion: 2, mediaType: MediaTypes.dockerManifestList, manifests }) };
    },
  },
  {
    title: 'artifact (artifactType and the empty config)',
    async prepare(name) {
      await pushBlob(app, name, randomBlob(10)); // the repository exists; the empty blob is not pushed
      const sbom = await pushBlob(app, name, Buffer.from('{"spdxVersion":"SPDX-2.3"}'), 'application/spdx+json');
      const empty = { mediaType: MediaTypes.ociEmpty, digest: EMPTY_JSON.digest, size: EMPTY_JSON.size };
      const manifest = { schemaVersion: 2, mediaType: MediaTypes.ociManifest, artifactType: 'application/vnd.example.sbom.v1', config: empty, layers: [sbom] };
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
      assertCreated(await putManifest(app, name, 'v1', manifest.bytes, manifest.mediaType), name, manifest.digest);
      await assertServed(name, 'v1', manifest);
      await assertServed(name, manifest.digest, manifest);
    });

    test('PUT by digest: served by digest, no tag created', async () => {
      const other = `${name}-by-digest`;
      const prepared = await kind.prepare(other);
      const byDigest = { ...prepared, digest: digestOf(prepared.bytes) };
      const res = await putManifest(app, other, byDigest.digest, byDigest.bytes, byDigest.mediaType);
      assertCreated(res, other, byDigest.digest);
      assert.equal(res.headers['oci-tag'], undefined);
      await assertServed(other, byDigest.digest, byDigest);
      assert.deepEqual(await tagsOf(other), []);
    });

    test('PUT again is idempotent', async () => {
      assertCreated(await putManifest(app, name, 'v1', manifest.bytes, manifest.mediaType), name, manifest.digest);
      assertCreated(await putManifest(app, name, manifest.digest, manifest.bytes, manifest.mediaType), name, manifest.digest);
      await assertServed(name, 'v1', manifest);
    });

    test('DELETE by tag removes only that tag', async () => {
      assertCreated(await putManifest(app, name, 'doomed', manifest.bytes, manifest.mediaType), name, manifest.digest);
      const res = await app.inject({ method: 'DELETE', url: url(name, 'doomed') });
      assert.equal(res.statusCode, 202);
      assert.equal(res.headers['docker-distribution-api-version'], API_VERSION);
      await assertUnknown(name, 'doomed');
      await assertServed(name, 'v1', manifest);
      await assertServed(name, manifest.digest, manifest);
      assert.deepEqual(await tagsOf(name), ['v1']);
    });

    test('DELETE by digest removes the manifest and every tag on it', async () => {
      assertCreated(await putManifest(app, name, 'v2', manifest.bytes, manifest.mediaType), name, manifest.digest);
      const res = await app.inject({ method: 'DELETE', url: url(name, manifest.digest) });
      assert.equal(res.statusCode, 202);
      await assertUnknown(name, manifest.digest);
      await assertUnknown(name, 'v1');
      await assertUnknown(name, 'v2');
      assert.deepEqual(await tagsOf(name), []);
      assertError(await app.inject({ method: 'DELETE', url: url(name, manifest.digest) }), 404, 'MANIFEST_UNKNOWN');
      // and it can be pushed again
      assertCreated(await putManifest(app, name, 'v1', manifest.bytes, manifest.mediaType), name, manifest.digest);
      await assertServed(name, 'v1', manifest);
    });
  });
}

describe('artifacts', () => {
  test('the empty config blob is linked on push and readable as a blob', async () => {
    await pushArtifact(app, 'manifests/artifact', 'v1', 'application/vnd.example.signature.v1');
    const res = await app.inject({ url: `/v2/manifests/artifact/blobs/${EMPTY_JSON.digest}` });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '{}');
  });

  test('a refused artifact does not link the empty blob', async () => {
    await pushBlob(app, 'manifests/artifact-refused', randomBlob());
    const empty = { mediaType: MediaTypes.ociEmpty, digest: EMPTY_JSON.digest, size: EMPTY_JSON.size };
    const missing = { mediaType: 'application/vnd.example.data', digest: digestOf(randomBlob()), size: 64 };
    const bytes = manifestBytes({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, artifactType: 'application/x.example', config: empty, layers: [missing] });
    assertError(await putManifest(app, 'manifests/artifact-refused', 'v1', bytes, MediaTypes.ociManifest), 400, 'MANIFEST_BLOB_UNKNOWN');
    assertHeadStatus(await app.inject({ method: 'HEAD', url: `/v2/manifests/artifact-refused/blobs/${EMPTY_JSON.digest}` }), 404);
  });

  test('an artifact pushed into a new repository creates it', async () => {
    const pushed = await pushArtifact(app, 'manifests/artifact-new', 'v1', 'application/vnd.example.new');
    await assertServed('manifests/artifact-new', 'v1', pushed);
  });

  test('an empty descriptor with the wrong size is MANIFEST_INVALID', async () => {
    const empty = { mediaType: MediaTypes.ociEmpty, digest: EMPTY_JSON.digest, size: 3 };
    const bytes = manifestBytes({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, artifactType: 'application/x.example', config: empty, layers: [] });
    assertError(await putManifest(app, 'manifests/artifact', 'bad', bytes, MediaTypes.ociManifest), 400, 'MANIFEST_INVALID');
    await assertUnknown('manifests/artifact', 'bad');
  });
});

describe('tags', () => {
  test('PUT by digest with ?tag= creates every tag and answers OCI-Tag', async () => {
    const image = await pushImage(app, 'manifests/tags');
    const res = await putManifest(app, 'manifests/tags', `${image.digest}?tag=1.2.3&tag=1.2&tag=1&tag=latest`, image.bytes, image.mediaType);
    assertCreated(res, 'manifests/tags', image.digest);
    assert.equal(res.headers['oci-tag'], '1.2.3, 1.2, 1, latest');
    for (const tag of ['1.2.3', '1.2', '1', 'latest']) await assertServed('manifests/tags', tag, image);
    assert.deepEqual(await tagsOf('manifests/tags'), ['1', '1.2', '1.2.3', 'latest']);
  });

  test('PUT by tag with ?tag= adds the extra tags', async () => {
    const image = await pushImage(app, 'manifests/tags2');
    const res = await putManifest(app, 'manifests/tags2', 'main?tag=extra', image.bytes, image.mediaType);
    assertCreated(res, 'manifests/tags2', image.digest);
    assert.equal(res.headers['oci-tag'], 'main, extra');
    assert.deepEqual(await tagsOf('manifests/tags2'), ['extra', 'main']);
  });

  test('a PUT without ?tag= sends no OCI-Tag', async () => {
    const image = await pushImage(app, 'manifests/tags3');
    const res = await putManifest(app, 'manifests/tags3', 'plain', image.bytes, image.mediaType);
    assertCreated(res, 'manifests/tags3', image.digest);
    assert.equal(res.headers['oci-tag'], undefined);
  });

  test('pushing to an existing tag moves it; the old manifest stays by digest', async () => {
    const first = await pushImage(app, 'manifests/move', 'latest');
    const second = await pushImage(app, 'manifests/move', 'latest');
    await assertServed('manifests/move', 'latest', second);
    await assertServed('manifests/move', first.digest, first);
    assert.deepEqual(await tagsOf('manifests/move'), ['latest']);
  });

  test('tags are case-sensitive and may be 128 characters', async () => {
    const image = await pushImage(app, 'manifests/tagforms');
    const long = `A${'b'.repeat(127)}`;
    for (const tag of ['Latest', 'latest', '_under', long, 'v1.0-rc.1_2']) {
      assertCreated(await putManifest(app, 'manifests/tagforms', tag, image.bytes, image.mediaType), 'manifests/tagforms', image.digest);
    }
    assert.deepEqual(await tagsOf('manifests/tagforms'), [long, 'Latest', '_under', 'latest', 'v1.0-rc.1_2']);
  });

  test('an invalid tag is TAG_INVALID and stores nothing', async () => {
    const image = await pushImage(app, 'manifests/badtag');
    const before = await snapshot(app, ['manifests/badtag']);
    for (const tag of ['-dash', '.dot', `a${'b'.repeat(128)}`, 'has+plus', 'sp%20ace']) {
      assertError(await putManifest(app, 'manifests/badtag', tag, image.bytes, image.mediaType), 400, 'TAG_INVALID');
    }
    const res = await putManifest(app, 'manifests/badtag', `${image.digest}?tag=ok&tag=-bad`, image.bytes, image.mediaType);
    assertError(res, 400, 'TAG_INVALID');
    assert.deepEqual(await snapshot(app, ['manifests/badtag']), before);
  });
});

describe('subject', () => {
  test('a manifest with subject answers OCI-Subject, even when the subject is not pushed yet', async () => {
    const subject = { mediaType: MediaTypes.ociManifest, digest: digestOf('not pushed yet'), size: 14 };
    const bytes = manifestBytes({
      schemaVersion: 2, mediaType: MediaTypes.ociManifest, artifactType: 'application/vnd.example.sig',
      config: { mediaType: MediaTypes.ociEmpty, digest: EMPTY_JSON.digest, size: 2 }, layers: [], subject,
    });
    const res = await putManifest(app, 'manifests/subject', digestOf(bytes), bytes, MediaTypes.ociManifest);
    assertCreated(res, 'manifests/subject', digestOf(bytes));
    assert.equal(res.headers['oci-subject'], subject.digest);
  });

  test('a manifest without subject sends no OCI-Subject', async () => {
    const image = await pushImage(app, 'manifests/subject');
    const res = await putManifest(app, 'manifests/subject', 'plain', image.bytes, image.mediaType);
    assert.equal(res.statusCode, 201);
    assert.equal(res.headers['oci-subject'], undefined);
  });

  test('an index with subject', async () => {
    const image = await pushImage(app, 'manifests/subject');
    const bytes = manifestBytes({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [], subject: descriptorOf(image) });
    const res = await putManifest(app, 'manifests/subject', digestOf(bytes), bytes, MediaTypes.ociIndex);
    assertCreated(res, 'manifests/subject', digestOf(bytes));
    assert.equal(res.headers['oci-subject'], image.digest);
  });
});

describe('reading', () => {
  test('If-None-Match with the digest is 304', async () => {
    const image = await pushImage(app, 'manifests/etag', 'v1');
    const res = await app.inject({ url: url('manifests/etag', 'v1'), headers: { 'if-none-match': `"${image.digest}"` } });
    assert.equal(res.statusCode, 304);
    assert.equal(res.headers.etag, `"${image.digest}"`);
    assert.equal(res.rawPayload.length, 0);
    const other = await app.inject({ url: url('manifests/etag', 'v1'), headers: { 'if-none-match': '"sha256:other"' } });
    assert.equal(other.statusCode, 200);
  });

  test('a manifest pushed without a mediaType field is served with the Content-Type it was pushed with', async () => {
    const config = await pushBlob(app, 'manifests/nomime', Buffer.from('{"os":"linux"}'), MediaTypes.dockerConfig);
    const bytes = manifestBytes({ schemaVersion: 2, config, layers: [] });
    const res = await putManifest(app, 'manifests/nomime', 'v1', bytes, `${MediaTypes.dockerManifest}; charset=utf-8`);
    assertCreated(res, 'manifests/nomime', digestOf(bytes));
    await assertServed('manifests/nomime', 'v1', { digest: digestOf(bytes), mediaType: MediaTypes.dockerManifest, bytes });
  });

  test('an OCI manifest without mediaType or Content-Type is recognised by its shape', async () => {
    const config = await pushBlob(app, 'manifests/nomime', Buffer.from('{"os":"windows"}'), MediaTypes.ociConfig);
    const bytes = manifestBytes({ schemaVersion: 2, config, layers: [] });
    assertCreated(await putManifest(app, 'manifests/nomime', 'shape', bytes), 'manifests/nomime', digestOf(bytes));
    await assertServed('manifests/nomime', 'shape', { digest: digestOf(bytes), mediaType: MediaTypes.ociManifest, bytes });
  });

  test('a sha512 reference stores and serves the manifest under its sha512 digest', async () => {
    const image = await pushImage(app, 'manifests/sha512');
    const digest = digestOf(image.bytes, 'sha512');
    assertCreated(await putManifest(app, 'manifests/sha512', digest, image.bytes, image.mediaType), 'manifests/sha512', digest);
    await assertServed('manifests/sha512', digest, { ...image, digest });
  });

  test('unknown tags, digests and repositories', async () => {
    await pushImage(app, 'manifests/unknown', 'v1');
    await assertUnknown('manifests/unknown', 'v2');
    await assertUnknown('manifests/unknown', digestOf('nothing'));
    assertError(await app.inject({ method: 'DELETE', url: url('manifests/unknown', 'v2') }), 404, 'MANIFEST_UNKNOWN');
    assertError(await app.inject({ method: 'DELETE', url: url('manifests/unknown', digestOf('nothing')) }), 404, 'MANIFEST_UNKNOWN');
    assertError(await app.inject({ url: url('manifests/nowhere', 'v1') }), 404, 'NAME_UNKNOWN');
    assertError(await app.inject({ method: 'DELETE', url: url('manifests/nowhere', 'v1') }), 404, 'NAME_UNKNOWN');
    assertHeadStatus(await app.inject({ method: 'HEAD', url: url('manifests/nowhere', 'v1') }), 404);
  });

  test('a manifest of one repository is not served from another', async () => {
    const image = await pushImage(app, 'manifests/mine', 'v1');
    await pushImage(app, 'manifests/yours', 'v1');
    const res = await app.inject({ url: url('manifests/yours', image.digest) });
    assertError(res, 404, 'MANIFEST_UNKNOWN');
  });
});

describe('refused pushes', () => {
  const name = 'manifests/refused';
  let image: PushedManifest & { config: { digest: string; size: number; mediaType: string }; layers: { digest: string; size: number; mediaType: string }[] };
  let elsewhere: { digest: string; size: number; mediaType: string };
  let state: unknown;

  before(async () => {
    image = await pushImage(app, name, 'latest');
    elsewhere = await pushBlob(app, 'manifests/elsewhere', randomBlob(), 'application/vnd.oci.image.layer.v1.tar+gzip');
    state = await snapshot(app, [name]);
  });

  /** Each refusal leaves the repository exactly as it was: `latest` still serves the first image. */
  async function refused(res: Response, status: number, code: string) {
    const entry = assertError(res, status, code);
    assert.deepEqual(await snapshot(app, [name]), state);
    return entry;
  }

  test('a body that does not match the digest in the URL is DIGEST_INVALID', async () => {
    const other = digestOf(randomBlob());
    const entry = await refused(await putManifest(app, name, other, image.bytes, image.mediaType), 400, 'DIGEST_INVALID');
    assert.deepEqual(entry.detail, { expected: other, actual: image.digest });
    await assertUnknown(name, other);
    // a body that differs by one byte from the one the digest names
    const changed = Buffer.from(`${image.bytes.toString()} `);
    await refused(await putManifest(app, name, image.digest, changed, image.mediaType), 400, 'DIGEST_INVALID');
  });

  test('a malformed digest or an unknown algorithm in the URL is DIGEST_INVALID', async () => {
    for (const reference of ['sha256:abc', `sha999:${'a'.repeat(64)}`, `md5:${'a'.repeat(32)}`]) {
      await refused(await putManifest(app, name, reference, image.bytes, image.mediaType), 400, 'DIGEST_INVALID');
    }
  });

  test('a missing layer or config is MANIFEST_BLOB_UNKNOWN, naming the digest', async () => {
    const missing = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digestOf(randomBlob()), size: 64 };
    const layers = manifestBytes({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: image.config, layers: [...image.layers, missing] });
    const entry = await refused(await putManifest(app, name, 'latest', layers, MediaTypes.ociManifest), 400, 'MANIFEST_BLOB_UNKNOWN');
    assert.deepEqual(entry.detail, { missing: [{ digest: missing.digest, reason: 'blob not found in repository' }] });

    const config = { ...image.config, digest: digestOf(randomBlob()) };
    const noConfig = manifestBytes({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers: image.layers });
    await refused(await putManifest(app, name, 'latest', noConfig, MediaTypes.ociManifest), 400, 'MANIFEST_BLOB_UNKNOWN');
  });

  test('a blob that exists only in another repository is MANIFEST_BLOB_UNKNOWN', async () => {
    const bytes = manifestBytes({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: image.config, layers: [elsewhere] });
    await refused(await putManifest(app, name, 'latest', bytes, MediaTypes.ociManifest), 400, 'MANIFEST_BLOB_UNKNOWN');
  });

  test('a missing child manifest of an index or list is MANIFEST_BLOB_UNKNOWN', async () => {
    const child = { mediaType: MediaTypes.ociManifest, digest: digestOf(randomBlob()), size: 500 };
    const index = manifestBytes({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [descriptorOf(image), child] });
    const entry = await refused(await putManifest(app, name, 'latest', index, MediaTypes.ociIndex), 400, 'MANIFEST_BLOB_UNKNOWN');
    assert.deepEqual(entry.detail, { missing: [{ digest: child.digest, reason: 'manifest not found in repository' }] });
    // a blob is not a manifest
    const blobAsChild = manifestBytes({ schemaVersion: 2, mediaType: MediaTypes.dockerManifestList, manifests: [{ ...image.layers[0]!, mediaType: MediaTypes.dockerManifest }] });
    await refused(await putManifest(app, name, 'latest', blobAsChild, MediaTypes.dockerManifestList), 400, 'MANIFEST_BLOB_UNKNOWN');
  });

  test('a descriptor whose size differs from the blob is MANIFEST_INVALID', async () => {
    const layer = { ...image.layers[0]!, size: image.layers[0]!.size + 1 };
    const bytes = manifestBytes({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: image.config, layers: [layer] });
    await refused(await putManifest(app, name, 'latest', bytes, MediaTypes.ociManifest), 400, 'MANIFEST_INVALID');
  });

  test('invalid JSON, or JSON that is not an object, is MANIFEST_INVALID', async () => {
    for (const body of ['{"schemaVersion": 2,', 'not json', '[]', '', readFileSync(new URL('manifest-non-json.manifest.json', FIXTURES))]) {
      await refused(await putManifest(app, name, 'latest', body, MediaTypes.ociManifest), 400, 'MANIFEST_INVALID');
    }
  });

  test('an unknown media type is MANIFEST_INVALID', async () => {
    const bytes = manifestBytes({ schemaVersion: 2, mediaType: 'application/vnd.example.manifest.v9+json', config: image.config, layers: image.layers });
    await refused(await putManifest(app, name, 'latest', bytes, 'application/vnd.example.manifest.v9+json'), 400, 'MANIFEST_INVALID');
    await refused(await putManifest(app, name, 'latest', manifestBytes({ schemaVersion: 2 }), undefined), 400, 'MANIFEST_INVALID');
  });

  test('a Content-Type that names another manifest type than the body is MANIFEST_INVALID', async () => {
    await refused(await putManifest(app, name, 'latest', image.bytes, MediaTypes.dockerManifest), 400, 'MANIFEST_INVALID');
    await refused(await putManifest(app, name, 'latest', image.bytes, MediaTypes.ociIndex), 400, 'MANIFEST_INVALID');
  });

  test('bad descriptors are MANIFEST_INVALID', async () => {
    const variants = [
      { ...image.layers[0]!, digest: 'sha256:short' },
      { ...image.layers[0]!, size: -1 },
      { ...image.layers[0]!, size: '64' },
      { ...image.layers[0]!, mediaType: 'nonsense' },
      { digest: image.layers[0]!.digest, size: image.layers[0]!.size },
      'sha256:abc',
    ];
    for (const layer of variants) {
      const bytes = manifestBytes({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: image.config, layers: [layer] });
      await refused(await putManifest(app, name, 'latest', bytes, MediaTypes.ociManifest), 400, 'MANIFEST_INVALID');
    }
    const index = manifestBytes({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [{ ...descriptorOf(image), digest: 'nope' }] });
    await refused(await putManifest(app, name, 'latest', index, MediaTypes.ociIndex), 400, 'MANIFEST_INVALID');
  });

  test('Docker schema 1 whose signature fails is MANIFEST_UNVERIFIED; one naming absent layers MANIFEST_BLOB_UNKNOWN (schema1.test.ts has the rest)', async () => {
    const edited = readFileSync(new URL('manifest-v2s1.manifest.json', FIXTURES));
    await refused(await putManifest(app, name, 'latest', edited, MediaTypes.dockerSchema1Signed), 400, 'MANIFEST_UNVERIFIED');
    const unsigned = readFileSync(new URL('manifest-v2s1-unsigned.manifest.json', FIXTURES));
    await refused(await putManifest(app, name, 'latest', unsigned, 'application/json'), 400, 'MANIFEST_BLOB_UNKNOWN');
  });

  test('a manifest over 4 MiB is 413 SIZE_INVALID; exactly 4 MiB is accepted', async () => {
    const limit = 4 * 1024 * 1024;
    const sized = (size: number) => {
      const base = manifestBytes({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: image.config, layers: image.layers, annotations: { pad: '' } });
      const padded = Buffer.from(base.toString().replace('"pad": ""', `"pad": "${'x'.repeat(size - base.length)}"`));
      assert.equal(padded.length, size);
      return padded;
    };
    const entry = await refused(await putManifest(app, name, 'latest', sized(limit + 1), MediaTypes.ociManifest), 413, 'SIZE_INVALID');
    assert.deepEqual(entry.detail, { limit });
    const exact = sized(limit);
    assertCreated(await putManifest(app, name, 'big', exact, MediaTypes.ociManifest), name, digestOf(exact));
    const res = await app.inject({ url: url(name, 'big') });
    assert.ok(res.rawPayload.equals(exact));
    assert.equal((await app.inject({ method: 'DELETE', url: url(name, digestOf(exact)) })).statusCode, 202);
  });
});

describe('refused pushes into a repository that does not exist', () => {
  test('do not create it', async () => {
    const image = await pushImage(app, 'manifests/source');
    const before = await snapshot(app, ['manifests/phantom']);
    const cases: [string, Buffer | string, string | undefined, number, string][] = [
      ['v1', 'not json', MediaTypes.ociManifest, 400, 'MANIFEST_INVALID'],
      [digestOf('other'), image.bytes, image.mediaType, 400, 'DIGEST_INVALID'],
      ['-bad', image.bytes, image.mediaType, 400, 'TAG_INVALID'],
      ['v1', Buffer.alloc(4 * 1024 * 1024 + 1, 0x20), MediaTypes.ociManifest, 413, 'SIZE_INVALID'],
      ['v1', image.bytes, image.mediaType, 400, 'MANIFEST_BLOB_UNKNOWN'],
    ];
    for (const [reference, body, contentType, status, code] of cases) {
      assertError(await putManifest(app, 'manifests/phantom', reference, body, contentType), status, code);
    }
    assert.deepEqual(await snapshot(app, ['manifests/phantom']), before);
  });
});

describe('a registry that does not create repositories on push', () => {
  test('refuses pushes to unknown repositories with NAME_UNKNOWN, and creates nothing', async () => {
    const strict = await startBerth({ listen: false, settings: { registry: { createRepositoryOnPush: false } } });
    try {
      const registry = strict.berth.app;
      const bytes = manifestBytes({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] });
      assertError(await putManifest(registry, 'strict/app', 'v1', bytes, MediaTypes.ociIndex), 404, 'NAME_UNKNOWN');
      assertError(await registry.inject({ method: 'POST', url: '/v2/strict/app/blobs/uploads/' }), 404, 'NAME_UNKNOWN');
      const data = randomBlob();
      assertError(await registry.inject({ method: 'POST', url: `/v2/strict/app/blobs/uploads/?digest=${digestOf(data)}`, payload: data }), 404, 'NAME_UNKNOWN');
      assert.deepEqual((await registry.inject({ url: '/v2/_catalog' })).json(), { repositories: [] });
    } finally {
      await strict.close();
    }
  });
});
