// Fuzzing of manifest parsing and validation (src/domain/manifest.ts, conversions/schema1.ts,
// jws.ts): arbitrary bytes, arbitrary JSON and mutations of real manifests (test/fixtures/manifests)
// under any Content-Type make parseManifest throw only RegistryError with a 400; generated valid
// manifests parse, and what they reference survives serialise → parse unchanged.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { RegistryError } from '../domain/errors.js';
import { parseManifest } from '../domain/manifest.js';
import { MediaTypes } from '../domain/media-types.js';
import { checkAsync, fc, onlyRejects } from './harness.js';
import {
  descriptor,
  dockerImage,
  mutate,
  ociImage,
  PROTOTYPE_KEYS,
  prototypeKeyed,
  type Mutation,
} from './manifest-arbitraries.js';

const FIXTURES = new URL('../../test/fixtures/manifests/', import.meta.url);
const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .map((name) => ({ name, bytes: readFileSync(new URL(name, FIXTURES)) }));
const jsonFixtures = fixtures.flatMap(({ name, bytes }) => {
  try {
    return [{ name, value: JSON.parse(bytes.toString('utf8')) as unknown }];
  } catch {
    return [];
  }
});

/** What JSON.parse would give: plain objects (fast-check's records have no prototype). */
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const manifestError = (err: unknown) =>
  err instanceof RegistryError &&
  (err.code === 'MANIFEST_INVALID' || err.code === 'MANIFEST_UNVERIFIED') &&
  err.status === 400;
const contentType = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(
    ...Object.values(MediaTypes),
    'application/json',
    'application/json; charset=utf-8',
    '',
    ';',
    'text/plain',
    ...PROTOTYPE_KEYS,
  ),
  fc.string({ maxLength: 40 }),
);
const parse = (bytes: Buffer, type: string | undefined) =>
  onlyRejects(
    () => parseManifest(bytes, type),
    manifestError,
    `parseManifest(${JSON.stringify(bytes.toString('utf8').slice(0, 2000))}, ${JSON.stringify(type)})`,
  );

describe('fuzz: parseManifest refuses what it cannot read with MANIFEST_INVALID / MANIFEST_UNVERIFIED only', () => {
  test('arbitrary bytes and arbitrary JSON', (t) => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
      fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
      fc.string({ maxLength: 100 }).map((s) => Buffer.from(s)),
    );
    return checkAsync(
      t,
      3000,
      fc.asyncProperty(bytes, contentType, async (b, type) => {
        await parse(b, type);
      }),
    );
  });

  test('objects shaped like manifests, with prototype keys and wrong types in every field', (t) => {
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      prototypeKeyed,
      descriptor,
      fc.array(descriptor, { maxLength: 3 }),
    );
    const shaped = fc.record(
      {
        schemaVersion: fc.oneof(fc.constantFrom(1, 2, '2', 2.5, -1), fc.jsonValue({ maxDepth: 1 })),
        mediaType: fc.oneof(fc.constantFrom(...Object.values(MediaTypes), ...PROTOTYPE_KEYS), value),
        config: value,
        layers: value,
        manifests: value,
        subject: value,
        annotations: value,
        artifactType: value,
        fsLayers: value,
        history: value,
        signatures: value,
        name: value,
        tag: value,
      },
      { requiredKeys: [] },
    );
    return checkAsync(
      t,
      1000,
      fc.asyncProperty(shaped, contentType, async (body, type) => {
        await parse(Buffer.from(JSON.stringify(body)), type);
      }),
    );
  });

  test('mutations of the real manifests in test/fixtures/manifests (OCI, Docker schema 2, signed and unsigned schema 1)', (t) => {
    const mutation: fc.Arbitrary<Mutation[]> = fc.array(
      fc.record({
        at: fc.nat(),
        op: fc.constantFrom('set', 'delete', 'wrap'),
        value: fc.oneof(
          fc.jsonValue({ maxDepth: 2 }),
          fc.constantFrom(...PROTOTYPE_KEYS, 'ES256', 'RS256', 'HS256', 'none', 1, -1, 1e300, 'sha256:x'),
          descriptor,
        ),
      }),
      { minLength: 1, maxLength: 4 },
    );
    return checkAsync(
      t,
      3000,
      fc.asyncProperty(
        fc.constantFrom(...jsonFixtures),
        mutation,
        contentType,
        fc.boolean(),
        async (fixture, mutations, type, pretty) => {
          const body = mutate(fixture.value, mutations);
          await parse(Buffer.from(JSON.stringify(body, null, pretty ? 3 : undefined) ?? 'null'), type);
        },
      ),
    );
  });

  test('signed schema 1: the signature blocks rewritten (alg, jwk, protected header, signature)', (t) => {
    const signed = jsonFixtures.filter((f) => Array.isArray((f.value as { signatures?: unknown }).signatures));
    assert.ok(signed.length > 0, 'the fixtures include signed schema 1 manifests');
    const mutation: fc.Arbitrary<Mutation[]> = fc.array(
      fc.record({
        at: fc.nat(),
        op: fc.constantFrom('set', 'delete', 'wrap'),
        value: fc.oneof(
          fc.jsonValue({ maxDepth: 1 }),
          fc.constantFrom(
            ...PROTOTYPE_KEYS,
            'ES256',
            'ES384',
            'RS256',
            'HS256',
            'none',
            'P-256',
            'P-521',
            'EC',
            'RSA',
            '',
            'AAAA',
            'e30',
          ),
        ),
      }),
      { minLength: 1, maxLength: 3 },
    );
    return checkAsync(
      t,
      2000,
      fc.asyncProperty(fc.constantFrom(...signed), mutation, contentType, async (fixture, mutations, type) => {
        const body = fixture.value as Record<string, unknown>;
        const bytes = Buffer.from(JSON.stringify({ ...body, signatures: mutate(body.signatures, mutations) }, null, 3));
        await parse(bytes, type);
      }),
    );
  });

  test('the fixtures themselves, under every Content-Type', (t) => {
    return checkAsync(
      t,
      500,
      fc.asyncProperty(fc.constantFrom(...fixtures), contentType, async (fixture, type) => {
        await parse(fixture.bytes, type);
      }),
    );
  });
});

describe('fuzz: generated valid manifests parse and round-trip', () => {
  test('OCI and Docker schema 2 images: config and layers are the needed blobs, unchanged through serialise → parse', (t) => {
    return checkAsync(
      t,
      2000,
      fc.asyncProperty(fc.oneof(ociImage, dockerImage).map(plain), fc.boolean(), async (image, withHeader) => {
        const bytes = Buffer.from(JSON.stringify(image));
        const parsed = await parseManifest(bytes, withHeader ? image.mediaType : undefined);
        assert.equal(parsed.mediaType, image.mediaType);
        assert.equal(parsed.kind, 'image');
        assert.deepEqual(parsed.config, image.config);
        const distributable = image.layers.filter(
          (l) =>
            !(l.mediaType.includes('nondistributable') || l.mediaType === MediaTypes.dockerForeignLayer) ||
            !l.urls?.length,
        );
        assert.deepEqual(parsed.blobs, [image.config, ...distributable]);
        // Serialising what was parsed and parsing it again gives the same result.
        const again = await parseManifest(
          Buffer.from(
            JSON.stringify({
              schemaVersion: 2,
              mediaType: parsed.mediaType,
              config: parsed.config,
              layers: image.layers,
              ...(parsed.annotations && { annotations: parsed.annotations }),
            }),
          ),
          parsed.mediaType,
        );
        assert.deepEqual(again, parsed);
      }),
    );
  });

  test('indexes: every child is a needed manifest, unchanged', (t) => {
    const index = fc.record({ list: fc.array(descriptor, { maxLength: 6 }), oci: fc.boolean() });
    return checkAsync(
      t,
      1000,
      fc.asyncProperty(index.map(plain), async ({ list, oci }) => {
        const mediaType = oci ? MediaTypes.ociIndex : MediaTypes.dockerManifestList;
        const parsed = await parseManifest(
          Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests: list })),
          mediaType,
        );
        assert.equal(parsed.kind, 'index');
        assert.deepEqual(parsed.manifests, list);
        assert.deepEqual(parsed.blobs, []);
      }),
    );
  });
});
