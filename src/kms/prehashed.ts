// Signing and verifying a message digest the caller already computed (KMS MessageType DIGEST).
// node:crypto always hashes what it signs, so the digest is signed here: RSA PKCS #1 v1.5 by
// OpenSSL's type 1 padding over the DigestInfo, RSA-PSS by EMSA-PSS encoding (RFC 8017 9.1) and
// the raw RSA operation, ECDSA on P-256 by the curve arithmetic (FIPS 186-5), with DER signatures
// as KMS returns them. A signature made here verifies as one over the message, and the reverse.
import { constants, createHash, type KeyObject, privateEncrypt, publicDecrypt, randomBytes } from 'node:crypto';

export type Hash = 'sha256' | 'sha384' | 'sha512';

const HASH_BYTES: Record<Hash, number> = { sha256: 32, sha384: 48, sha512: 64 };

/** The DER DigestInfo prefix of each hash (RFC 8017 9.2, note 1). */
const DIGEST_INFO: Record<Hash, string> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

export function hashBytes(hash: Hash): number {
  return HASH_BYTES[hash];
}

// RSA PKCS #1 v1.5.

export function rsaPkcs1Sign(key: KeyObject, hash: Hash, digest: Buffer): Buffer {
  return privateEncrypt(
    { key, padding: constants.RSA_PKCS1_PADDING },
    Buffer.concat([Buffer.from(DIGEST_INFO[hash], 'hex'), digest]),
  );
}

export function rsaPkcs1Verify(key: KeyObject, hash: Hash, digest: Buffer, signature: Buffer): boolean {
  try {
    const info = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
    return info.equals(Buffer.concat([Buffer.from(DIGEST_INFO[hash], 'hex'), digest]));
  } catch {
    return false;
  }
}

// RSA-PSS with MGF1 of the same hash and a salt as long as the hash (KMS's parameters).

function mgf1(hash: Hash, seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  for (let counter = 0; out.length * HASH_BYTES[hash] < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    out.push(createHash(hash).update(seed).update(c).digest());
  }
  return Buffer.concat(out).subarray(0, length);
}

function modulusBits(key: KeyObject): number {
  return key.asymmetricKeyDetails?.modulusLength ?? 0;
}

function pssHashOf(hash: Hash, digest: Buffer, salt: Buffer): Buffer {
  return createHash(hash).update(Buffer.alloc(8)).update(digest).update(salt).digest();
}

export function rsaPssSign(key: KeyObject, hash: Hash, digest: Buffer): Buffer {
  const emBits = modulusBits(key) - 1;
  const emLen = Math.ceil(emBits / 8);
  const hLen = HASH_BYTES[hash];
  const salt = randomBytes(hLen);
  const h = pssHashOf(hash, digest, salt);
  const db = Buffer.alloc(emLen - hLen - 1);
  db[db.length - salt.length - 1] = 0x01;
  salt.copy(db, db.length - salt.length);
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const em = Buffer.concat([db, h, Buffer.from([0xbc])]);
  const k = Math.ceil(modulusBits(key) / 8);
  return privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, Buffer.concat([Buffer.alloc(k - emLen), em]));
}

export function rsaPssVerify(key: KeyObject, hash: Hash, digest: Buffer, signature: Buffer): boolean {
  const emBits = modulusBits(key) - 1;
  const emLen = Math.ceil(emBits / 8);
  const hLen = HASH_BYTES[hash];
  let raw: Buffer;
  try {
    raw = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, signature);
  } catch {
    return false;
  }
  const em = raw.subarray(raw.length - emLen);
  if (raw.subarray(0, raw.length - emLen).some((b) => b !== 0) || em[em.length - 1] !== 0xbc) return false;
  const db = Buffer.from(em.subarray(0, emLen - hLen - 1));
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  if ((db[0]! & ~(0xff >> (8 * emLen - emBits)) & 0xff) !== 0) return false;
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const saltStart = db.length - hLen;
  if (db.subarray(0, saltStart - 1).some((b) => b !== 0) || db[saltStart - 1] !== 0x01) return false;
  return pssHashOf(hash, digest, db.subarray(saltStart)).equals(h);
}

// ECDSA on P-256, in Jacobian coordinates.

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const A = P - 3n;
const G: Affine = [
  0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
];

type Affine = [bigint, bigint];
type Jacobian = [bigint, bigint, bigint];

const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;

function inverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, m);
}

function double([x, y, z]: Jacobian): Jacobian {
  if (y === 0n || z === 0n) return [0n, 1n, 0n];
  const yy = mod(y * y, P);
  const s = mod(4n * x * yy, P);
  const zz = mod(z * z, P);
  const m = mod(3n * x * x + A * zz * zz, P);
  const x3 = mod(m * m - 2n * s, P);
  return [x3, mod(m * (s - x3) - 8n * yy * yy, P), mod(2n * y * z, P)];
}

function add(p: Jacobian, q: Jacobian): Jacobian {
  if (p[2] === 0n) return q;
  if (q[2] === 0n) return p;
  const z1z1 = mod(p[2] * p[2], P);
  const z2z2 = mod(q[2] * q[2], P);
  const u1 = mod(p[0] * z2z2, P);
  const u2 = mod(q[0] * z1z1, P);
  const s1 = mod(p[1] * q[2] * z2z2, P);
  const s2 = mod(q[1] * p[2] * z1z1, P);
  if (u1 === u2) return s1 === s2 ? double(p) : [0n, 1n, 0n];
  const h = mod(u2 - u1, P);
  const r = mod(s2 - s1, P);
  const hh = mod(h * h, P);
  const hhh = mod(h * hh, P);
  const x3 = mod(r * r - hhh - 2n * u1 * hh, P);
  return [x3, mod(r * (u1 * hh - x3) - s1 * hhh, P), mod(h * p[2] * q[2], P)];
}

function multiply(k: bigint, [x, y]: Affine): Jacobian {
  let result: Jacobian = [0n, 1n, 0n];
  let addend: Jacobian = [x, y, 1n];
  for (let n = k; n > 0n; n >>= 1n) {
    if (n & 1n) result = add(result, addend);
    addend = double(addend);
  }
  return result;
}

function affineX([x, , z]: Jacobian): bigint {
  const zi = inverse(z, P);
  return mod(x * zi * zi, P);
}

const big = (b: Buffer) => BigInt(`0x${b.toString('hex') || '0'}`);
const fromJwk = (s: string) => big(Buffer.from(s, 'base64url'));

/** The digest as a number: its leftmost 256 bits (a longer digest is truncated, as FIPS 186 says). */
const digestNumber = (digest: Buffer) => big(digest.subarray(0, 32));

function derInteger(n: bigint): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

function derSignature(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

function parseDerSignature(sig: Buffer): [bigint, bigint] | undefined {
  if (sig.length < 8 || sig[0] !== 0x30 || sig[1] !== sig.length - 2) return undefined;
  const ints: bigint[] = [];
  let at = 2;
  for (let i = 0; i < 2; i++) {
    if (sig[at] !== 0x02) return undefined;
    const length = sig[at + 1]!;
    if (length === 0 || length > 33 || at + 2 + length > sig.length) return undefined;
    ints.push(big(sig.subarray(at + 2, at + 2 + length)));
    at += 2 + length;
  }
  return at === sig.length ? [ints[0]!, ints[1]!] : undefined;
}

export function ecdsaSign(key: KeyObject, digest: Buffer): Buffer {
  const d = fromJwk(key.export({ format: 'jwk' }).d!);
  const e = digestNumber(digest);
  for (;;) {
    const k = mod(big(randomBytes(40)), N - 1n) + 1n;
    const r = mod(affineX(multiply(k, G)), N);
    if (r === 0n) continue;
    let s = mod(inverse(k, N) * (e + r * d), N);
    if (s === 0n) continue;
    if (s > N / 2n) s = N - s; // low S, as most verifiers prefer
    return derSignature(r, s);
  }
}

export function ecdsaVerify(key: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const parsed = parseDerSignature(signature);
  if (!parsed) return false;
  const [r, s] = parsed;
  if (r <= 0n || r >= N || s <= 0n || s >= N) return false;
  const jwk = key.export({ format: 'jwk' });
  const q: Affine = [fromJwk(jwk.x!), fromJwk(jwk.y!)];
  const w = inverse(s, N);
  const point = add(multiply(mod(digestNumber(digest) * w, N), G), multiply(mod(r * w, N), q));
  if (point[2] === 0n) return false;
  return mod(affineX(point), N) === r;
}
