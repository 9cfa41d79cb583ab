// What callers of the hashing worker (hash-worker.ts) hold for their batches: a sealer for an
// upload's batches (hashed and sealed), an opener for sealed segments, and a feeder for plain
// batches the worker hashes in place while the caller writes them.

/** Seals batches of an upload on the worker, its new bytes feeding a hash (the shape of a storage SealEngine). */
export interface WorkerSealer {
  batch(): Uint8Array;
  seal(batch: Uint8Array, length: number, fresh: number, first: number, count: number): Promise<Uint8Array>;
  release(sealed: Uint8Array): void;
}

/** Opens batches of sealed segments on the worker (the shape of a storage OpenEngine). */
export interface WorkerOpener {
  batch(): Uint8Array;
  open(batch: Uint8Array, length: number, first: number, last: number): Promise<Uint8Array>;
  release(batch: Uint8Array): void;
  close(): void;
}

/**
 * Hashes batches its caller fills, from the same memory the caller then writes (plain bytes:
 * nothing to seal, no copy for the hash). A batch stays the caller's after `feed`: the worker
 * only reads it, and the caller gives it back with `release` once the worker and the write are
 * both done with it.
 */
export interface WorkerFeeder {
  batch(): Uint8Array;
  /** Feeds `batch[0, length)` to the hash; resolves once the worker has read it. */
  feed(batch: Uint8Array, length: number): Promise<void>;
  release(batch: Uint8Array): void;
}
