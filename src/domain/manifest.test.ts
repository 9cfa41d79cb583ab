// parseManifest over real manifests (test/fixtures/manifests, from containers/image) and over
// the defects a registry must refuse with MANIFEST_INVALID.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RegistryError } from './errors.js';
import { digestOf } from './digest.js';
import { parseManifest, type ParsedManifest } from './manifest.js';
import { MediaTypes } from './media-types.js';

const FIXTURES = new URL('../../test/fixtures/manifests/', import.meta.url);

function fixture(name: string): Buffer {
  return readFileSync(new URL(name, FIXTURES));
}

function json(name: string): Record<string, any> {
  return JSON.parse(fixture(name).toString('utf8')) as Record<string, any>;
}

function digests(list: { digest: string }[]): string[] {
  return list.map((d) => d.digest);
}

async function rejects(
  bytes: Buffer | string,
  contentType: string | undefined,
  message: RegExp,
): Promise<RegistryError> {
  let error: unknown;
  try {
    await parseManifest(Buffer.from(bytes), contentType);
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof RegistryError, `expected a RegistryError, got ${String(error)}`);
  assert.equal(error.code, 'MANIFEST_INVALID');
  assert.equal(error.status, 400);
  assert.match(error.message, message);
  return error;
}

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

function image(overrides: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, digest: A, size: 10 },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: B, size: 20 }],
      ...overrides,
    }),
  );
}

describe('parseManifest: real manifests', async () => {
  test('OCI image manifest: config and every layer are required blobs, annotations kept', async () => {
    const source = json('manifest-ociv1.manifest.json');
    const parsed = await parseManifest(fixture('manifest-ociv1.manifest.json'), MediaTypes.ociManifest);
    assert.equal(parsed.mediaType, MediaTypes.ociManifest);
    assert.equal(parsed.kind, 'image');
    assert.deepEqual(parsed.config, source.config);
    assert.deepEqual(digests(parsed.blobs), [source.config.digest, ...digests(source.layers)]);
    assert.deepEqual(parsed.manifests, []);
    assert.equal(parsed.artifactType, MediaTypes.ociConfig);
    assert.deepEqual(parsed.annotations, { 'com.example.key1': 'value1', 'com.example.key2': 'value2' });
    assert.equal(parsed.subject, undefined);
  });

  test('Docker schema 2 manifest: its config media type is what the referrers API reports', async () => {
    const source = json('manifest-v2s2.manifest.json');
    const parsed = await parseManifest(fixture('manifest-v2s2.manifest.json'), MediaTypes.dockerManifest);
    assert.equal(parsed.mediaType, MediaTypes.dockerManifest);
    assert.equal(parsed.kind, 'image');
    assert.equal(parsed.blobs.length, 4);
    assert.deepEqual(digests(parsed.blobs), [source.config.digest, ...digests(source.layers)]);
    assert.equal(parsed.artifactType, MediaTypes.dockerConfig);
    assert.equal(parsed.annotations, undefined);
  });

  test('OCI index: children are required manifests, not blobs; platforms kept', async () => {
    const source = json('manifest-ociv1.image.index.json');
    const parsed = await parseManifest(fixture('manifest-ociv1.image.index.json'), MediaTypes.ociIndex);
    assert.equal(parsed.mediaType, MediaTypes.ociIndex);
    assert.equal(parsed.kind, 'index');
    assert.deepEqual(parsed.blobs, []);
    assert.equal(parsed.config, undefined);
    assert.deepEqual(parsed.manifests, source.manifests);
    assert.equal(parsed.artifactType, undefined);
    assert.deepEqual(parsed.annotations, source.annotations);
  });

  test('Docker manifest list', async () => {
    const source = json('manifest-v2list.manifest.json');
    const parsed = await parseManifest(fixture('manifest-v2list.manifest.json'), MediaTypes.dockerManifestList);
    assert.equal(parsed.mediaType, MediaTypes.dockerManifestList);
    assert.equal(parsed.kind, 'index');
    assert.equal(parsed.manifests.length, 5);
    assert.deepEqual(digests(parsed.manifests), digests(source.manifests));
    assert.deepEqual(parsed.manifests[3]!.platform, { architecture: 'arm', os: 'linux', variant: 'armv7' });
  });

  test('no mediaType field: an OCI manifest or index is recognised by its shape', async () => {
    const manifest = await parseManifest(fixture('manifest-ociv1nomime.manifest.json'), undefined);
    assert.equal(manifest.mediaType, MediaTypes.ociManifest);
    assert.equal(manifest.kind, 'image');
    assert.equal(manifest.blobs.length, 4);
    const index = await parseManifest(fixture('manifest-ociv1nomime.image.index.json'), undefined);
    assert.equal(index.mediaType, MediaTypes.ociIndex);
    assert.equal(index.kind, 'index');
    assert.equal(index.manifests.length, 2);
  });

  test('no mediaType field: the Content-Type names the type (with parameters ignored)', async () => {
    const parsed = await parseManifest(
      fixture('manifest-v2s2nomime.manifest.json'),
      `${MediaTypes.dockerManifest}; charset=utf-8`,
    );
    assert.equal(parsed.mediaType, MediaTypes.dockerManifest);
    assert.deepEqual(digests(parsed.blobs), [
      'sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7',
    ]);
  });

  test('every optional OCI field: artifactType, subject, urls and annotations', async () => {
    const parsed = await parseManifest(fixture('manifest-ociv1.everything.json'), MediaTypes.ociManifest);
    assert.equal(parsed.artifactType, 'application/our-artifact');
    assert.deepEqual(parsed.annotations, { top: '0' });
    assert.deepEqual(parsed.subject, {
      mediaType: MediaTypes.ociManifest,
      digest: `sha256:${'c'.repeat(64)}`,
      size: 3,
      urls: ['https://some.example/subject'],
      annotations: { subject: '3' },
      artifactType: 'application/our-subject',
      platform: { architecture: 'a', os: 'b', 'os.version': 'c', 'os.features': ['d'], variant: 'e' },
    });
    // The subject is not a required blob: referrers may be pushed before their subject.
    assert.deepEqual(digests(parsed.blobs), [A, B]);
    assert.deepEqual(parsed.blobs[1]!.urls, ['https://some.example/layer']);
  });

  test('every optional index field: artifactType and subject of an index', async () => {
    const parsed = await parseManifest(fixture('testdata-oci1.index.everything.json'), MediaTypes.ociIndex);
    assert.equal(parsed.kind, 'index');
    assert.equal(parsed.artifactType, 'application/our-top-artifact');
    assert.equal(parsed.subject?.digest, B);
    assert.deepEqual(digests(parsed.manifests), [A]);
    assert.equal(parsed.manifests[0]!.artifactType, 'application/our-sub-artifact');
    const list = await parseManifest(fixture('testdata-v2list.everything.json'), MediaTypes.dockerManifestList);
    assert.deepEqual(digests(list.manifests), [A]);
  });

  test('layers with urls are still required unless their media type is non-distributable', async () => {
    const docker = await parseManifest(fixture('manifest-v2s2.everything.json'), MediaTypes.dockerManifest);
    assert.deepEqual(digests(docker.blobs), [A, B]);
    const artifact = await parseManifest(fixture('image-oci1-artifact.json'), MediaTypes.ociManifest);
    assert.equal(artifact.blobs.length, 6);
    assert.equal(artifact.artifactType, 'application/vnd.oci.custom.artifact.config.v1+json');
  });

  test('non-distributable layers without urls must be pushed like any other', async () => {
    for (const name of [
      'manifest-ociv1.nondistributable.gzip.manifest.json',
      'manifest-v2s2.nondistributable.gzip.manifest.json',
    ]) {
      const parsed = await parseManifest(fixture(name), undefined);
      assert.equal(parsed.blobs.length, 2, name);
    }
  });

  test('non-distributable layers with urls are not required blobs', async () => {
    const foreign = {
      mediaType: MediaTypes.dockerForeignLayer,
      digest: B,
      size: 20,
      urls: ['https://example.com/layer'],
    };
    const docker = await parseManifest(
      image({ mediaType: MediaTypes.dockerManifest, layers: [foreign] }),
      MediaTypes.dockerManifest,
    );
    assert.deepEqual(digests(docker.blobs), [A]);
    const oci = { ...foreign, mediaType: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip' };
    assert.deepEqual(digests((await parseManifest(image({ layers: [oci] }), undefined)).blobs), [A]);
  });

  test('encrypted layers and layer media types clients do not know are stored as they are', async () => {
    assert.equal(
      (await parseManifest(fixture('manifest-ociv1.encrypted.manifest.json'), MediaTypes.ociManifest)).blobs.length,
      4,
    );
    const unknownLayer = await parseManifest(fixture('image-oci1-invalid-media-type.json'), undefined);
    assert.equal(unknownLayer.mediaType, MediaTypes.ociManifest);
    assert.equal(unknownLayer.blobs[1]!.mediaType, 'application/vnd.oci.image.layer.v1.tar+invalid-suffix');
  });

  test('an artifact over the empty config reports its artifactType', async () => {
    const empty = {
      mediaType: MediaTypes.ociEmpty,
      digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
      size: 2,
    };
    const parsed: ParsedManifest = await parseManifest(
      image({ artifactType: 'application/vnd.example.sbom.v1', config: empty, layers: [empty] }),
      MediaTypes.ociManifest,
    );
    assert.equal(parsed.artifactType, 'application/vnd.example.sbom.v1');
    assert.deepEqual(parsed.config, empty);
  });

  test('an OCI manifest with empty layers has only its config to check; one without layers is refused (REQUIRED)', async () => {
    const { layers: _layers, ...rest } = JSON.parse(image().toString()) as Record<string, unknown>;
    const parsed = await parseManifest(Buffer.from(JSON.stringify({ ...rest, layers: [] })), MediaTypes.ociManifest);
    assert.deepEqual(digests(parsed.blobs), [A]);
    await rejects(JSON.stringify(rest), MediaTypes.ociManifest, /must have "layers"/);
  });
});

describe('parseManifest: refusals', async () => {
  test('not JSON (a gzip file)', async () => {
    await rejects(fixture('manifest-non-json.manifest.json'), MediaTypes.ociManifest, /not valid UTF-8/);
  });

  test('JSON that is not an object', async () => {
    await rejects('[]', MediaTypes.ociManifest, /must be a JSON object/);
    await rejects('"manifest"', MediaTypes.ociManifest, /must be a JSON object/);
    await rejects('null', MediaTypes.ociManifest, /must be a JSON object/);
  });

  test('an unknown schemaVersion with no recognisable shape', async () => {
    await rejects(
      fixture('manifest-unknown-version.manifest.json'),
      undefined,
      /cannot determine the manifest media type/,
    );
    await rejects(fixture('manifest-unknown-version.manifest.json'), MediaTypes.ociManifest, /schemaVersion must be 2/);
  });

  test('schemaVersion other than 2', async () => {
    await rejects(image({ schemaVersion: 3 }), MediaTypes.ociManifest, /schemaVersion must be 2/);
    await rejects(image({ schemaVersion: '2' }), MediaTypes.ociManifest, /schemaVersion must be 2/);
  });

  test('Docker schema 1 is parsed by its own rules: signed by payload digest, unsigned by bytes (conversions/schema1.test.ts has the rest)', async () => {
    const signed = await parseManifest(fixture('image-schema1.json'), MediaTypes.dockerSchema1Signed);
    assert.equal(signed.mediaType, MediaTypes.dockerSchema1Signed);
    assert.equal(signed.kind, 'image');
    assert.match(signed.canonicalDigest!, /^sha256:/);
    assert.notEqual(signed.canonicalDigest, digestOf(fixture('image-schema1.json')));
    const unsigned = await parseManifest(fixture('manifest-v2s1-unsigned.manifest.json'), 'application/json');
    assert.equal(unsigned.mediaType, MediaTypes.dockerSchema1);
    assert.equal(unsigned.canonicalDigest, undefined);
    assert.deepEqual(
      digests(unsigned.blobs),
      ['sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef'],
      'repeated layers are one blob',
    );
    await rejects(
      fixture('manifest-v2s1-unsigned.manifest.json'),
      MediaTypes.dockerManifest,
      /does not match the body, a schema 1 manifest/,
    );
    await rejects(image(), MediaTypes.dockerSchema1Signed, /does not match the manifest's mediaType/);
  });

  test('an unknown manifest media type', async () => {
    const error = await rejects(
      image({ mediaType: 'application/vnd.example.manifest.v1+json' }),
      undefined,
      /unsupported manifest media type/,
    );
    assert.deepEqual(error.detail, { mediaType: 'application/vnd.example.manifest.v1+json' });
    await rejects(image({ mediaType: 42 }), undefined, /mediaType must be a string/);
  });

  test('a Content-Type naming another manifest type than the body', async () => {
    await rejects(
      fixture('manifest-v2s2.manifest.json'),
      MediaTypes.ociManifest,
      /does not match the manifest's mediaType/,
    );
    await rejects(fixture('manifest-ociv1.image.index.json'), MediaTypes.dockerManifestList, /does not match/);
  });

  test('a Content-Type that is not a manifest type is ignored in favour of the body', async () => {
    assert.equal(
      (await parseManifest(fixture('manifest-ociv1.manifest.json'), 'application/octet-stream')).mediaType,
      MediaTypes.ociManifest,
    );
  });

  test('an image manifest with index fields, an index with image fields', async () => {
    await rejects(image({ manifests: [] }), undefined, /must not have "manifests"/);
    const index = { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [], layers: [] };
    await rejects(JSON.stringify(index), undefined, /must not have "config" or "layers"/);
    await rejects(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex }),
      undefined,
      /manifests must be an array/,
    );
  });

  test('Docker schema 2 requires layers', async () => {
    const { layers: _layers, ...rest } = JSON.parse(fixture('manifest-v2s2.manifest.json').toString()) as Record<
      string,
      unknown
    >;
    await rejects(JSON.stringify(rest), undefined, /must have "layers"/);
  });

  test('an artifact whose config has an empty digest', async () => {
    await rejects(
      fixture('manifest-ociv1.artifact.json'),
      MediaTypes.ociManifest,
      /config\.digest is missing or invalid/,
    );
  });

  test('bad descriptors', async () => {
    const layer = (d: Record<string, unknown>) =>
      image({ layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: B, size: 20, ...d }] });
    await rejects(image({ config: 'sha256:abc' }), undefined, /config must be a descriptor object/);
    await rejects(layer({ digest: 'sha256:abc' }), undefined, /layers\[0\]\.digest is missing or invalid/);
    await rejects(layer({ digest: `md5:${'a'.repeat(32)}` }), undefined, /layers\[0\]\.digest/);
    await rejects(layer({ digest: undefined }), undefined, /layers\[0\]\.digest/);
    await rejects(layer({ size: -1 }), undefined, /layers\[0\]\.size must be a non-negative integer/);
    await rejects(layer({ size: 1.5 }), undefined, /size must be a non-negative integer/);
    await rejects(layer({ size: '20' }), undefined, /size must be a non-negative integer/);
    await rejects(layer({ mediaType: 'not a media type' }), undefined, /layers\[0\]\.mediaType/);
    await rejects(layer({ urls: 'https://example.com' }), undefined, /urls must be an array of strings/);
    await rejects(layer({ annotations: { key: 1 } }), undefined, /annotations must be a map of strings/);
    await rejects(layer({ artifactType: 'nope' }), undefined, /artifactType is not a media type/);
    await rejects(image({ layers: {} }), undefined, /layers must be an array/);
    await rejects(image({ subject: { digest: A } }), undefined, /subject\.mediaType/);
  });

  test('bad top-level artifactType and annotations', async () => {
    await rejects(image({ artifactType: 'sbom' }), undefined, /artifactType is not a media type/);
    await rejects(image({ annotations: ['a'] }), undefined, /manifest\.annotations must be a map of strings/);
  });
});
