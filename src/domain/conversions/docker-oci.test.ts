// Docker schema 2 ↔ OCI against containers/image's conversions of the same images (fixtures), and
// the media type table both ways. Berth keeps every digest (the config blob is served as stored),
// where containers/image also rewrites the config: that one difference is asserted, not hidden.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RegistryError } from '../errors.js';
import { MediaTypes } from '../media-types.js';
import { convertImage, convertList, familyOf, isArtifact } from './docker-oci.js';

const FIXTURES = new URL('../../../test/fixtures/manifests/', import.meta.url);
const json = (name: string) => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, any>;
const parsed = (bytes: Buffer) => JSON.parse(bytes.toString('utf8')) as Record<string, any>;

function refusedAsUnknown(fn: () => unknown, message: RegExp): void {
  assert.throws(
    fn,
    (err: unknown) => err instanceof RegistryError && err.code === 'MANIFEST_UNKNOWN' && message.test(err.message),
  );
}

describe('image manifests', () => {
  test('OCI → Docker: the manifest containers/image made (media types mapped, urls kept, annotations dropped)', () => {
    assert.deepEqual(parsed(convertImage(json('image-oci1.json'), 'docker')), json('image-oci1-to-schema2.json'));
  });

  test('Docker → OCI: layers as containers/image made them; the config keeps its digest and gets the OCI type', () => {
    const source = json('image-schema2.json');
    source.config.mediaType = MediaTypes.dockerConfig; // the fixture's config says application/octet-stream
    const out = parsed(convertImage(source, 'oci'));
    const expected = json('image-schema2-to-oci1.json');
    assert.deepEqual(out.layers, expected.layers);
    assert.equal(out.mediaType, MediaTypes.ociManifest);
    assert.deepEqual(out.config, {
      mediaType: MediaTypes.ociConfig,
      size: source.config.size,
      digest: source.config.digest,
    });
  });

  test("there and back again gives the source manifest's content", () => {
    const source = json('image-oci1-to-schema2.json');
    assert.deepEqual(parsed(convertImage(parsed(convertImage(source, 'oci')), 'docker')), source);
  });

  const table: [string, string][] = [
    ['application/vnd.docker.image.rootfs.diff.tar', 'application/vnd.oci.image.layer.v1.tar'],
    ['application/vnd.docker.image.rootfs.diff.tar.gzip', 'application/vnd.oci.image.layer.v1.tar+gzip'],
    ['application/vnd.docker.image.rootfs.diff.tar.zstd', 'application/vnd.oci.image.layer.v1.tar+zstd'],
    ['application/vnd.docker.image.rootfs.foreign.diff.tar', 'application/vnd.oci.image.layer.nondistributable.v1.tar'],
    [
      'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
      'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
    ],
  ];
  for (const [docker, oci] of table) {
    test(`layer ${docker} ↔ ${oci}`, () => {
      const image = (family: 'docker' | 'oci', layerType: string) => ({
        schemaVersion: 2,
        mediaType: family === 'docker' ? MediaTypes.dockerManifest : MediaTypes.ociManifest,
        config: {
          mediaType: family === 'docker' ? MediaTypes.dockerConfig : MediaTypes.ociConfig,
          size: 2,
          digest: `sha256:${'c'.repeat(64)}`,
        },
        layers: [{ mediaType: layerType, size: 3, digest: `sha256:${'d'.repeat(64)}` }],
      });
      assert.deepEqual(parsed(convertImage(image('docker', docker), 'oci')), image('oci', oci));
      assert.deepEqual(parsed(convertImage(image('oci', oci), 'docker')), image('docker', docker));
    });
  }

  test('what has no equivalent is not converted: encrypted or unknown layers, artifacts, subjects', () => {
    refusedAsUnknown(
      () => convertImage(json('manifest-ociv1.encrypted.manifest.json'), 'docker'),
      /has no Docker equivalent/,
    );
    refusedAsUnknown(
      () => convertImage(json('image-oci1-invalid-media-type.json'), 'docker'),
      /has no Docker equivalent/,
    );
    const artifact = json('image-oci1-artifact.json');
    assert.ok(isArtifact(artifact));
    refusedAsUnknown(() => convertImage(artifact, 'docker'), /artifact is never converted/);
    const everything = json('manifest-ociv1.everything.json');
    assert.ok(isArtifact(everything), 'artifactType and subject make an artifact');
    refusedAsUnknown(() => convertImage(everything, 'docker'), /artifact/);
    assert.equal(isArtifact(json('image-oci1.json')), false);
  });
});

describe('lists ↔ indexes', () => {
  test('a Docker list becomes an OCI index of the converted children, platforms kept', () => {
    const list = json('testdata-schema2list.json');
    const children = new Map<string, { digest: string; size: number }>(
      list.manifests.map((m: { digest: string }, i: number) => [
        m.digest,
        { digest: `sha256:${String(i).repeat(64)}`, size: 600 + i },
      ]),
    );
    const out = parsed(convertList(list, 'oci', children));
    assert.equal(out.mediaType, MediaTypes.ociIndex);
    assert.equal(out.manifests.length, list.manifests.length);
    out.manifests.forEach((entry: any, i: number) => {
      assert.deepEqual(entry, {
        mediaType: MediaTypes.ociManifest,
        size: 600 + i,
        digest: children.get(list.manifests[i].digest)!.digest,
        platform: list.manifests[i].platform,
      });
    });
  });

  test('an OCI index becomes a Docker list; a child that cannot be converted makes the list unconvertible', () => {
    const index = json('testdata-oci1index.json');
    const children = new Map(
      index.manifests.map((m: { digest: string; size: number }) => [
        m.digest,
        { digest: m.digest.replace(/.$/, '0'), size: m.size },
      ]),
    );
    const out = parsed(convertList(index, 'docker', children as Map<string, { digest: string; size: number }>));
    assert.equal(out.mediaType, MediaTypes.dockerManifestList);
    assert.deepEqual(
      out.manifests.map((m: { mediaType: string }) => m.mediaType),
      index.manifests.map(() => MediaTypes.dockerManifest),
    );
    assert.equal(out.annotations, undefined, 'Docker lists have no annotations');
    refusedAsUnknown(() => convertList(index, 'docker', new Map()), /cannot be converted/);
    refusedAsUnknown(
      () =>
        convertList(
          { ...index, artifactType: 'application/x' },
          'docker',
          children as Map<string, { digest: string; size: number }>,
        ),
      /artifact index/,
    );
  });

  test('families', () => {
    assert.equal(familyOf(MediaTypes.dockerManifestList), 'docker');
    assert.equal(familyOf(MediaTypes.ociIndex), 'oci');
    assert.equal(familyOf(MediaTypes.dockerSchema1Signed), undefined);
  });
});
