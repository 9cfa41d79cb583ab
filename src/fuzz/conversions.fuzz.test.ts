// Fuzzing of the manifest conversions (src/domain/conversions/): Docker schema 2 ↔ OCI images and
// lists round-trip with every digest kept and parse as the target format; schema 2 → schema 1
// over arbitrary image configs gives a schema 1 manifest that Berth's own parser accepts, or
// MANIFEST_UNKNOWN; Accept negotiation never throws and always plans something.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { convertImage, convertList, familyOf } from '../domain/conversions/docker-oci.js';
import { parseAccept, plan } from '../domain/conversions/negotiate.js';
import { GZIPPED_EMPTY_TAR, toSchema1Payload } from '../domain/conversions/to-schema1.js';
import { RegistryError } from '../domain/errors.js';
import { parseManifest, type Descriptor } from '../domain/manifest.js';
import { MediaTypes } from '../domain/media-types.js';
import { check, checkAsync, fc, onlyThrows } from './harness.js';
import { digest, dockerImage, ociImage, PROTOTYPE_KEYS, type Image } from './manifest-arbitraries.js';

const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const unknownManifest = (err: unknown) => err instanceof RegistryError && err.code === 'MANIFEST_UNKNOWN';
const strip = (d: Descriptor) => ({
  mediaType: d.mediaType,
  size: d.size,
  digest: d.digest,
  ...(d.urls && { urls: d.urls }),
});

describe('fuzz: Docker schema 2 ↔ OCI', () => {
  test('an image converts to the other family and back unchanged; every digest and size is kept; the result parses', (t) => {
    return checkAsync(
      t,
      1500,
      fc.asyncProperty(fc.oneof(dockerImage, ociImage).map(plain), async (image: Image) => {
        const from = familyOf(image.mediaType)!;
        const to = from === 'docker' ? 'oci' : 'docker';
        const converted = JSON.parse(
          convertImage(image as unknown as Record<string, unknown>, to).toString('utf8'),
        ) as Image;
        const parsed = await parseManifest(Buffer.from(JSON.stringify(converted)), converted.mediaType);
        assert.equal(familyOf(parsed.mediaType), to);
        assert.deepEqual(
          [converted.config, ...converted.layers].map((d) => [d.digest, d.size]),
          [image.config, ...image.layers].map((d) => [d.digest, d.size]),
        );
        const back = JSON.parse(
          convertImage(converted as unknown as Record<string, unknown>, from).toString('utf8'),
        ) as Image;
        assert.deepEqual(back.config, strip(image.config));
        assert.deepEqual(back.layers, image.layers.map(strip));
        assert.equal(back.mediaType, image.mediaType);
      }),
    );
  });

  test('a list converts entry by entry to the children it is given, or refuses with MANIFEST_UNKNOWN', (t) => {
    const entry = fc.record({
      mediaType: fc.constantFrom(
        MediaTypes.dockerManifest,
        MediaTypes.ociManifest,
        MediaTypes.ociIndex,
        'application/vnd.example+json',
        ...PROTOTYPE_KEYS,
      ),
      digest,
      size: fc.nat(),
    });
    return checkAsync(
      t,
      1500,
      fc.asyncProperty(
        fc.array(entry, { maxLength: 5 }).map(plain),
        fc.boolean(),
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        async (entries, toOci, known) => {
          const children = new Map(
            entries
              .filter((_, i) => known[i])
              .map((e) => [e.digest, { digest: `sha256:${'c'.repeat(64)}`, size: e.size + 1 }]),
          );
          const body = {
            schemaVersion: 2,
            mediaType: toOci ? MediaTypes.dockerManifestList : MediaTypes.ociIndex,
            manifests: entries,
          };
          const bytes = onlyThrows(
            () => convertList(body, toOci ? 'oci' : 'docker', children),
            unknownManifest,
            `convertList(${JSON.stringify(body)})`,
          );
          if (!bytes) return;
          const converted = JSON.parse(bytes.toString('utf8')) as { manifests: Descriptor[] };
          assert.equal(converted.manifests.length, entries.length);
          converted.manifests.forEach((m, i) => {
            assert.equal(m.digest, children.get(entries[i]!.digest)!.digest);
            assert.equal(familyOf(m.mediaType), toOci ? 'oci' : 'docker');
          });
          await parseManifest(bytes, toOci ? MediaTypes.ociIndex : MediaTypes.dockerManifestList);
        },
      ),
    );
  });
});

describe('fuzz: schema 2 → schema 1', () => {
  const historyEntry = fc.record(
    {
      created: fc.oneof(fc.constant('2015-10-01T00:00:00Z'), fc.jsonValue({ maxDepth: 0 })),
      created_by: fc.string({ maxLength: 10 }),
      author: fc.string({ maxLength: 5 }),
      comment: fc.string({ maxLength: 5 }),
      empty_layer: fc.boolean(),
    },
    { requiredKeys: [] },
  );
  const config = fc.oneof(
    fc
      .record(
        {
          architecture: fc.constantFrom('amd64', 'arm64'),
          os: fc.constant('linux'),
          history: fc.array(historyEntry, { maxLength: 5 }),
          rootfs: fc.constant({ type: 'layers' }),
        },
        { requiredKeys: ['architecture'] },
      )
      .map((c) => JSON.stringify(c)),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? ''),
    fc.string({ maxLength: 40 }),
  );
  test("arbitrary configs and layer lists: a schema 1 manifest Berth parses, naming the image's layers, or MANIFEST_UNKNOWN", (t) => {
    return checkAsync(
      t,
      2000,
      fc.asyncProperty(
        fc
          .array(
            fc.record({
              mediaType: fc.constant('application/vnd.docker.image.rootfs.diff.tar.gzip'),
              digest,
              size: fc.nat(),
            }),
            { maxLength: 4 },
          )
          .map(plain),
        config,
        async (layers, configText) => {
          const payload = onlyThrows(
            () => toSchema1Payload(layers, Buffer.from(configText), 'fuzz/app', 'v1'),
            unknownManifest,
            `toSchema1Payload(${layers.length} layers, ${JSON.stringify(configText)})`,
          );
          if (!payload) return;
          const parsed = await parseManifest(payload, MediaTypes.dockerSchema1);
          const allowed = new Set([...layers.map((l) => l.digest), GZIPPED_EMPTY_TAR.digest]);
          for (const blob of parsed.blobs) assert.ok(allowed.has(blob.digest), blob.digest);
          for (const layer of layers)
            assert.ok(
              parsed.blobs.some((b) => b.digest === layer.digest),
              `layer ${layer.digest} is in the schema 1 manifest`,
            );
        },
      ),
    );
  });
});

describe('fuzz: Accept negotiation', () => {
  test('any Accept header and stored type: parseAccept and plan never throw and return a known action', (t) => {
    const accept = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc
        .array(
          fc.oneof(
            fc.constantFrom(...Object.values(MediaTypes), '*/*', 'application/*', 'application/json;q=0.5', ' , ', ''),
            fc.string({ maxLength: 10 }),
          ),
          { maxLength: 5 },
        )
        .map((l) => l.join(', ')),
      fc.constant(undefined),
    );
    check(
      t,
      3000,
      fc.property(
        fc.oneof(accept, fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 })),
        fc.constantFrom(...Object.values(MediaTypes), 'application/vnd.example+json'),
        fc.boolean(),
        (header, stored, artifact) => {
          const result = plan(stored, parseAccept(header), { artifact });
          assert.ok(['serve', 'convert', 'platform', 'refuse'].includes(result.action));
          if (result.action === 'convert') assert.notEqual(result.to, stored);
        },
      ),
    );
  });
});
