// /v2/<name>/manifests/<reference> through the HTTP surface: every way a push is refused, each
// leaving the repository as it was, and refusals that must not create the repository.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MediaTypes } from '../../domain/media-types.js';
import { assertManifestCreated, assertManifestUnknown, manifestUrl } from '../../testing/manifest-assertions.js';
import { startBerth } from '../../testing/server.js';
import {
  assertError,
  descriptorOf,
  digestOf,
  manifestBytes,
  pushBlob,
  pushImage,
  putManifest,
  randomBlob,
  snapshot,
  type PushedManifest,
  type Response,
} from '../../testing/registry-client.js';
import { useInjectedBerth } from '../../testing/injected-berth.js';

const FIXTURES = new URL('../../../test/fixtures/manifests/', import.meta.url);

const berth = useInjectedBerth();

describe('refused pushes', () => {
  const name = 'manifests/refused';
  let image: PushedManifest & {
    config: { digest: string; size: number; mediaType: string };
    layers: { digest: string; size: number; mediaType: string }[];
  };
  let elsewhere: { digest: string; size: number; mediaType: string };
  let state: unknown;

  before(async () => {
    image = await pushImage(berth.app, name, 'latest');
    elsewhere = await pushBlob(
      berth.app,
      'manifests/elsewhere',
      randomBlob(),
      'application/vnd.oci.image.layer.v1.tar+gzip',
    );
    state = await snapshot(berth.app, [name]);
  });

  /** Each refusal leaves the repository exactly as it was: `latest` still serves the first image. */
  async function refused(res: Response, status: number, code: string) {
    const entry = assertError(res, status, code);
    assert.deepEqual(await snapshot(berth.app, [name]), state);
    return entry;
  }

  test('a body that does not match the digest in the URL is DIGEST_INVALID', async () => {
    const other = digestOf(randomBlob());
    const entry = await refused(
      await putManifest(berth.app, name, other, image.bytes, image.mediaType),
      400,
      'DIGEST_INVALID',
    );
    assert.deepEqual(entry.detail, { expected: other, actual: image.digest });
    await assertManifestUnknown(berth.app, name, other);
    // a body that differs by one byte from the one the digest names
    const changed = Buffer.from(`${image.bytes.toString()} `);
    await refused(await putManifest(berth.app, name, image.digest, changed, image.mediaType), 400, 'DIGEST_INVALID');
  });

  test('a malformed digest or an unknown algorithm in the URL is DIGEST_INVALID', async () => {
    for (const reference of ['sha256:abc', `sha999:${'a'.repeat(64)}`, `md5:${'a'.repeat(32)}`]) {
      await refused(await putManifest(berth.app, name, reference, image.bytes, image.mediaType), 400, 'DIGEST_INVALID');
    }
  });

  test('a missing layer or config is MANIFEST_BLOB_UNKNOWN, naming the digest', async () => {
    const missing = {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: digestOf(randomBlob()),
      size: 64,
    };
    const layers = manifestBytes({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: image.config,
      layers: [...image.layers, missing],
    });
    const entry = await refused(
      await putManifest(berth.app, name, 'latest', layers, MediaTypes.ociManifest),
      400,
      'MANIFEST_BLOB_UNKNOWN',
    );
    assert.deepEqual(entry.detail, { missing: [{ digest: missing.digest, reason: 'blob not found in repository' }] });

    const config = { ...image.config, digest: digestOf(randomBlob()) };
    const noConfig = manifestBytes({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config,
      layers: image.layers,
    });
    await refused(
      await putManifest(berth.app, name, 'latest', noConfig, MediaTypes.ociManifest),
      400,
      'MANIFEST_BLOB_UNKNOWN',
    );
  });

  test('a blob that exists only in another repository is MANIFEST_BLOB_UNKNOWN', async () => {
    const bytes = manifestBytes({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: image.config,
      layers: [elsewhere],
    });
    await refused(
      await putManifest(berth.app, name, 'latest', bytes, MediaTypes.ociManifest),
      400,
      'MANIFEST_BLOB_UNKNOWN',
    );
  });

  test('a missing child manifest of an index or list is MANIFEST_BLOB_UNKNOWN', async () => {
    const child = { mediaType: MediaTypes.ociManifest, digest: digestOf(randomBlob()), size: 500 };
    const index = manifestBytes({
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [descriptorOf(image), child],
    });
    const entry = await refused(
      await putManifest(berth.app, name, 'latest', index, MediaTypes.ociIndex),
      400,
      'MANIFEST_BLOB_UNKNOWN',
    );
    assert.deepEqual(entry.detail, { missing: [{ digest: child.digest, reason: 'manifest not found in repository' }] });
    // a blob is not a manifest
    const blobAsChild = manifestBytes({
      schemaVersion: 2,
      mediaType: MediaTypes.dockerManifestList,
      manifests: [{ ...image.layers[0]!, mediaType: MediaTypes.dockerManifest }],
    });
    await refused(
      await putManifest(berth.app, name, 'latest', blobAsChild, MediaTypes.dockerManifestList),
      400,
      'MANIFEST_BLOB_UNKNOWN',
    );
  });

  test('a descriptor whose size differs from the blob is MANIFEST_INVALID', async () => {
    const layer = { ...image.layers[0]!, size: image.layers[0]!.size + 1 };
    const bytes = manifestBytes({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: image.config,
      layers: [layer],
    });
    await refused(await putManifest(berth.app, name, 'latest', bytes, MediaTypes.ociManifest), 400, 'MANIFEST_INVALID');
  });

  test('invalid JSON, or JSON that is not an object, is MANIFEST_INVALID', async () => {
    for (const body of [
      '{"schemaVersion": 2,',
      'not json',
      '[]',
      '',
      readFileSync(new URL('manifest-non-json.manifest.json', FIXTURES)),
    ]) {
      await refused(
        await putManifest(berth.app, name, 'latest', body, MediaTypes.ociManifest),
        400,
        'MANIFEST_INVALID',
      );
    }
  });

  test('an unknown media type is MANIFEST_INVALID', async () => {
    const bytes = manifestBytes({
      schemaVersion: 2,
      mediaType: 'application/vnd.example.manifest.v9+json',
      config: image.config,
      layers: image.layers,
    });
    await refused(
      await putManifest(berth.app, name, 'latest', bytes, 'application/vnd.example.manifest.v9+json'),
      400,
      'MANIFEST_INVALID',
    );
    await refused(
      await putManifest(berth.app, name, 'latest', manifestBytes({ schemaVersion: 2 }), undefined),
      400,
      'MANIFEST_INVALID',
    );
  });

  test('a Content-Type that names another manifest type than the body is MANIFEST_INVALID', async () => {
    await refused(
      await putManifest(berth.app, name, 'latest', image.bytes, MediaTypes.dockerManifest),
      400,
      'MANIFEST_INVALID',
    );
    await refused(
      await putManifest(berth.app, name, 'latest', image.bytes, MediaTypes.ociIndex),
      400,
      'MANIFEST_INVALID',
    );
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
      const bytes = manifestBytes({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config: image.config,
        layers: [layer],
      });
      await refused(
        await putManifest(berth.app, name, 'latest', bytes, MediaTypes.ociManifest),
        400,
        'MANIFEST_INVALID',
      );
    }
    const index = manifestBytes({
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [{ ...descriptorOf(image), digest: 'nope' }],
    });
    await refused(await putManifest(berth.app, name, 'latest', index, MediaTypes.ociIndex), 400, 'MANIFEST_INVALID');
  });

  test('Docker schema 1 whose signature fails is MANIFEST_UNVERIFIED; one naming absent layers MANIFEST_BLOB_UNKNOWN (schema1.test.ts has the rest)', async () => {
    const edited = readFileSync(new URL('manifest-v2s1.manifest.json', FIXTURES));
    await refused(
      await putManifest(berth.app, name, 'latest', edited, MediaTypes.dockerSchema1Signed),
      400,
      'MANIFEST_UNVERIFIED',
    );
    const unsigned = readFileSync(new URL('manifest-v2s1-unsigned.manifest.json', FIXTURES));
    await refused(
      await putManifest(berth.app, name, 'latest', unsigned, 'application/json'),
      400,
      'MANIFEST_BLOB_UNKNOWN',
    );
  });

  test('a manifest over 4 MiB is 413 SIZE_INVALID; exactly 4 MiB is accepted', async () => {
    const limit = 4 * 1024 * 1024;
    const sized = (size: number) => {
      const base = manifestBytes({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config: image.config,
        layers: image.layers,
        annotations: { pad: '' },
      });
      const padded = Buffer.from(base.toString().replace('"pad": ""', `"pad": "${'x'.repeat(size - base.length)}"`));
      assert.equal(padded.length, size);
      return padded;
    };
    const entry = await refused(
      await putManifest(berth.app, name, 'latest', sized(limit + 1), MediaTypes.ociManifest),
      413,
      'SIZE_INVALID',
    );
    assert.deepEqual(entry.detail, { limit });
    const exact = sized(limit);
    assertManifestCreated(
      await putManifest(berth.app, name, 'big', exact, MediaTypes.ociManifest),
      name,
      digestOf(exact),
    );
    const res = await berth.app.inject({ url: manifestUrl(name, 'big') });
    assert.ok(res.rawPayload.equals(exact));
    assert.equal(
      (await berth.app.inject({ method: 'DELETE', url: manifestUrl(name, digestOf(exact)) })).statusCode,
      202,
    );
  });
});

describe('refused pushes into a repository that does not exist', () => {
  test('do not create it', async () => {
    const image = await pushImage(berth.app, 'manifests/source');
    const before = await snapshot(berth.app, ['manifests/phantom']);
    const cases: [string, Buffer | string, string | undefined, number, string][] = [
      ['v1', 'not json', MediaTypes.ociManifest, 400, 'MANIFEST_INVALID'],
      [digestOf('other'), image.bytes, image.mediaType, 400, 'DIGEST_INVALID'],
      ['-bad', image.bytes, image.mediaType, 400, 'TAG_INVALID'],
      ['v1', Buffer.alloc(4 * 1024 * 1024 + 1, 0x20), MediaTypes.ociManifest, 413, 'SIZE_INVALID'],
      ['v1', image.bytes, image.mediaType, 400, 'MANIFEST_BLOB_UNKNOWN'],
    ];
    for (const [reference, body, contentType, status, code] of cases) {
      assertError(await putManifest(berth.app, 'manifests/phantom', reference, body, contentType), status, code);
    }
    assert.deepEqual(await snapshot(berth.app, ['manifests/phantom']), before);
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
      assertError(
        await registry.inject({
          method: 'POST',
          url: `/v2/strict/app/blobs/uploads/?digest=${digestOf(data)}`,
          payload: data,
        }),
        404,
        'NAME_UNKNOWN',
      );
      assert.deepEqual((await registry.inject({ url: '/v2/_catalog' })).json(), { repositories: [] });
    } finally {
      await strict.close();
    }
  });
});
