// Writing an upload's bytes, as Distribution's blobwriter does beside its driver: a writer per
// request over the upload's byte file that owns the digest (a running hash, resumable: kept
// between requests on this node, rebuilt from the stored bytes on another or after a restart),
// the sealing of the bytes (an upload sealed with its data key) and the verification of digest and
// size before the bytes may become a blob. Sealed and plain (store-encrypted) uploads are two
// implementations, chosen once when the writer opens; the caller never asks which it has.
import type { Digest, DigestAlgorithm } from '../domain/digest.js';
import type { HashWorker, RunningHash } from '../runtime/hash-worker.js';
import type { BlobStore, DataKey } from './blob-store.js';
import type { FileWriter } from './driver.js';
import type { EncryptedUploadWriter } from './encryption/upload-file.js';
import { HashStates } from './hash-states.js';
import { PlainBatches } from './plain-batches.js';
import { sharedHashWorker, workerSealing } from './worker-engines.js';

/** How a commit ended: the bytes are the claimed blob (of `size` bytes), or they hash to `actual`. */
export type Verification = { verified: true; size: number } | { verified: false; actual: string };

/** Appends to one upload's bytes, then verifies them; one request's writer. */
export interface BlobWriter {
  /** Plaintext bytes of the upload so far: where the next write appends. */
  readonly size: number;
  /** Appends `body` at `size`, hashing (and sealing) it as it streams. */
  write(body: AsyncIterable<Uint8Array>): Promise<void>;
  /**
   * Makes the bytes whole and durable (a sealed upload's tail sealed as its last segment) and
   * checks them against `expected`. The writer is done afterwards; a mismatch leaves the upload's
   * bytes for the caller to discard.
   */
  commit(expected: Digest): Promise<Verification>;
  /** Lets the file go; the bytes stay and the running hash is kept for the upload's next request. */
  close(): Promise<void>;
}

/** Opens upload writers over a blob store; keeps the running hashes of uploads between requests. */
export class BlobWriters {
  private readonly hashes = new HashStates();

  constructor(
    private readonly blobs: BlobStore,
    private readonly worker: HashWorker = sharedHashWorker,
  ) {}

  /** A writer appending to upload `id`: sealed with `key`, or store-encrypted plain bytes (no key). */
  async open(id: string, key: DataKey | undefined): Promise<BlobWriter> {
    if (key) return new SealedBlobWriter(this, id, key, await this.blobs.uploadWriter(id, key));
    return new PlainBlobWriter(this, id, undefined, await this.blobs.uploadWriter(id, undefined));
  }

  /** Drops the running hash of an upload that is gone (completed elsewhere, discarded). */
  forget(id: string): void {
    this.hashes.drop(id);
  }

  /** @internal The upload's hash of its first `size` bytes: the one kept, or rebuilt from storage. */
  async running(id: string, key: DataKey | undefined, size: number): Promise<RunningHash> {
    return this.hashes.take(id, size) ?? (await this.rehash(id, key, size, 'sha256'));
  }

  /** @internal Keeps a hash of the upload's first `size` bytes for its next request. */
  keep(id: string, hash: RunningHash, size: number): void {
    this.hashes.put(id, hash, size);
  }

  /** @internal Hashes the first `size` bytes of an upload from storage. */
  async rehash(id: string, key: DataKey | undefined, size: number, algorithm: DigestAlgorithm): Promise<RunningHash> {
    const hash = this.worker.create(algorithm);
    if (size === 0) return hash;
    try {
      for await (const part of this.blobs.uploadReader(id, key, size)) await hash.update(part);
    } catch (err) {
      hash.drop();
      throw err;
    }
    return hash;
  }
}

/** The digest side, shared by both forms: the running hash taken when first needed, kept or dropped. */
abstract class HashingWriter<F extends Pick<FileWriter, 'size' | 'commit' | 'close'>> implements BlobWriter {
  private hash: RunningHash | undefined;

  constructor(
    private readonly writers: BlobWriters,
    protected readonly id: string,
    private readonly key: DataKey | undefined,
    protected readonly file: F,
  ) {}

  get size(): number {
    return this.file.size;
  }

  /** Streams `body` into the file, every new byte through the running hash. */
  abstract write(body: AsyncIterable<Uint8Array>): Promise<void>;

  async commit(expected: Digest): Promise<Verification> {
    const hash = await this.running();
    this.hash = undefined;
    try {
      await this.file.commit();
    } catch (err) {
      hash.drop();
      throw err;
    }
    let hex: string;
    if (expected.algorithm === 'sha256') hex = await hash.digest();
    else {
      hash.drop();
      hex = await (await this.writers.rehash(this.id, this.key, this.size, expected.algorithm)).digest();
    }
    const actual = `${expected.algorithm}:${hex}`;
    return actual === expected.value ? { verified: true, size: this.size } : { verified: false, actual };
  }

  async close(): Promise<void> {
    if (this.hash) this.writers.keep(this.id, this.hash, this.size);
    this.hash = undefined;
    await this.file.close();
  }

  /** The hash of the bytes stored so far (taken before a chunk's bytes are written). */
  protected async running(): Promise<RunningHash> {
    this.hash ??= await this.writers.running(this.id, this.key, this.size);
    return this.hash;
  }

  /** After a failed write: bytes the hash saw may not all be in the file, so the next request rebuilds it. */
  protected lost(hash: RunningHash): void {
    this.hash = undefined;
    hash.drop();
  }
}

/** An upload sealed with its data key: the worker hashes and seals each batch of a chunk in one go. */
class SealedBlobWriter extends HashingWriter<EncryptedUploadWriter> {
  async write(body: AsyncIterable<Uint8Array>): Promise<void> {
    const hash = await this.running();
    try {
      await this.file.writeWith(body, workerSealing(hash, this.file.key, this.file.header));
    } catch (err) {
      this.lost(hash);
      throw err;
    }
  }
}

/**
 * A store-encrypted upload (plain bytes, the object store's or the volume's encryption): the
 * chunks are gathered into the worker's batches, which the worker hashes and the file writes
 * from the same memory (plain-batches.ts).
 */
class PlainBlobWriter extends HashingWriter<FileWriter> {
  async write(body: AsyncIterable<Uint8Array>): Promise<void> {
    const hash = await this.running();
    const batches = new PlainBatches(hash.feeding());
    try {
      await this.file.write(batches.from(body), (batch) => batches.written(batch));
    } catch (err) {
      this.lost(hash);
      throw err;
    }
  }
}
