// Running hashes of uploads in progress, so each chunk is hashed once as it streams in. Only a
// cache: when an entry is missing (another node took the previous chunk, a restart, eviction)
// the hash is rebuilt from the bytes already stored, so correctness never depends on it.
import type { Hash } from 'node:crypto';

interface Entry {
  hash: Hash;
  /** Bytes the hash has consumed; valid only while it equals the stored upload size. */
  offset: number;
}

export class HashStates {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity = 1024) {}

  take(id: string, offset: number): Hash | undefined {
    const entry = this.entries.get(id);
    this.entries.delete(id);
    return entry && entry.offset === offset ? entry.hash : undefined;
  }

  put(id: string, hash: Hash, offset: number): void {
    this.entries.delete(id);
    this.entries.set(id, { hash, offset });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  drop(id: string): void {
    this.entries.delete(id);
  }
}
