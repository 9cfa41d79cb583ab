// The cryptography of the key service: a key's material (32 random bytes per version, sealed by
// the master key in metadata) encrypts with AES-256-GCM into a self-describing ciphertext blob,
// so Decrypt finds the key and the version of its material (older versions stay after rotation).
//
//   blob: 0x01 | key id (36, ASCII) | material version (uint32 BE) | nonce (12) | ciphertext | tag (16)
//   AAD:  the key id and the encryption context (sorted entries)
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KmsError } from '../domain/kms-errors.js';
import type { Seal } from '../keys/shared-secret.js';

const FORMAT = 1;
const ID = 36;
const PREFIX = 1 + ID + 4 + 12;
const TAG = 16;

export type EncryptionContext = Record<string, string>;

export function materialContext(keyId: string, version: number): string {
  return `kms-key-material:${keyId}:${version}`;
}

export function newMaterial(seal: Seal, keyId: string, version: number): string {
  return seal.encrypt(randomBytes(32).toString('base64'), materialContext(keyId, version));
}

export function openMaterial(seal: Seal, keyId: string, version: number, sealed: string): Buffer {
  return Buffer.from(seal.decrypt(sealed, materialContext(keyId, version)), 'base64');
}

function aad(keyId: string, context: EncryptionContext): Buffer {
  const entries = Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify([keyId, entries]));
}

export function seal(
  material: Buffer,
  keyId: string,
  version: number,
  plaintext: Uint8Array,
  context: EncryptionContext,
): Buffer {
  const header = Buffer.alloc(PREFIX);
  header[0] = FORMAT;
  header.write(keyId, 1, ID, 'latin1');
  header.writeUInt32BE(version, 1 + ID);
  const nonce = randomBytes(12);
  nonce.copy(header, 1 + ID + 4);
  const cipher = createCipheriv('aes-256-gcm', material, nonce, { authTagLength: TAG });
  cipher.setAAD(aad(keyId, context));
  return Buffer.concat([header, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** The key id and material version a ciphertext blob names. */
export function blobKey(blob: Buffer): { keyId: string; version: number } {
  if (blob.length < PREFIX + TAG || blob[0] !== FORMAT)
    throw new KmsError('InvalidCiphertextException', 'the ciphertext is not one this key service made');
  return { keyId: blob.toString('latin1', 1, 1 + ID), version: blob.readUInt32BE(1 + ID) };
}

export function open(material: Buffer, blob: Buffer, context: EncryptionContext): Buffer {
  const { keyId } = blobKey(blob);
  const decipher = createDecipheriv('aes-256-gcm', material, blob.subarray(1 + ID + 4, PREFIX), { authTagLength: TAG });
  decipher.setAAD(aad(keyId, context));
  decipher.setAuthTag(blob.subarray(blob.length - TAG));
  const plain = decipher.update(blob.subarray(PREFIX, blob.length - TAG));
  try {
    decipher.final();
  } catch {
    throw new KmsError('InvalidCiphertextException', 'the ciphertext or its encryption context does not match');
  }
  return plain;
}
