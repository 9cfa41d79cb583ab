// The cryptography of the key service's keys: Encrypt, Decrypt and GenerateDataKey for callers,
// and wrapping and unwrapping blobs' data keys for Berth's own use (KeyWrapping: no caller to
// authorize, the repository was). Only a usable key (Enabled) seals or opens.
import { randomBytes } from 'node:crypto';
import { KmsActions } from '../domain/actions.js';
import type { KeyWrapping } from '../domain/key-wrapping.js';
import { KmsError } from '../domain/kms-errors.js';
import type { KmsKey } from '../domain/records/kms.js';
import type { MetadataStore } from '../metadata/store.js';
import type { KeyAuthorization, KmsContext } from './key-authorization.js';
import { arnAccountOf, KEY_ID } from './key-directory.js';
import { blobKey, type EncryptionContext } from './key-material.js';
import type { KeyMaterials } from './key-materials.js';
import { usable } from './key-states.js';

export class KeyCryptography implements KeyWrapping {
  constructor(
    private readonly store: Pick<MetadataStore, 'kms'>,
    private readonly materials: KeyMaterials,
    private readonly access: KeyAuthorization,
  ) {}

  async encrypt(
    ctx: KmsContext,
    reference: string,
    plaintext: Buffer,
    context: EncryptionContext = {},
  ): Promise<{ key: KmsKey; blob: Buffer }> {
    const key = await this.access.target(ctx, reference, KmsActions.Encrypt, { encryptionContext: context });
    return { key, blob: await this.sealWith(key, plaintext, context) };
  }

  async generateDataKey(
    ctx: KmsContext,
    reference: string,
    bytes: number,
    context: EncryptionContext = {},
  ): Promise<{ key: KmsKey; plaintext: Buffer; blob: Buffer }> {
    const key = await this.access.target(ctx, reference, KmsActions.GenerateDataKey, { encryptionContext: context });
    const plaintext = randomBytes(bytes);
    return { key, plaintext, blob: await this.sealWith(key, plaintext, context) };
  }

  async decrypt(
    ctx: KmsContext,
    blob: Buffer,
    context: EncryptionContext = {},
    reference?: string,
  ): Promise<{ key: KmsKey; plaintext: Buffer }> {
    const { directory } = this.access;
    const { keyId } = blobKey(blob);
    // The ciphertext names its key, which may be another account's: that key's policy decides.
    const owner = KEY_ID.test(keyId) ? (await this.store.kms.getKey(keyId))?.accountId : undefined;
    const key = await directory.find(owner ?? ctx.accountId, keyId);
    if (reference !== undefined && (await directory.find(ctx.accountId, reference)).id !== key.id) {
      throw new KmsError('IncorrectKeyException', 'the ciphertext was not encrypted with the KMS key given');
    }
    await this.access.authorizeOn(ctx, KmsActions.Decrypt, key, {
      encryptionContext: context,
      ...(reference !== undefined && { reference }),
    });
    return { key, plaintext: await this.openWith(key, blob, context) };
  }

  // Berth's own use (data keys of repositories): no caller to authorize, the repository was.

  /** Throws the KMS error that explains why the key (an ARN) cannot be used now. */
  async assertUsable(keyArn: string): Promise<KmsKey> {
    const key = await this.access.directory.find(arnAccountOf(keyArn), keyArn);
    usable(key);
    return key;
  }

  async wrap(keyArn: string, plaintext: Buffer, context: EncryptionContext): Promise<Buffer> {
    return this.sealWith(await this.assertUsable(keyArn), plaintext, context);
  }

  async unwrap(keyArn: string, blob: Buffer, context: EncryptionContext): Promise<Buffer> {
    const key = await this.assertUsable(keyArn);
    if (blobKey(blob).keyId !== key.id)
      throw new KmsError('IncorrectKeyException', `the wrapped key was not encrypted with ${keyArn}`);
    return this.openWith(key, blob, context);
  }

  private sealWith(key: KmsKey, plaintext: Buffer, context: EncryptionContext): Promise<Buffer> {
    usable(key);
    symmetric(key);
    return this.materials.sealWith(key, plaintext, context);
  }

  private openWith(key: KmsKey, blob: Buffer, context: EncryptionContext): Promise<Buffer> {
    usable(key);
    symmetric(key);
    return this.materials.openWith(key, blob, context);
  }
}

/** Encryption takes a symmetric key (a signing key's material is a private key, not an AES key). */
function symmetric(key: KmsKey): void {
  if (key.keyUsage !== 'ENCRYPT_DECRYPT')
    throw new KmsError('InvalidKeyUsageException', `${key.arn} key usage is ${key.keyUsage}, not ENCRYPT_DECRYPT`);
}
