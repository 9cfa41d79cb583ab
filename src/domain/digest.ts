// Content digests (`algorithm:hex`) as the OCI image spec defines them, and the hashers that make them.
import { createHash, type Hash } from 'node:crypto';
import { RegistryError } from './errors.js';

export type DigestAlgorithm = 'sha256' | 'sha512';

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
// The grammar of the image spec: algorithm-component, then an encoded part.
const GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export interface Digest {
  readonly algorithm: DigestAlgorithm;
  readonly hex: string;
  /** `algorithm:hex`, the canonical string form. */
  readonly value: string;
}

export function isDigestAlgorithm(name: string): name is DigestAlgorithm {
  return name === 'sha256' || name === 'sha512';
}

/** Parses a digest or returns undefined; never throws. */
export function tryParseDigest(value: string): Digest | undefined {
  if (value.length > 200 || !GRAMMAR.test(value)) return undefined;
  const colon = value.indexOf(':');
  const algorithm = value.slice(0, colon);
  const hex = value.slice(colon + 1);
  if (!isDigestAlgorithm(algorithm)) return undefined;
  if (hex.length !== HEX_LENGTH[algorithm] || !/^[a-f0-9]+$/.test(hex)) return undefined;
  return { algorithm, hex, value };
}

/** Parses a digest, throwing DIGEST_INVALID (or UNSUPPORTED for an unknown algorithm). */
export function parseDigest(value: string): Digest {
  const digest = tryParseDigest(value);
  if (digest) return digest;
  const algorithm = value.split(':', 1)[0] ?? '';
  if (GRAMMAR.test(value) && !isDigestAlgorithm(algorithm)) {
    throw new RegistryError('DIGEST_INVALID', `unsupported digest algorithm "${algorithm}"`, { digest: value });
  }
  throw new RegistryError('DIGEST_INVALID', 'invalid digest', { digest: value });
}

export function isDigest(value: string): boolean {
  return tryParseDigest(value) !== undefined;
}

export function createHasher(algorithm: DigestAlgorithm = 'sha256'): Hash {
  return createHash(algorithm);
}

export function digestOf(data: Uint8Array | string, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}
