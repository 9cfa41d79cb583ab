// Blob uploads: monolithic, chunked and streamed, resumable after a restart or on another node
// (the session is a metadata row, its bytes a storage file), and cross-repository mounts (mounts.ts).
// The bytes go through a blob writer (storage/blob-writer.ts: hashing, sealing, verification);
// this keeps who may write, the session rows, and linking the verified blob into the repository.
// A request reads its session row once, holding the upload's lease.
import { randomUUID } from 'node:crypto';
import { Actions } from '../domain/actions.js';
import { parseDigest, type Digest } from '../domain/digest.js';
import { RegistryError } from '../domain/errors.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Repository } from '../domain/records/repositories.js';
import type { Upload } from '../domain/records/uploads.js';
import type { BlobStore } from '../storage/blob-store.js';
import { BlobWriters, type BlobWriter, type Verification } from '../storage/blob-writer.js';
import { KmsError } from '../domain/kms-errors.js';
import { IntegrityError } from '../domain/integrity.js';
import { isStorageFull } from '../domain/storage-full.js';
import type { RepositoryAccess } from './access.js';
import type { RequestContext } from '../domain/request-context.js';
import type { DataKeys } from './data-keys.js';
import type { BlobForms, UploadSealing } from './blob-forms.js';
import { BlobMounts } from './mounts.js';
import { UploadLock } from './upload-lock.js';
import { limited } from './upload-streams.js';

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Upload bytes without a session are removed once nothing has written to them for this long. */
const ORPHAN_GRACE_MS = 3_600_000;

export interface UploadOptions {
  maxBlobBytes: number;
  /** Names this node's upload leases (stable across restarts where it can be: see app/registry.ts). */
  node: string;
}

/** An inclusive range from a Content-Range header. */
export interface ChunkRange {
  start: number;
  end: number;
}

export interface Chunk {
  body: AsyncIterable<Uint8Array>;
  range?: ChunkRange;
}

export interface UploadStatus {
  name: string;
  id: string;
  /** Bytes received so far. */
  size: number;
}

/** How CompleteLayerUpload ended: ECR refuses an empty upload, a part but the last under MIN_LAYER_PART, and a layer the repository has. */
export type LayerCompletion =
  | { kind: 'completed'; digest: string }
  | { kind: 'empty' }
  | { kind: 'exists'; digest: string }
  | { kind: 'part-too-small'; size: number };

/** ECR's smallest layer part, but for the last (LayerPartTooSmallException). */
export const MIN_LAYER_PART = 5 * 1024 * 1024;

export type StartResult =
  | { kind: 'mounted' | 'completed'; name: string; digest: string }
  | { kind: 'started'; upload: UploadStatus };

/** `Range: 0-<last byte>` as the distribution API reports an upload's progress. */
export function progressRange(size: number): string {
  return `0-${Math.max(size - 1, 0)}`;
}

export class UploadService {
  /** Writers of uploads' bytes, keeping their running hashes between requests. */
  private readonly writers: BlobWriters;
  private readonly mounts: BlobMounts;
  /** One request at a time writes an upload, on whichever node (upload-lock.ts). */
  private readonly locks: UploadLock;

  constructor(
    private readonly store: MetadataStore,
    private readonly blobs: BlobStore,
    private readonly access: RepositoryAccess,
    private readonly keys: DataKeys,
    private readonly forms: BlobForms,
    private readonly options: UploadOptions,
  ) {
    this.locks = new UploadLock(store.uploads, options.node);
    this.writers = new BlobWriters(blobs);
    this.mounts = new BlobMounts(store, access, forms);
  }

  /** POST: mount, monolithic upload (with `digest`), or a new upload session. */
  async start(
    ctx: RequestContext,
    name: string,
    request: { digest?: string; mount?: string; from?: string; chunk?: Chunk },
  ): Promise<StartResult> {
    // Digests are checked before forPush may create the repository: a refused POST leaves none behind.
    await this.access.authorize(ctx, name, Actions.InitiateLayerUpload);
    const mount = request.mount === undefined ? undefined : parseDigest(request.mount);
    const digest = request.digest === undefined ? undefined : parseDigest(request.digest);
    const repository = await this.access.forPush(ctx, name, Actions.InitiateLayerUpload);
    if (mount && (await this.mounts.mount(ctx, repository, mount, request.from)))
      return { kind: 'mounted', name, digest: mount.value };
    const upload = await this.create(repository);
    if (!digest) return { kind: 'started', upload: { name, id: upload, size: 0 } };
    try {
      await this.writing(repository, upload, (session) => this.finish(repository, session, digest, request.chunk));
    } catch (err) {
      // The client never learnt this session's id, so nothing can resume it: its bytes go now.
      await this.locks
        .run(upload, () => this.discard(upload))
        .catch(() => {
          /* gone already, or expiry finds it */
        });
      throw err;
    }
    return { kind: 'completed', name, digest: digest.value };
  }

  /** PATCH: appends a chunk (at `range.start` when given) and reports the new progress. */
  async append(ctx: RequestContext, name: string, id: string, chunk: Chunk | undefined): Promise<UploadStatus> {
    // An upload lives in a repository that exists already: `existing`, never `forPush`, so a
    // request for an unknown upload cannot create a repository.
    const repository = await this.access.existing(ctx, name, Actions.UploadLayerPart);
    const size = await this.writing(repository, id, async (upload) => {
      // The running hash waits in the writers for the next chunk (on this node; others rebuild it).
      const writer = await this.writers.open(id, (await this.forms.sealingOf(upload))?.key);
      try {
        await this.writeChunk(writer, chunk);
        // Touched before the lock is let go: expiry, waiting for it, sees the upload is alive.
        await this.store.uploads.touch(id, Date.now());
        return writer.size;
      } finally {
        await writer.close();
      }
    });
    return { name, id, size };
  }

  /** UploadLayerPart: `append`, then the part's start recorded for CompleteLayerUpload's part size rule. */
  async appendLayerPart(
    ctx: RequestContext,
    name: string,
    id: string,
    chunk: Chunk & { range: ChunkRange },
  ): Promise<UploadStatus> {
    const status = await this.append(ctx, name, id, chunk);
    await this.store.uploads.recordPart(id, chunk.range.start, MIN_LAYER_PART);
    return status;
  }

  /** GET: progress of an upload. */
  async status(ctx: RequestContext, name: string, id: string): Promise<UploadStatus> {
    const repository = await this.access.existing(ctx, name, Actions.UploadLayerPart);
    const upload = await this.session(repository, id);
    // Verified bytes already moved into the blob store (completion interrupted): report them all.
    const verified = upload.verifiedDigest ? await this.blobs.size(parseDigest(upload.verifiedDigest)) : undefined;
    return { name, id, size: verified ?? (await this.blobs.uploadSize(id, !upload.dataKey)) };
  }

  /** PUT: the last (possibly empty) chunk, then verification against `digest`. */
  async complete(
    ctx: RequestContext,
    name: string,
    id: string,
    digestValue: string | undefined,
    chunk?: Chunk,
  ): Promise<string> {
    const repository = await this.access.existing(ctx, name, Actions.CompleteLayerUpload);
    return this.writing(repository, id, async (upload) => {
      if (!digestValue)
        throw new RegistryError('DIGEST_INVALID', 'the digest query parameter is required to complete an upload');
      const digest = parseDigest(digestValue);
      await this.finish(repository, upload, digest, chunk);
      return digest.value;
    });
  }

  /**
   * CompleteLayerUpload: `complete` without a last chunk, except that an empty upload is refused
   * and a layer the repository has already is refused with the upload abandoned (ECR's rules).
   */
  async completeLayer(ctx: RequestContext, name: string, id: string, digestValue: string): Promise<LayerCompletion> {
    const repository = await this.access.existing(ctx, name, Actions.CompleteLayerUpload);
    return this.writing(repository, id, async (upload): Promise<LayerCompletion> => {
      const digest = parseDigest(digestValue);
      if ((await this.store.blobs.linkedSize(repository.id, digest.value)) !== undefined) {
        await this.discard(id);
        return { kind: 'exists', digest: digest.value };
      }
      if (!upload.verifiedDigest && (await this.blobs.uploadSize(id, !upload.dataKey)) === 0) return { kind: 'empty' };
      const shortPart = await this.store.uploads.shortPart(id);
      if (shortPart !== undefined) return { kind: 'part-too-small', size: shortPart };
      await this.finish(repository, upload, digest, undefined);
      return { kind: 'completed', digest: digest.value };
    });
  }

  /** DELETE: abandons an upload and its bytes. */
  async cancel(ctx: RequestContext, name: string, id: string): Promise<void> {
    const repository = await this.access.existing(ctx, name, Actions.UploadLayerPart);
    await this.session(repository, id);
    await this.locks.run(id, () => this.discard(id));
  }

  /**
   * Removes uploads untouched since `before` (abandoned by their clients), and upload bytes whose
   * session is gone (their repository was deleted while they were written, or a node died between
   * the two deletions) and that nothing wrote to for an hour.
   */
  async expire(before: number): Promise<number> {
    let removed = 0;
    for (const upload of await this.store.uploads.stale(before, 1000)) {
      // An upload a request is writing right now is not abandoned, however old its last touch.
      // Nor is one a request resumed while this waited for its lock.
      const expired = await this.locks.tryRun(upload.id, async () => {
        const now = await this.store.uploads.get(upload.id);
        if (!now || now.updatedAt >= before) return false;
        await this.discard(upload.id);
        return true;
      });
      if (expired === true) removed++;
    }
    const orphans = await this.blobs.uploadsUntouchedSince(Math.max(before, Date.now() - ORPHAN_GRACE_MS));
    for (const id of orphans) {
      // A session's row is made before its bytes and deleted after them: bytes without a row are no session's.
      if (UPLOAD_ID.test(id) && !(await this.store.uploads.get(id))) {
        await this.blobs.deleteUpload(id);
        removed++;
      }
    }
    return removed;
  }

  /**
   * Deletes a repository with its uploads' bytes: `remove` deletes the repository (its upload
   * sessions go with it) and says whether it did. An upload started meanwhile, or bytes a request
   * still writes, are left to `expire`, which finds bytes without a session.
   */
  async removingUploads(repositoryId: string, remove: () => Promise<boolean>): Promise<boolean> {
    const ids = await this.store.uploads.idsOf(repositoryId);
    if (!(await remove())) return false;
    for (const id of ids) {
      this.forget(id);
      // The repository is gone whatever happens here: a request still writing into one of its
      // uploads can make this removal fail (a directory not empty yet); the expiry sweep then
      // removes the bytes, which no session owns any more.
      await this.blobs.deleteUpload(id).catch(() => {
        /* swept by expiry */
      });
    }
    return true;
  }

  private async create(repository: Repository): Promise<string> {
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
  private writing<T>(repository: Repository, id: string, work: (upload: Upload) => Promise<T>): Promise<T> {
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
  private async session(repository: Repository, id: string): Promise<Upload> {
    const upload = UPLOAD_ID.test(id) ? await this.store.uploads.get(id) : undefined;
    if (!upload || upload.repositoryId !== repository.id) {
      throw new RegistryError('BLOB_UPLOAD_UNKNOWN', `upload ${id} not found in ${repository.name}`, { id });
    }
    return upload;
  }

  /** Writes the last chunk and verifies the upload, then links the blob; the caller holds the upload's lease. */
  private async finish(
    repository: Repository,
    upload: Upload,
    digest: Digest,
    chunk: Chunk | undefined,
  ): Promise<void> {
    const id = upload.id;
    const sealing = await this.forms.sealingOf(upload);
    if (upload.verifiedDigest)
      return this.resumeVerified(repository, id, upload.verifiedDigest, digest, chunk, sealing);
    const writer = await this.writers.open(id, sealing?.key);
    let verification: Verification;
    try {
      await this.writeChunk(writer, chunk);
      verification = await writer.commit(digest);
    } finally {
      await writer.close();
    }
    if (!verification.verified) {
      const actual = verification.actual;
      await this.discard(id);
      throw new RegistryError('DIGEST_INVALID', `uploaded content has digest ${actual}, not ${digest.value}`, {
        expected: digest.value,
        actual,
      });
    }
    // From here a crash leaves a session that knows its bytes were verified (resumeVerified).
    await this.store.uploads.markVerified(id, digest.value);
    await this.place(repository, id, digest, sealing);
    await this.store.blobs.link(repository.id, digest.value, verification.size);
    await this.store.uploads.delete(id);
    this.keys.forgetUpload(id);
  }

  /** Completes an upload whose bytes this registry verified before a crash interrupted it. */
  private async resumeVerified(
    repository: Repository,
    id: string,
    verified: string,
    digest: Digest,
    chunk: Chunk | undefined,
    sealing: UploadSealing,
  ): Promise<void> {
    if (verified !== digest.value || chunk) {
      throw new RegistryError('DIGEST_INVALID', `upload ${id} was already verified as ${verified}`, {
        expected: digest.value,
        actual: verified,
      });
    }
    // Interrupted before the move, the verified bytes (in the upload's form) are still the upload's.
    if (!(await this.blobs.has(digest, sealing ? 'sealed' : 'store-encrypted')))
      await this.place(repository, id, digest, sealing);
    else await this.blobs.deleteUpload(id);
    const size = await this.blobs.size(digest);
    if (size === undefined) throw new Error(`verified upload ${id} has no bytes`);
    await this.store.blobs.link(repository.id, digest.value, size);
    await this.store.uploads.delete(id);
    this.keys.forgetUpload(id);
  }

  /**
   * Makes the verified upload the stored blob in the upload's form. A sealed upload has the wrap
   * of its data key for the repository recorded first; when the sealed form is stored already (an
   * earlier or concurrent push), one copy is kept: the stored one, if the repository can have a
   * wrap of its key, else ours.
   */
  private async place(repository: Repository, id: string, digest: Digest, sealing: UploadSealing): Promise<void> {
    if (!sealing) {
      // Store-encrypted: no key to wrap; plain bytes are the same for every repository.
      if (await this.blobs.has(digest, 'store-encrypted')) await this.blobs.deleteUpload(id);
      else await this.blobs.promoteUpload(id, digest, true);
      return;
    }
    const { key, raw } = sealing;
    // A stored copy the repository cannot read (no usable wrap of its key, or bytes that are not
    // a sealed blob, such as one stored before encryption at rest) is replaced by this one.
    try {
      const stored = await this.blobs.dataKeyId(digest);
      if (stored !== undefined) {
        await this.keys.forBlob(repository, digest.value, stored);
        await this.blobs.deleteUpload(id);
        return;
      }
    } catch (err) {
      if (!(err instanceof KmsError) && !(err instanceof IntegrityError)) throw err;
    }
    await this.keys.record(repository, digest.value, key.id, raw);
    await this.blobs.promoteUpload(id, digest);
  }

  /** Appends a chunk where the upload ends, within the registry's size limit and the chunk's Content-Range. */
  private async writeChunk(writer: BlobWriter, chunk: Chunk | undefined): Promise<void> {
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

  private async discard(id: string): Promise<void> {
    this.forget(id);
    await this.blobs.deleteUpload(id);
    await this.store.uploads.delete(id);
  }

  /** Lets go of what this node keeps of an upload that is gone: its running hash and its data key. */
  private forget(id: string): void {
    this.writers.forget(id);
    this.keys.forgetUpload(id);
  }
}
