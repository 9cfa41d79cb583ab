// Data keys of blobs and uploads (envelope encryption): each blob is sealed with its own random
// key, and metadata keeps that key wrapped by the wrapping key of every repository it is linked
// into: the master key (AES256) or the repository's KMS key. A repository reads a blob only
// through its own wrap, so a disabled KMS key makes its repositories' content unreadable.
import { createSecretKey } from 'node:crypto';
import { KmsError } from '../domain/kms-errors.js';
import type { KeyWrapping } from '../domain/key-wrapping.js';
import type { MasterKey } from '../keys/master-key.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Repository } from '../domain/records/repositories.js';
import type { WrappedKey } from '../domain/records/blob-keys.js';
import { generateDataKey, type BlobAccess, type DataKey, type Header } from '../storage/blob-store.js';
import { IntegrityError } from '../domain/integrity.js';

export const MASTER = 'master';
const CACHE_LIMIT = 4096;

export interface NewDataKey {
  key: DataKey;
  header: Header;
  raw: Buffer;
}

/** An upload's data key, and its raw bytes (wrapped for each repository the blob is linked into). */
export interface UploadKey {
  key: DataKey;
  raw: Buffer;
}

/** What a wrap is bound to: a wrap cannot be moved to another blob or upload. */
export function blobContext(digest: string, id: string): string {
  return `blob-data-key:${digest}:${id}`;
}

export function uploadContext(uploadId: string, id: string): string {
  return `upload-data-key:${uploadId}:${id}`;
}

/** Whether the object store's encryption protects a repository's blobs enough: AES256 yes, KMS no. */
export function acceptsStoreEncrypted(repository: Repository): boolean {
  return repository.encryptionType === 'AES256';
}

export class DataKeys {
  /** Unwrapped keys by digest, data key id and wrapping key: a read checks the wrapping key's state first. */
  private readonly cache = new Map<string, DataKey>();
  /** Unwrapped keys of uploads in progress by upload id, so a chunk does not unwrap its upload's key again. */
  private readonly uploadCache = new Map<string, UploadKey & { wrappingKey: string }>();

  constructor(
    private readonly store: Pick<MetadataStore, 'blobKeys'>,
    private readonly master: MasterKey,
    private readonly kms: KeyWrapping,
  ) {}

  /** The key that wraps a repository's data keys. */
  wrappingKey(repository: Repository): string {
    if (repository.encryptionType === 'AES256') return MASTER;
    if (!repository.kmsKey) throw new KmsError('NotFoundException', `repository ${repository.name} names no KMS key`);
    return repository.kmsKey;
  }

  /**
   * How the repository reads a blob: through its own wrap of the sealed form's data key, and, for
   * AES256 repositories only, from the store-encrypted form too (the object store's encryption is
   * what AES256 asks for, as in ECR; a KMS repository's key must protect its bytes, so it reads
   * only what Berth sealed).
   */
  access(repository: Repository, digest: string): BlobAccess {
    return { resolve: (id) => this.forBlob(repository, digest, id), storeEncrypted: acceptsStoreEncrypted(repository) };
  }

  /** Throws the KMS error that makes the repository's content unreadable now, if any. */
  async assertReadable(repository: Repository): Promise<void> {
    const wrapping = this.wrappingKey(repository);
    if (wrapping !== MASTER) await this.kms.assertUsable(wrapping);
  }

  fresh(): NewDataKey {
    return generateDataKey();
  }

  async wrap(wrapping: string, raw: Buffer, context: string): Promise<string> {
    if (wrapping === MASTER) return this.master.encrypt(raw.toString('base64'), context);
    return (await this.kms.wrap(wrapping, raw, { berth: context })).toString('base64');
  }

  async unwrap(wrapping: string, wrapped: string, context: string): Promise<Buffer> {
    if (wrapping === MASTER) return Buffer.from(this.master.decrypt(wrapped, context), 'base64');
    return this.kms.unwrap(wrapping, Buffer.from(wrapped, 'base64'), { berth: context });
  }

  /** A new key for an upload of the repository, with its wrap for the upload's row. */
  async forUpload(repository: Repository, uploadId: string): Promise<NewDataKey & { wrapped: WrappedKey }> {
    const fresh = this.fresh();
    const wrappingKey = this.wrappingKey(repository);
    const wrapped = await this.wrap(wrappingKey, fresh.raw, uploadContext(uploadId, fresh.key.id));
    return { ...fresh, wrapped: { id: fresh.key.id, wrappingKey, wrapped } };
  }

  /**
   * An upload's key, from its row: unwrapped once and kept (as blob keys are) for the upload's
   * next requests, each of which checks the wrapping key's state first.
   */
  async ofUpload(uploadId: string, wrapped: WrappedKey | null): Promise<UploadKey> {
    if (!wrapped) throw new IntegrityError(`upload ${uploadId} has no data key (made before encryption at rest)`);
    if (wrapped.wrappingKey !== MASTER) await this.kms.assertUsable(wrapped.wrappingKey);
    const cached = this.uploadCache.get(uploadId);
    if (cached && cached.key.id === wrapped.id && cached.wrappingKey === wrapped.wrappingKey) return cached;
    const raw = await this.unwrap(wrapped.wrappingKey, wrapped.wrapped, uploadContext(uploadId, wrapped.id));
    const key = { key: { id: wrapped.id, key: createSecretKey(raw) }, raw, wrappingKey: wrapped.wrappingKey };
    this.uploadCache.delete(uploadId);
    if (this.uploadCache.size >= CACHE_LIMIT) this.uploadCache.delete(this.uploadCache.keys().next().value!);
    this.uploadCache.set(uploadId, key);
    return key;
  }

  /** Forgets the key of an upload that is gone (completed or discarded). */
  forgetUpload(uploadId: string): void {
    this.uploadCache.delete(uploadId);
  }

  /** Records the wrap of a blob's data key for the repository (before the sealed bytes become the blob). */
  async record(repository: Repository, digest: string, id: string, raw: Buffer): Promise<void> {
    const wrappingKey = this.wrappingKey(repository);
    await this.store.blobKeys.put({
      digest,
      id,
      wrappingKey,
      wrapped: await this.wrap(wrappingKey, raw, blobContext(digest, id)),
    });
  }

  /**
   * The data key `id` of a blob, for a read in the repository: through the repository's own wrap,
   * made from another wrap of the same key when the blob came from elsewhere (a mount, or bytes
   * another repository stored first). Throws the KMS error when the repository's key is unusable.
   */
  async forBlob(repository: Repository, digest: string, id: string): Promise<DataKey> {
    const wrapping = this.wrappingKey(repository);
    if (wrapping !== MASTER) await this.kms.assertUsable(wrapping);
    const name = `${digest}|${id}|${wrapping}`;
    const cached = this.cache.get(name);
    if (cached) return cached;
    const own = await this.store.blobKeys.get(digest, id, wrapping);
    const raw = own
      ? await this.unwrap(wrapping, own.wrapped, blobContext(digest, id))
      : await this.derive(repository, digest, id);
    const key = { id, key: createSecretKey(raw) };
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(name, key);
    return key;
  }

  /** Unwraps another wrap of the key (one whose wrapping key is usable) and records the repository's own. */
  private async derive(repository: Repository, digest: string, id: string): Promise<Buffer> {
    let failure: unknown;
    for (const other of await this.store.blobKeys.list(digest, id)) {
      try {
        const raw = await this.unwrap(other.wrappingKey, other.wrapped, blobContext(digest, id));
        await this.record(repository, digest, id, raw);
        return raw;
      } catch (err) {
        failure = err;
      }
    }
    if (failure instanceof KmsError) throw failure;
    throw new IntegrityError(`no usable wrap of data key ${id} of ${digest}`);
  }
}
