// The cost of a signed schema 1 push is bounded, through the HTTP surface: at most MAX_SIGNATURES
// signature blocks, RSA keys of at most MAX_RSA_BITS bits and exponents of at most 2^32, verified
// off the event loop, so other requests are answered while a push is verified.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { MAX_RSA_BITS, MAX_SIGNATURES, signPrettyJws } from '../../domain/conversions/jws.js';
import { MediaTypes as M } from '../../domain/media-types.js';
import {
  assertError,
  digestOf,
  pushBlob,
  putManifest,
  randomBlob,
  type Response,
} from '../../testing/registry-client.js';
import { useInjectedBerth } from '../../testing/injected-berth.js';

const berth = useInjectedBerth();

const toBig = (b64: string) => BigInt(`0x${Buffer.from(b64, 'base64url').toString('hex') || '0'}`);
function toB64(value: bigint): string {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url');
}
function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a;
}
function inverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
  while (r1) {
    const q = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
}

/** A real RSA key pair whose public exponent has `exponentBits` bits (verifying with it is slow). */
function hugeExponentKey(modulusBits: number, exponentBits: number): KeyObject {
  const jwk = generateKeyPairSync('rsa', { modulusLength: modulusBits }).privateKey.export({
    format: 'jwk',
  }) as Required<JsonWebKey>;
  const [p, q] = [toBig(jwk.p), toBig(jwk.q)];
  const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
  let e: bigint;
  do {
    e = toBig(randomBytes(exponentBits / 8).toString('base64url')) | (1n << BigInt(exponentBits - 1)) | 1n;
  } while (gcd(e, lambda) !== 1n);
  const d = inverse(e, lambda);
  return createPrivateKey({
    key: { ...jwk, e: toB64(e), d: toB64(d), dp: toB64(d % (p - 1n)), dq: toB64(d % (q - 1n)) },
    format: 'jwk',
  });
}

/** An unsigned schema 1 manifest over blobs pushed to `name`. */
async function payload(name: string): Promise<Buffer> {
  const layer = await pushBlob(berth.app, name, randomBlob());
  const id = randomBytes(32).toString('hex');
  const manifest = {
    schemaVersion: 1,
    name,
    tag: 'v1',
    architecture: 'amd64',
    fsLayers: [{ blobSum: layer.digest }],
    history: [{ v1Compatibility: JSON.stringify({ id }) }],
  };
  return Buffer.from(JSON.stringify(manifest, null, 3));
}

/** Signed by `key`, with its signature block repeated `copies` times (each a valid signature). */
function signedWith(bytes: Buffer, key: KeyObject, copies = 1, edit: (block: any) => void = () => {}): Buffer {
  const text = signPrettyJws(bytes, key, new Date('2015-10-01T00:00:00Z')).toString('utf8');
  const [block] = (JSON.parse(text) as { signatures: unknown[] }).signatures;
  edit(block);
  const cut = text.indexOf(',\n   "signatures"');
  // Compact past the signed part, so thousands of blocks fit in a manifest's 4 MiB.
  const blocks = JSON.stringify(Array.from({ length: copies }, () => block));
  return Buffer.from(`${text.slice(0, cut)},\n   "signatures": ${blocks}\n}`);
}

/** PUTs the manifest and asks /healthz meanwhile; both answers, with how long /healthz took. */
async function putWhileHealthz(
  name: string,
  bytes: Buffer,
): Promise<{ put: Response; healthMs: number; putMs: number }> {
  const started = performance.now();
  const putting = putManifest(berth.app, name, 'v1', bytes, M.dockerSchema1Signed).then((put) => ({
    put,
    putMs: performance.now() - started,
  }));
  const health = await berth.app.inject({ url: '/healthz' });
  const healthMs = performance.now() - started;
  assert.equal(health.statusCode, 200);
  return { ...(await putting), healthMs };
}

describe('schema 1 signature limits', () => {
  test('2,000 valid signature blocks by a 3072-bit key with a huge exponent are refused at once, and /healthz answers meanwhile', async () => {
    const name = 's1limits/many';
    const bytes = signedWith(await payload(name), hugeExponentKey(3072, 2048), 2000);
    const { put, healthMs, putMs } = await putWhileHealthz(name, bytes);
    const entry = assertError(put, 400, 'MANIFEST_UNVERIFIED');
    assert.match(entry.message, new RegExp(`at most ${MAX_SIGNATURES} signatures, not 2000`));
    assert.ok(putMs < 5000, `refused in ${Math.round(putMs)} ms`);
    assert.ok(healthMs < 5000, `/healthz answered in ${Math.round(healthMs)} ms`);
    assertError(await berth.app.inject({ url: `/v2/${name}/manifests/v1` }), 404, 'MANIFEST_UNKNOWN');
  });

  test(`${MAX_SIGNATURES + 1} blocks of a small key are refused too; ${MAX_SIGNATURES} are verified`, async () => {
    const name = 's1limits/count';
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const body = await payload(name);
    assertError(
      await putManifest(berth.app, name, 'v1', signedWith(body, key, MAX_SIGNATURES + 1), M.dockerSchema1Signed),
      400,
      'MANIFEST_UNVERIFIED',
    );
    const res = await putManifest(berth.app, name, 'v1', signedWith(body, key, MAX_SIGNATURES), M.dockerSchema1Signed);
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.headers['docker-content-digest'], digestOf(body));
  });

  test('one valid signature by a key whose exponent is above 2^32 is refused before any verification', async () => {
    const name = 's1limits/exponent';
    const bytes = signedWith(await payload(name), hugeExponentKey(2048, 1024));
    const entry = assertError(
      await putManifest(berth.app, name, 'v1', bytes, M.dockerSchema1Signed),
      400,
      'MANIFEST_UNVERIFIED',
    );
    assert.match(entry.message, /exponent above 2\^32/);
  });

  test(`an RSA key of more than ${MAX_RSA_BITS} bits is refused before any verification`, async () => {
    const name = 's1limits/modulus';
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const modulus = Buffer.concat([Buffer.from([0xc0]), randomBytes(MAX_RSA_BITS / 8 + 63)]);
    modulus[modulus.length - 1]! |= 1;
    const jwk = { kty: 'RSA', n: modulus.toString('base64url'), e: 'AQAB' };
    assert.ok((createPublicKey({ key: jwk, format: 'jwk' }).asymmetricKeyDetails?.modulusLength ?? 0) > MAX_RSA_BITS);
    const bytes = signedWith(await payload(name), key, 1, (block) => {
      block.header = { jwk, alg: 'RS256' };
      block.signature = randomBytes(modulus.length).toString('base64url');
    });
    const entry = assertError(
      await putManifest(berth.app, name, 'v1', bytes, M.dockerSchema1Signed),
      400,
      'MANIFEST_UNVERIFIED',
    );
    assert.match(entry.message, new RegExp(`more than ${MAX_RSA_BITS} bits`));
  });

  test(`the costliest push accepted (${MAX_SIGNATURES} signatures of a ${MAX_RSA_BITS}-bit key) is verified while /healthz answers`, async () => {
    const name = 's1limits/bounded';
    const body = await payload(name);
    const { put, healthMs } = await putWhileHealthz(
      name,
      signedWith(body, generateKeyPairSync('rsa', { modulusLength: MAX_RSA_BITS }).privateKey, MAX_SIGNATURES),
    );
    assert.equal(put.statusCode, 201, put.body);
    assert.equal(put.headers['docker-content-digest'], digestOf(body));
    assert.ok(healthMs < 5000, `/healthz answered in ${Math.round(healthMs)} ms`);
  });
});
