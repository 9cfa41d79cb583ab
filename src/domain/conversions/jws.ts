// libtrust's "pretty" JWS, the signature format of Docker schema 1 manifests: parse and verify
// (ES256/384/512 and RS256/384/512 keys in `jwk`) and sign. Pure: node:crypto only, no I/O.
// Verification is bounded (a few signatures, RSA keys of usual size and exponent) and runs on
// libuv's thread pool, so no push can hold the event loop with signature work.
import {
  createHash,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
  type JsonWebKey,
} from 'node:crypto';
import { RegistryError } from '../errors.js';
import { goJson } from './go-json.js';

interface SignatureBlock {
  header: { jwk: Record<string, unknown>; alg: string };
  signature: string;
  protected: string;
}

export interface ParsedJws {
  /** The signed payload: the manifest without its signatures, as it was signed. */
  payload: Buffer;
  signatures: SignatureBlock[];
}

const HASHES: Record<string, string> = {
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
};
const CURVE_ALG: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

function unverified(message: string, detail?: unknown): RegistryError {
  return new RegistryError('MANIFEST_UNVERIFIED', message, detail);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Signatures verified at most: Docker and libtrust sign once; 2,300 blocks cost 14 s of RSA. */
export const MAX_SIGNATURES = 8;
/** The largest RSA modulus accepted (bits), and the largest public exponent (65537 is usual). */
export const MAX_RSA_BITS = 4096;
export const MAX_RSA_EXPONENT = 2n ** 32n;

function base64url(value: unknown, where: string): Buffer {
  if (typeof value !== 'string' || !BASE64URL.test(value) || value.length % 4 === 1)
    throw unverified(`${where} is not base64url`);
  return Buffer.from(value, 'base64url');
}

/**
 * Splits a signed schema 1 manifest into its payload and signature blocks, as libtrust's
 * ParsePrettySignature does: every `protected` header names the same formatLength/formatTail,
 * and the payload is the body's first formatLength bytes followed by formatTail.
 */
export function parsePrettyJws(bytes: Buffer, body: Record<string, unknown>): ParsedJws {
  const blocks = body.signatures;
  if (!Array.isArray(blocks) || blocks.length === 0)
    throw unverified('a signed schema 1 manifest needs at least one signature');
  if (blocks.length > MAX_SIGNATURES)
    throw unverified(`a signed schema 1 manifest has at most ${MAX_SIGNATURES} signatures, not ${blocks.length}`, {
      limit: MAX_SIGNATURES,
    });
  let formatLength: number | undefined;
  let formatTail: Buffer | undefined;
  const signatures = blocks.map((block, i): SignatureBlock => {
    const where = `signatures[${i}]`;
    if (
      !isObject(block) ||
      !isObject(block.header) ||
      !isObject(block.header.jwk) ||
      typeof block.header.alg !== 'string' ||
      typeof block.signature !== 'string' ||
      typeof block.protected !== 'string'
    ) {
      throw unverified(`${where} must have header.jwk, header.alg, signature and protected`);
    }
    let protectedHeader: unknown;
    try {
      protectedHeader = JSON.parse(base64url(block.protected, `${where}.protected`).toString('utf8'));
    } catch (err) {
      if (err instanceof RegistryError) throw err;
      throw unverified(`${where}.protected is not a JSON header`);
    }
    if (
      !isObject(protectedHeader) ||
      !Number.isSafeInteger(protectedHeader.formatLength) ||
      typeof protectedHeader.formatTail !== 'string'
    ) {
      throw unverified(`${where}.protected must name formatLength and formatTail`);
    }
    const length = protectedHeader.formatLength as number;
    const tail = base64url(protectedHeader.formatTail, `${where}.protected.formatTail`);
    if (formatLength !== undefined && (length !== formatLength || !tail.equals(formatTail!)))
      throw unverified('the signatures disagree on the signed format');
    formatLength = length;
    formatTail = tail;
    return {
      header: { jwk: block.header.jwk, alg: block.header.alg },
      signature: block.signature,
      protected: block.protected,
    };
  });
  if (formatLength! < 0 || formatLength! > bytes.length) throw unverified('formatLength lies outside the manifest');
  return { payload: Buffer.concat([bytes.subarray(0, formatLength), formatTail!]), signatures };
}

/** libtrust's key id: SHA-256 of the DER public key, first 240 bits, base32 in 12 groups of 4. */
export function libtrustKeyId(key: KeyObject): string {
  const hash = createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest()
    .subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of hash) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)!.join(':');
}

function publicKeyOf(jwk: Record<string, unknown>, where: string): KeyObject {
  const { kid, ...material } = jwk;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: material as JsonWebKey, format: 'jwk' });
  } catch {
    throw unverified(`${where}.header.jwk is not a usable EC or RSA public key`);
  }
  // Verifying with a huge modulus or exponent costs tens of milliseconds a signature.
  if (key.asymmetricKeyType === 'rsa') {
    const { modulusLength, publicExponent } = key.asymmetricKeyDetails ?? {};
    if (modulusLength === undefined || modulusLength > MAX_RSA_BITS)
      throw unverified(`${where}.header.jwk: RSA keys of more than ${MAX_RSA_BITS} bits are not accepted`);
    if (publicExponent === undefined || publicExponent > MAX_RSA_EXPONENT)
      throw unverified(`${where}.header.jwk: an RSA public exponent above 2^32 is not accepted`);
  }
  // libtrust refuses a key whose kid is not the one its material gives.
  if (kid !== undefined && kid !== libtrustKeyId(key))
    throw unverified(`${where}.header.jwk.kid does not match the key`);
  return key;
}

/** crypto.verify with a callback: the work runs on libuv's thread pool, not the event loop. */
function verifyOffThread(
  hash: string,
  data: Buffer,
  key: Parameters<typeof cryptoVerify>[2],
  signature: Buffer,
): Promise<boolean> {
  return new Promise((resolve) => {
    cryptoVerify(hash, data, key, signature, (err, ok) => resolve(!err && ok));
  });
}

/** Verifies every signature over the payload; rejects with MANIFEST_UNVERIFIED at the first that fails. */
export async function verifyJws(jws: ParsedJws): Promise<void> {
  const payload = jws.payload.toString('base64url');
  // Every block's key and algorithm first (cheap), then the signatures, one at a time.
  const checks = jws.signatures.map((block, i) => {
    const where = `signatures[${i}]`;
    // Own entries only: an alg named `constructor` or `toString` is unsupported, not Object's.
    const hash = Object.hasOwn(HASHES, block.header.alg) ? HASHES[block.header.alg] : undefined;
    if (!hash) throw unverified(`${where}: unsupported algorithm "${block.header.alg}"`);
    const key = publicKeyOf(block.header.jwk, where);
    const kty = key.asymmetricKeyType;
    if (
      (block.header.alg.startsWith('ES') &&
        (kty !== 'ec' || CURVE_ALG[String(block.header.jwk.crv)] !== block.header.alg)) ||
      (block.header.alg.startsWith('RS') && kty !== 'rsa')
    ) {
      throw unverified(`${where}: algorithm ${block.header.alg} does not fit the ${String(kty)} key`);
    }
    const signature = base64url(block.signature, `${where}.signature`);
    const signed = Buffer.from(`${block.protected}.${payload}`);
    return {
      where,
      hash,
      signed,
      signature,
      key: kty === 'ec' ? { key, dsaEncoding: 'ieee-p1363' as const } : key,
      kid: block.header.jwk.kid,
    };
  });
  for (const { where, hash, signed, signature, key, kid } of checks) {
    if (!(await verifyOffThread(hash, signed, key, signature)))
      throw unverified(`${where}: the signature does not verify`, { kid });
  }
}

/** The public JWK as libtrust writes it: sorted keys, with its kid. */
function libtrustJwk(privateKey: KeyObject): Record<string, unknown> {
  const publicKey = createPublicKey(privateKey);
  const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid: libtrustKeyId(publicKey) };
  return Object.fromEntries(Object.entries(jwk).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Signs `payload` (JSON indented with three spaces, as libtrust expects) and returns the pretty
 * signed manifest. `time` goes into the protected header; with an RSA key (PKCS#1 v1.5) the same
 * payload, key and time always give the same bytes.
 */
export function signPrettyJws(payload: Buffer, privateKey: KeyObject, time: Date): Buffer {
  const text = payload.toString('utf8');
  const close = text.trimEnd().length - 1;
  if (text[close] !== '}') throw new Error('payload must be a JSON object');
  const formatLength = Buffer.byteLength(text.slice(0, close).trimEnd());
  const formatTail = payload.subarray(formatLength);
  const kty = privateKey.asymmetricKeyType;
  const jwk = libtrustJwk(privateKey);
  const alg = kty === 'rsa' ? 'RS256' : CURVE_ALG[String(jwk.crv)];
  if (!alg) throw new Error(`cannot sign with a ${String(kty)} key`);
  const header = goJson({
    formatLength,
    formatTail: formatTail.toString('base64url'),
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  });
  const protectedHeader = Buffer.from(header).toString('base64url');
  const signed = Buffer.from(`${protectedHeader}.${payload.toString('base64url')}`);
  const signature = cryptoSign(
    HASHES[alg]!,
    signed,
    kty === 'ec' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey,
  );
  const blocks = [{ header: { jwk, alg }, signature: signature.toString('base64url'), protected: protectedHeader }];
  const indent = '   ';
  const marshalled = goJson(blocks, indent).replace(/\n/g, `\n${indent}`);
  return Buffer.concat([payload.subarray(0, formatLength), Buffer.from(`,\n${indent}"signatures": ${marshalled}\n}`)]);
}
