// Running hashes of uploads in progress, so each chunk is hashed once as it streams in. Only a
// cache: when an entry is missing (another node took the previous chunk, a restart, eviction)
// the hash is rebuilt from the bytes already stored, so correctness never depends on it.
import type { RunningHash } from '../runtime/hash-worker.js';

interface Entry {
  hash: RunningHash;
  /** Bytes the hash has consumed; valid only while it equals the stored upload size. */
  offset: number;
}

export class HashStates {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity = 1024) {}

  /** The hash for an upload of `offset` bytes, now owned by the caller; undefined when stale or absent. */
  take(id: string, offset: number): RunningHash | undefined {
    const entry = this.entries.get(id);
    this.entries.delete(id);
    if (entry && entry.offset === offset) return entry.hash;
    entry?.hash.drop();
    return undefined;
  }

  put(id: string, hash: RunningHash, offset: number): void {
    this.drop(id);
    this.entries.set(id, { hash, offset });
    if (this.entries.size > this.capacity) this.drop(this.entries.keys().next().value!);
  }

  drop(id: string): void {
    this.entries.get(id)?.hash.drop();
    this.entries.delete(id);
  }
}
