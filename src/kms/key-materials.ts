// The material of the key service's keys: every version kept (rotation adds one, decryption
// needs the one a ciphertext names), stored sealed by the master key and opened once per node.
// Sealing and opening check nothing about who asks: the key service authorized the call.
import type { KeyObject } from 'node:crypto';
import { KmsError } from '../domain/kms-errors.js';
import type { Seal } from '../keys/shared-secret.js';
import type { KmsKey, KmsKeyMaterial } from '../domain/records/kms.js';
import type { MetadataStore } from '../metadata/store.js';
import { newPrivateKey, privateKeyOf } from './key-pairs.js';
import {
  blobKey,
  type EncryptionContext,
  materialContext,
  newMaterial,
  open,
  openMaterial,
  seal,
} from './key-material.js';

export class KeyMaterials {
  /** Opened material by key id and version: rotation adds versions, never changes one. */
  private readonly opened = new Map<string, Buffer>();
  /** Opened private keys of signing keys, by key id. */
  private readonly pairs = new Map<string, KeyObject>();

  constructor(
    private readonly store: Pick<MetadataStore, 'kms'>,
    private readonly seal: Seal,
  ) {}

  /** Seals `plaintext` under the key's newest material. */
  async sealWith(key: KmsKey, plaintext: Buffer, context: EncryptionContext): Promise<Buffer> {
    const material = await this.store.kms.material(key.id);
    if (!material) throw new KmsError('KMSInternalException', `key ${key.arn} has no material`);
    return seal(this.open(key.id, material.version, material.sealed), key.id, material.version, plaintext, context);
  }

  /** Opens a ciphertext of the key with the material version it names. */
  async openWith(key: KmsKey, blob: Buffer, context: EncryptionContext): Promise<Buffer> {
    const { version } = blobKey(blob);
    const material = await this.store.kms.material(key.id, version);
    if (!material)
      throw new KmsError('InvalidCiphertextException', `key ${key.arn} has no material version ${version}`);
    return open(this.open(key.id, version, material.sealed), blob, context);
  }

  /** A new key's first material (version 1), to store with the key. */
  first(keyId: string, at: number): KmsKeyMaterial {
    return { keyId, version: 1, sealed: newMaterial(this.seal, keyId, 1), createdAt: at };
  }

  /** A new signing key's material: its private key (PKCS #8 DER), sealed as symmetric material is. */
  firstPair(keyId: string, keySpec: string, at: number): KmsKeyMaterial {
    const sealed = this.seal.encrypt(newPrivateKey(keySpec).toString('base64'), materialContext(keyId, 1));
    return { keyId, version: 1, sealed, createdAt: at };
  }

  /** A signing key's private key (its one material version). */
  async privateKey(key: KmsKey): Promise<KeyObject> {
    const name = `${key.id}:pair`;
    let opened = this.pairs.get(name);
    if (!opened) {
      const material = await this.store.kms.material(key.id, 1);
      if (!material) throw new KmsError('KMSInternalException', `key ${key.arn} has no material`);
      opened = privateKeyOf(openMaterial(this.seal, key.id, 1, material.sealed));
      this.pairs.set(name, opened);
    }
    return opened;
  }

  /** Adds the next version of a key's material; false when another node added that version first. */
  async add(keyId: string, at: number): Promise<boolean> {
    const latest = await this.store.kms.material(keyId);
    const version = (latest?.version ?? 0) + 1;
    return this.store.kms.addMaterial({
      keyId,
      version,
      sealed: newMaterial(this.seal, keyId, version),
      createdAt: at,
    });
  }

  /** Drops what this node opened of deleted keys. */
  forget(keyIds: readonly string[]): void {
    const gone = new Set(keyIds);
    for (const name of this.opened.keys()) if (gone.has(name.split(':')[0]!)) this.opened.delete(name);
    for (const name of this.pairs.keys()) if (gone.has(name.split(':')[0]!)) this.pairs.delete(name);
  }

  private open(keyId: string, version: number, sealed: string): Buffer {
    const name = `${keyId}:${version}`;
    let material = this.opened.get(name);
    if (!material) {
      material = openMaterial(this.seal, keyId, version, sealed);
      this.opened.set(name, material);
    }
    return material;
  }
}
