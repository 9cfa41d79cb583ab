// Schema 1 parsing and libtrust JWS verification over real signed manifests (Docker's, from the
// containers/image fixtures) and over manifests signed here with EC and RSA keys, then tampered with.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { digestOf } from '../digest.js';
import { RegistryError } from '../errors.js';
import { MediaTypes } from '../media-types.js';
import { libtrustKeyId, signPrettyJws } from './jws.js';
import { parseSchema1 } from './schema1.js';

const FIXTURES = new URL('../../../test/fixtures/manifests/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES));

function parse(bytes: Buffer, header?: string) {
  return parseSchema1(bytes, JSON.parse(bytes.toString('utf8')) as Record<string, unknown>, header);
}

async function refused(
  bytes: Buffer | string,
  code: 'MANIFEST_INVALID' | 'MANIFEST_UNVERIFIED',
  message: RegExp,
  header?: string,
): Promise<void> {
  await assert.rejects(
    async () => parse(Buffer.from(bytes), header),
    (err: unknown) => {
      assert.ok(err instanceof RegistryError, String(err));
      assert.equal(err.code, code, err.message);
      assert.equal(err.status, 400);
      assert.match(err.message, message);
      return true;
    },
  );
}

const hex = () => randomBytes(32).toString('hex');
const blob = () => `sha256:${hex()}`;

/** A valid unsigned schema 1 payload of `count` layers (newest first, each the parent's child). */
function payload(count = 3, edit: (m: any) => void = () => {}): Buffer {
  const ids = Array.from({ length: count }, hex);
  const manifest: any = {
    schemaVersion: 1,
    name: 'library/test',
    tag: 'latest',
    architecture: 'amd64',
    fsLayers: ids.map(() => ({ blobSum: blob() })),
    history: ids.map((id, i) => ({
      v1Compatibility: JSON.stringify({
        id,
        ...(ids[i + 1] && { parent: ids[i + 1] }),
        created: '2024-01-01T00:00:00Z',
      }),
    })),
  };
  edit(manifest);
  return Buffer.from(JSON.stringify(manifest, null, 3));
}

const KEYS: [string, KeyObject][] = [
  ['ES256 (P-256)', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey],
  ['ES384 (P-384)', generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey],
  ['RS256 (RSA 2048)', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey],
];
const EC = KEYS[0]![1];
const signed = (bytes = payload(), key = EC) => signPrettyJws(bytes, key, new Date('2024-05-01T00:00:00Z'));

/** Rewrites the first signature block. */
function withSignature(bytes: Buffer, edit: (block: any) => void): Buffer {
  const body = JSON.parse(bytes.toString('utf8'));
  edit(body.signatures[0]);
  const text = bytes.toString('utf8');
  const cut = text.indexOf(',\n   "signatures"');
  return Buffer.from(
    `${text.slice(0, cut)},\n   "signatures": ${JSON.stringify(body.signatures, null, 3).replace(/\n/g, '\n   ')}\n}`,
  );
}

describe('schema 1: real signed manifests', async () => {
  test('a manifest Docker signed verifies; its digest is that of the payload, signatures left out', async () => {
    const bytes = fixture('image-schema1.json');
    const parsed = await parse(bytes, MediaTypes.dockerSchema1Signed);
    assert.equal(parsed.mediaType, MediaTypes.dockerSchema1Signed);
    const text = bytes.toString('utf8');
    const unsignedText = `${text.slice(0, text.indexOf(',\n   "signatures"'))}\n}`;
    assert.equal(parsed.digest, digestOf(unsignedText));
    assert.equal(parsed.blobSums.length, (JSON.parse(text) as { fsLayers: unknown[] }).fsLayers.length);
  });

  test('libtrust key ids are computed as libtrust does (the kids Docker wrote)', async () => {
    for (const name of [
      'image-schema1.json',
      'image-schema2-to-schema1-by-docker.json',
      'manifest-v2s1.manifest.json',
    ]) {
      const { kid, ...jwk } = (
        JSON.parse(fixture(name).toString('utf8')) as { signatures: { header: { jwk: Record<string, string> } }[] }
      ).signatures[0]!.header.jwk;
      assert.equal(libtrustKeyId(createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })), kid, name);
    }
  });

  test('fixtures whose bytes were edited after signing are refused as unverified', async () => {
    await refused(fixture('manifest-v2s1.manifest.json'), 'MANIFEST_UNVERIFIED', /does not verify/);
    await refused(
      fixture('manifest-v2s1-invalid-signatures.manifest.json'),
      'MANIFEST_UNVERIFIED',
      /at least one signature/,
    );
  });

  test('unsigned: digest of the bytes; v1+prettyjws without signatures is unverified', async () => {
    const bytes = fixture('manifest-v2s1-unsigned.manifest.json');
    const parsed = await parse(bytes, MediaTypes.dockerSchema1);
    assert.equal(parsed.mediaType, MediaTypes.dockerSchema1);
    assert.equal(parsed.digest, digestOf(bytes));
    await refused(bytes, 'MANIFEST_UNVERIFIED', /needs at least one signature/, MediaTypes.dockerSchema1Signed);
  });
});

describe('schema 1: signatures made here', async () => {
  for (const [name, key] of KEYS) {
    test(`${name}: signs, verifies, and the same payload, key and time give the same bytes${name.startsWith('RS') ? '' : ' (payload part)'}`, async () => {
      const bytes = payload();
      const first = signed(bytes, key);
      const parsed = await parse(first, MediaTypes.dockerSchema1Signed);
      assert.equal(parsed.digest, digestOf(bytes));
      if (name.startsWith('RS')) assert.ok(signed(bytes, key).equals(first), 'RSA PKCS#1 v1.5 is deterministic');
      const jwk = (JSON.parse(first.toString('utf8')) as any).signatures[0].header.jwk;
      assert.equal(jwk.kid, libtrustKeyId(createPublicKey(key)));
    });
  }

  test('forged: the payload changed after signing', async () => {
    const text = signed().toString('utf8').replace('"tag": "latest"', '"tag": "latesT"');
    await refused(text, 'MANIFEST_UNVERIFIED', /does not verify/);
  });

  test("forged: another manifest's signature, another key's jwk, a wrong kid, a mismatched algorithm", async () => {
    const bytes = signed();
    const other = JSON.parse(signed().toString('utf8')) as any;
    await refused(
      withSignature(bytes, (b) => {
        b.signature = other.signatures[0].signature;
        b.protected = other.signatures[0].protected;
      }),
      'MANIFEST_UNVERIFIED',
      /does not verify/,
    );
    await refused(
      withSignature(bytes, (b) => {
        b.header.jwk = (JSON.parse(signed(payload(), KEYS[1]![1]).toString('utf8')) as any).signatures[0].header.jwk;
        b.header.alg = 'ES384';
      }),
      'MANIFEST_UNVERIFIED',
      /does not verify/,
    );
    await refused(
      withSignature(bytes, (b) => {
        b.header.jwk.kid = 'AAAA:BBBB:CCCC:DDDD:EEEE:FFFF:GGGG:HHHH:IIII:JJJJ:KKKK:LLLL';
      }),
      'MANIFEST_UNVERIFIED',
      /kid does not match/,
    );
    await refused(
      withSignature(bytes, (b) => {
        b.header.alg = 'RS256';
      }),
      'MANIFEST_UNVERIFIED',
      /does not fit/,
    );
    await refused(
      withSignature(bytes, (b) => {
        b.header.alg = 'HS256';
      }),
      'MANIFEST_UNVERIFIED',
      /unsupported algorithm/,
    );
    await refused(
      withSignature(bytes, (b) => {
        b.header.jwk = { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' };
      }),
      'MANIFEST_UNVERIFIED',
      /not a usable/,
    );
  });

  test('truncated or malformed signature blocks', async () => {
    const bytes = signed();
    await refused(
      withSignature(bytes, (b) => {
        b.signature = b.signature.slice(0, 40);
      }),
      'MANIFEST_UNVERIFIED',
      /does not verify/,
    );
    await refused(
      withSignature(bytes, (b) => {
        b.signature = '!!';
      }),
      'MANIFEST_UNVERIFIED',
      /not base64url/,
    );
    await refused(
      withSignature(bytes, (b) => {
        b.protected = b.protected.slice(0, 10);
      }),
      'MANIFEST_UNVERIFIED',
      /protected/,
    );
    await refused(
      withSignature(bytes, (b) => {
        delete b.protected;
      }),
      'MANIFEST_UNVERIFIED',
      /must have header.jwk/,
    );
    const protectedHeader = (length: number) =>
      Buffer.from(JSON.stringify({ formatLength: length, formatTail: 'Cn0' })).toString('base64url');
    await refused(
      withSignature(bytes, (b) => {
        b.protected = protectedHeader(10_000_000);
      }),
      'MANIFEST_UNVERIFIED',
      /formatLength lies outside/,
    );
    await refused(
      withSignature(bytes, (b) => {
        b.protected = protectedHeader(20);
      }),
      'MANIFEST_INVALID',
      /signed payload is not valid JSON/,
    );
  });

  test('the bytes outside the signed payload must say the same as the payload', async () => {
    const text = signed().toString('utf8');
    // A field added after the signed part is not covered by any signature.
    const smuggled = `${text.slice(0, text.lastIndexOf('\n}'))},\n   "tag": "other"\n}`;
    await refused(smuggled, 'MANIFEST_UNVERIFIED', /differs from its signed payload/);
  });
});

describe('schema 1: structure and fsLayers/history consistency', async () => {
  const cases: [string, Buffer, RegExp][] = [
    ['history shorter than fsLayers', payload(3, (m) => m.history.pop()), /history has 2 entries for 3 fsLayers/],
    [
      'no layers',
      payload(1, (m) => {
        m.fsLayers = [];
        m.history = [];
      }),
      /fsLayers must be a non-empty array/,
    ],
    [
      'a blobSum that is not a digest',
      payload(2, (m) => {
        m.fsLayers[1].blobSum = 'sha256:abc';
      }),
      /fsLayers\[1\]\.blobSum/,
    ],
    [
      'a v1Compatibility that is not JSON',
      payload(2, (m) => {
        m.history[0].v1Compatibility = '{';
      }),
      /history\[0\]\.v1Compatibility is not valid JSON/,
    ],
    [
      'a v1 id that is not 64 hex digits',
      payload(2, (m) => {
        m.history[1].v1Compatibility = JSON.stringify({ id: 'nope' });
      }),
      /v1Compatibility.id must be 64 hex/,
    ],
    [
      'a broken parent chain',
      payload(3, (m) => {
        m.history = [m.history[1], m.history[0], m.history[2]];
      }),
      /names parent/,
    ],
    [
      'a base layer with a parent',
      payload(2, (m) => {
        m.history[1].v1Compatibility = JSON.stringify({ id: hex(), parent: hex() });
      }),
      /(base layer|names parent)/,
    ],
    [
      'no name',
      payload(1, (m) => {
        delete m.name;
      }),
      /must name its repository/,
    ],
    [
      'a mediaType field',
      payload(1, (m) => {
        m.mediaType = MediaTypes.dockerSchema1;
      }),
      /has no mediaType field/,
    ],
    [
      'schemaVersion 2 with fsLayers',
      payload(1, (m) => {
        m.schemaVersion = 2;
      }),
      /schemaVersion must be 1/,
    ],
  ];
  for (const [name, bytes, message] of cases) {
    test(`${name}: MANIFEST_INVALID, signed or not`, async () => {
      await refused(bytes, 'MANIFEST_INVALID', message);
      await refused(signed(bytes), 'MANIFEST_INVALID', message);
    });
  }
});
