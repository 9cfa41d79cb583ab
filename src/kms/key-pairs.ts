// Asymmetric signing keys of the key service (KeyUsage SIGN_VERIFY): the key specs it makes, the
// signing algorithms each takes (as KMS names them), the key pair (generated with node:crypto;
// the private key, PKCS #8 DER, is the key's material, sealed by the master key like a symmetric
// key's), and signing and verifying a RAW message or a DIGEST with one.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { KmsError } from '../domain/kms-errors.js';
import {
  ecdsaSign,
  ecdsaVerify,
  type Hash,
  hashBytes,
  rsaPkcs1Sign,
  rsaPkcs1Verify,
  rsaPssSign,
  rsaPssVerify,
} from './prehashed.js';

const RSA_ALGORITHMS = [
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
] as const;

/** The asymmetric key specs this key service makes, with the signing algorithms of each. */
export const SIGNING_KEY_SPECS: Record<string, readonly string[]> = {
  ECC_NIST_P256: ['ECDSA_SHA_256'],
  RSA_2048: RSA_ALGORITHMS,
  RSA_3072: RSA_ALGORITHMS,
  RSA_4096: RSA_ALGORITHMS,
};

export const MESSAGE_MAX_BYTES = 4096;

export function isSigningKey(key: { keyUsage: string }): boolean {
  return key.keyUsage === 'SIGN_VERIFY';
}

/** A new key pair's private key, PKCS #8 DER. */
export function newPrivateKey(keySpec: string): Buffer {
  const pair =
    keySpec === 'ECC_NIST_P256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: Number(keySpec.slice('RSA_'.length)) });
  return pair.privateKey.export({ type: 'pkcs8', format: 'der' });
}

export function privateKeyOf(der: Buffer): KeyObject {
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

/** The public key, DER SubjectPublicKeyInfo (what GetPublicKey returns). */
export function publicKeyDer(privateKey: KeyObject): Buffer {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
}

interface Algorithm {
  hash: Hash;
  scheme: 'ecdsa' | 'pss' | 'pkcs1';
}

function algorithmOf(name: string): Algorithm {
  const hash = `sha${name.slice(-3)}` as Hash;
  const scheme = name.startsWith('ECDSA') ? 'ecdsa' : name.startsWith('RSASSA_PSS') ? 'pss' : 'pkcs1';
  return { hash, scheme };
}

/** Throws InvalidKeyUsageException unless the key signs and takes this algorithm. */
export function checkSigning(key: { arn: string; keyUsage: string; keySpec: string }, algorithm: string): void {
  if (!isSigningKey(key))
    throw new KmsError('InvalidKeyUsageException', `${key.arn} key usage is ${key.keyUsage}, not SIGN_VERIFY`);
  if (!SIGNING_KEY_SPECS[key.keySpec]?.includes(algorithm))
    throw new KmsError('InvalidKeyUsageException', `${key.arn} (${key.keySpec}) does not take ${algorithm}`);
}

export type MessageType = 'RAW' | 'DIGEST';

/** The digest to sign: the message's hash (RAW), or the message itself (DIGEST, of the hash's length). */
function digestOf(algorithm: Algorithm, message: Buffer, type: MessageType): Buffer {
  if (type === 'RAW') return createHash(algorithm.hash).update(message).digest();
  if (message.length !== hashBytes(algorithm.hash))
    throw new KmsError(
      'ValidationException',
      `a DIGEST message for ${algorithm.hash.toUpperCase()} must be ${hashBytes(algorithm.hash)} bytes`,
    );
  return message;
}

export function signMessage(privateKey: KeyObject, algorithmName: string, message: Buffer, type: MessageType): Buffer {
  const algorithm = algorithmOf(algorithmName);
  if (type === 'RAW' && algorithm.scheme !== 'pss') {
    return sign(algorithm.hash, message, privateKey);
  }
  const digest = digestOf(algorithm, message, type);
  if (algorithm.scheme === 'ecdsa') return ecdsaSign(privateKey, digest);
  if (algorithm.scheme === 'pss') return rsaPssSign(privateKey, algorithm.hash, digest);
  return rsaPkcs1Sign(privateKey, algorithm.hash, digest);
}

export function verifyMessage(
  privateKey: KeyObject,
  algorithmName: string,
  message: Buffer,
  type: MessageType,
  signature: Buffer,
): boolean {
  const algorithm = algorithmOf(algorithmName);
  if (type === 'RAW' && algorithm.scheme !== 'pss') {
    return verify(algorithm.hash, message, privateKey, signature);
  }
  const digest = digestOf(algorithm, message, type);
  if (algorithm.scheme === 'ecdsa') return ecdsaVerify(privateKey, digest, signature);
  if (algorithm.scheme === 'pss') return rsaPssVerify(privateKey, algorithm.hash, digest, signature);
  return rsaPkcs1Verify(privateKey, algorithm.hash, digest, signature);
}
