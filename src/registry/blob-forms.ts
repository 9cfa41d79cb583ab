// Which stored form of a blob a repository reads, and making the form it needs when a blob comes
// to it from elsewhere (a mount): an AES256 repository reads either form; a KMS repository reads
// only the sealed form, so a blob stored only store-encrypted is sealed for it (read, seal with a
// new data key wrapped by its KMS key, write) before it is linked.
import { parseDigest, type Digest } from '../domain/digest.js';
import { IntegrityError } from '../domain/integrity.js';
import { KmsError } from '../domain/kms-errors.js';
import type { Repository } from '../domain/records/repositories.js';
import type { Upload } from '../domain/records/uploads.js';
import type { BlobStore, DataKey } from '../storage/blob-store.js';
import { acceptsStoreEncrypted, type DataKeys } from './data-keys.js';

/** How an upload's bytes are protected: sealed with its data key, or (no key) store-encrypted. */
export type UploadSealing = { key: DataKey; raw: Buffer } | undefined;

export class BlobForms {
  constructor(
    private readonly blobs: BlobStore,
    private readonly keys: DataKeys,
  ) {}

  /** Whether new uploads of the repository are written store-encrypted (then they get no data key). */
  uploadsStoreEncrypted(repository: Repository): boolean {
    return this.blobs.writeForm({ storeEncrypted: acceptsStoreEncrypted(repository) }) === 'store-encrypted';
  }

  /**
   * An upload's data key; none for a store-encrypted upload, whose row has no key (the form is
   * in metadata, not in the bytes). Plain bytes are written only while the storage encrypts
   * (redirects on, or a declared encrypted volume).
   */
  async sealingOf(upload: Upload): Promise<UploadSealing> {
    if (upload.dataKey) return this.keys.ofUpload(upload.id, upload.dataKey);
    if (this.blobs.writesStoreEncrypted) return undefined;
    throw new IntegrityError(
      `upload ${upload.id} has no data key: it was started store-encrypted while pre-signed redirects or an encrypted volume were on (or before encryption at rest); start the upload again`,
    );
  }

  /**
   * Makes a stored blob readable in the repository: its own wrap of the sealed form's key, or the
   * sealed form made from the store-encrypted one for a KMS repository. Resolves false when the
   * blob is not stored or the repository's key cannot be used.
   */
  async readableIn(repository: Repository, digestValue: string | Digest): Promise<boolean> {
    const digest = typeof digestValue === 'string' ? parseDigest(digestValue) : digestValue;
    try {
      if (acceptsStoreEncrypted(repository) && (await this.blobs.has(digest, 'store-encrypted'))) return true;
      const dataKeyId = await this.blobs.dataKeyId(digest);
      if (dataKeyId !== undefined) {
        await this.keys.forBlob(repository, digest.value, dataKeyId);
        return true;
      }
      if (!(await this.blobs.has(digest, 'store-encrypted'))) return false;
      // Recorded before the sealed bytes exist, as for an upload: a crash leaves an unused wrap, never unreadable bytes.
      await this.keys.assertReadable(repository);
      const fresh = this.keys.fresh();
      await this.keys.record(repository, digest.value, fresh.key.id, fresh.raw);
      await this.blobs.sealCopy(digest, fresh.key, fresh.header);
      return true;
    } catch (err) {
      if (err instanceof KmsError) return false;
      throw err;
    }
  }
}
