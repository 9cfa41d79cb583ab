// An upload's session (a metadata row, so any node can resume it, even after a restart) and its
// bytes (a storage file, written through a blob writer that keeps the running hash between
// requests on this node): made together, written one request at a time under the upload's lease
// (upload-lock.ts), read once per request, and discarded together.
import { randomUUID } from 'node:crypto';
import { RegistryError } from '../domain/errors.js';
import type { Repository } from '../domain/records/repositories.js';
import type { Upload } from '../domain/records/uploads.js';
import { isStorageFull } from '../domain/storage-full.js';
import type { MetadataStore } from '../metadata/store.js';
import type { BlobStore, DataKey } from '../storage/blob-store.js';
import { BlobWriters, type BlobWriter } from '../storage/blob-writer.js';
import type { BlobForms } from './blob-forms.js';
import type { DataKeys } from './data-keys.js';
import { UploadLock } from './upload-lock.js';
import { limited, progressRange, type Chunk } from './upload-streams.js';

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `id` is one an upload can have (a random UUID as `create` makes them). */
export function isUploadId(id: string): boolean {
  return UPLOAD_ID.test(id);
}

export interface UploadOptions {
  maxBlobBytes: number;
  /** Names this node's upload leases (stable across restarts where it can be: see app/registry-parts.ts). */
  node: string;
}

export class UploadSessions {
  /** One request at a time writes an upload, on whichever node (upload-lock.ts). */
  readonly locks: UploadLock;
  /** Writers of uploads' bytes, keeping their running hashes between requests. */
  private readonly writers: BlobWriters;

  constructor(
    private readonly store: Pick<MetadataStore, 'uploads'>,
    private readonly blobs: BlobStore,
    private readonly keys: DataKeys,
    private readonly forms: BlobForms,
    private readonly options: UploadOptions,
  ) {
    this.locks = new UploadLock(store.uploads, options.node);
    this.writers = new BlobWriters(blobs);
  }

  /** A new upload session in `repository`, with its (empty) bytes; its id. */
  async create(repository: Repository): Promise<string> {
    const id = randomUUID();
    const now = Date.now();
    // A store-encrypted upload (plain bytes, the store's encryption) has no data key.
    const dataKey = this.forms.uploadsStoreEncrypted(repository)
      ? undefined
      : await this.keys.forUpload(repository, id);
    // The row first: a byte file never exists without the session that owns it.
    await this.store.uploads.create({
      id,
      repositoryId: repository.id,
      createdAt: now,
      updatedAt: now,
      dataKey: dataKey?.wrapped ?? null,
    });
    try {
      await this.blobs.createUpload(id, dataKey?.header);
    } catch (err) {
      // A session without its byte file could never be written (a full disk, a failed store).
      await this.discard(id).catch(() => {
        /* expiry finds what is left */
      });
      throw err;
    }
    return id;
  }

  /**
   * Runs a write on the upload holding its lease (upload-lock.ts), with its session row: the
   * request's one read of it, made under the lease, so it is the row the previous holder left.
   * When storage is full, the upload is abandoned at once: its bytes are what the disk needs
   * back, and they would otherwise wait for expiry. An upload whose session vanished during the
   * work (its repository deleted) is BLOB_UPLOAD_UNKNOWN.
   */
  writing<T>(repository: Repository, id: string, work: (upload: Upload) => Promise<T>): Promise<T> {
    // An id no upload can have is refused before a lease is asked for it.
    if (!UPLOAD_ID.test(id))
      throw new RegistryError('BLOB_UPLOAD_UNKNOWN', `upload ${id} not found in ${repository.name}`, { id });
    return this.locks.run(id, async () => {
      try {
        return await work(await this.session(repository, id));
      } catch (err) {
        if (isStorageFull(err))
          await this.discard(id).catch(() => {
            /* expiry finds what is left */
          });
        // A repository deleted meanwhile takes its uploads' sessions and bytes from under the work
        // (a file gone mid-write): the upload is unknown now, not a server fault.
        else if (!(err instanceof RegistryError) && !(await this.store.uploads.get(id).catch(() => undefined))) {
          throw new RegistryError('BLOB_UPLOAD_UNKNOWN', `upload ${id} was removed with its repository`, { id });
        }
        throw err;
      }
    });
  }

  /** The upload's session row (for a write: through `writing`). */
  async session(repository: Repository, id: string): Promise<Upload> {
    const upload = UPLOAD_ID.test(id) ? await this.store.uploads.get(id) : undefined;
    if (!upload || upload.repositoryId !== repository.id) {
      throw new RegistryError('BLOB_UPLOAD_UNKNOWN', `upload ${id} not found in ${repository.name}`, { id });
    }
    return upload;
  }

  /** The upload's writer (its running hash waits here for the next chunk; other nodes rebuild it). */
  openWriter(id: string, key: DataKey | undefined): Promise<BlobWriter> {
    return this.writers.open(id, key);
  }

  /** Appends a chunk where the upload ends, within the registry's size limit and the chunk's Content-Range. */
  async writeChunk(writer: BlobWriter, chunk: Chunk | undefined): Promise<void> {
    const start = writer.size;
    if (chunk?.range && chunk.range.start !== start) {
      throw new RegistryError(
        'RANGE_INVALID',
        `chunk starts at ${chunk.range.start} but the upload has ${start} bytes`,
        { offset: start },
        {
          headers: { Range: progressRange(start) },
        },
      );
    }
    if (!chunk) return;
    await writer.write(limited(chunk.body, start, this.options.maxBlobBytes));
    if (chunk.range && writer.size !== chunk.range.end + 1) {
      throw new RegistryError(
        'SIZE_INVALID',
        `Content-Range ends at ${chunk.range.end} but the upload now has ${writer.size} bytes`,
        { size: writer.size },
      );
    }
  }

  /** Abandons an upload: its bytes, then its session. */
  async discard(id: string): Promise<void> {
    this.forget(id);
    await this.blobs.deleteUpload(id);
    await this.store.uploads.delete(id);
  }

  /** Lets go of what this node keeps of an upload that is gone: its running hash and its data key. */
  forget(id: string): void {
    this.writers.forget(id);
    this.keys.forgetUpload(id);
  }
}
