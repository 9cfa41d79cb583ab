// Schema 2 / OCI → schema 1 against the conversions Docker and containers/image made of the same
// images (fixtures): byte-identical payload for Docker's, the same layers and history for c/image's.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { digestOf } from '../digest.js';
import { RegistryError } from '../errors.js';
import type { Descriptor } from '../manifest.js';
import { MediaTypes } from '../media-types.js';
import { signPrettyJws } from './jws.js';
import { parseSchema1 } from './schema1.js';
import { GZIPPED_EMPTY_TAR, toSchema1Payload } from './to-schema1.js';

const FIXTURES = new URL('../../../test/fixtures/manifests/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES));
const layersOf = (name: string) => (JSON.parse(fixture(name).toString('utf8')) as { layers: Descriptor[] }).layers;

/** A signed schema 1 manifest with its signatures cut off, as the payload it signs. */
function unsignedText(name: string): string {
  const text = fixture(name).toString('utf8');
  const cut = text.indexOf(',\n   "signatures"');
  if (cut >= 0) return `${text.slice(0, cut)}\n}`;
  const body = JSON.parse(text) as Record<string, unknown>;
  delete body.signatures;
  return JSON.stringify(body);
}

describe('schema 2 → schema 1', () => {
  test('the gzipped empty tar is the 32 bytes of its well-known digest', () => {
    assert.equal(
      `sha256:${createHash('sha256').update(GZIPPED_EMPTY_TAR.bytes).digest('hex')}`,
      GZIPPED_EMPTY_TAR.digest,
    );
    assert.equal(GZIPPED_EMPTY_TAR.bytes.length, 32);
  });

  test('Docker schema 2 image: the payload is byte for byte the one Docker made (history, v1Compatibility, ids, layer order)', () => {
    const payload = toSchema1Payload(
      layersOf('image-schema2.json'),
      fixture('image-schema2-config.json'),
      'library/httpd-copy',
      'latest',
    );
    assert.equal(payload.toString('utf8'), unsignedText('image-schema2-to-schema1-by-docker.json'));
  });

  test("OCI image: the same name, tag, layers and history as containers/image's conversion", () => {
    const payload = toSchema1Payload(
      layersOf('image-oci1.json'),
      fixture('image-oci1-config.json'),
      'library/httpd-copy',
      'latest',
    );
    assert.deepEqual(JSON.parse(payload.toString('utf8')), JSON.parse(unsignedText('image-oci1-to-schema1.json')));
  });

  test('signed with a registry key it verifies as Docker would, and converting again gives the same bytes', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const convert = () =>
      signPrettyJws(
        toSchema1Payload(layersOf('image-schema2.json'), fixture('image-schema2-config.json'), 'team/app', 'v1'),
        privateKey,
        new Date(1_700_000_000_000),
      );
    const bytes = convert();
    const parsed = await parseSchema1(
      bytes,
      JSON.parse(bytes.toString('utf8')) as Record<string, unknown>,
      MediaTypes.dockerSchema1Signed,
    );
    assert.equal(parsed.name, 'team/app');
    assert.equal(parsed.tag, 'v1');
    assert.equal(parsed.architecture, 'amd64');
    assert.equal(parsed.blobSums.length, 15);
    assert.equal(parsed.blobSums.at(-1), layersOf('image-schema2.json')[0]!.digest, 'base layer last');
    assert.ok(convert().equals(bytes), 'deterministic');
    assert.equal(
      parsed.digest,
      digestOf(
        toSchema1Payload(layersOf('image-schema2.json'), fixture('image-schema2-config.json'), 'team/app', 'v1'),
      ),
    );
  });

  test('an image without history gets one entry per layer', () => {
    const layers: Descriptor[] = [
      { mediaType: 'x', digest: `sha256:${'1'.repeat(64)}`, size: 1 },
      { mediaType: 'x', digest: `sha256:${'2'.repeat(64)}`, size: 1 },
    ];
    const manifest = JSON.parse(
      toSchema1Payload(
        layers,
        Buffer.from('{"architecture":"arm64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'),
        'a',
        'b',
      ).toString('utf8'),
    );
    assert.deepEqual(
      manifest.fsLayers.map((l: { blobSum: string }) => l.blobSum),
      [layers[1]!.digest, layers[0]!.digest],
    );
    assert.equal(manifest.architecture, 'arm64');
    const top = JSON.parse(manifest.history[0].v1Compatibility);
    assert.equal(top.rootfs, undefined, 'schema 1 had no rootfs');
    assert.equal(top.parent, JSON.parse(manifest.history[1].v1Compatibility).id);
  });

  test('configs it cannot convert: MANIFEST_UNKNOWN saying why', () => {
    const layers = layersOf('image-schema2.json');
    const refuses = (config: string, message: RegExp) =>
      assert.throws(
        () => toSchema1Payload(layers, Buffer.from(config), 'a', 'b'),
        (err: unknown) => err instanceof RegistryError && err.code === 'MANIFEST_UNKNOWN' && message.test(err.message),
      );
    refuses('not json', /not valid JSON/);
    refuses('[]', /not a JSON object/);
    refuses('{"history":[{"created_by":"one layer"}]}', /history names 1 layers, the manifest has 5/);
    refuses('{"history":"x"}', /history is not a list/);
  });
});
