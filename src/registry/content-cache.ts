// A size-bounded LRU of manifest bytes by digest. Content-addressed bytes never change, so this
// cache can never serve stale data, on one node or many.
//
// The bound is on the memory the entries keep, not on their lengths: a small Buffer is usually a
// view of a larger one (Node's 8 KiB allocation pool, a socket read, a decrypted batch), and a
// view keeps all of it alive. So an entry that is a view is copied into a buffer of its own: a
// 700-byte manifest held as a view of an 8 KiB pool slab kept 8 KiB, and a cache of 64 MiB of
// manifests held over 700 MiB.

export class ContentCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;
  /** The entry last used, already the newest in the order: read again, it is not moved. */
  private newest: string | undefined;

  constructor(private readonly maxBytes: number) {}

  get(digest: string): Buffer | undefined {
    const value = this.entries.get(digest);
    if (value && digest !== this.newest) {
      // Moved last in the Map's order (least recently used first). A pull of one popular
      // manifest after another skips this: a delete and a set per request were 0.5% of a GET.
      this.entries.delete(digest);
      this.entries.set(digest, value);
      this.newest = digest;
    }
    return value;
  }

  set(digest: string, value: Buffer): void {
    if (value.length > this.maxBytes / 4 || this.entries.has(digest)) return;
    const owned = ownBuffer(value);
    this.entries.set(digest, owned);
    this.newest = digest;
    this.bytes += owned.buffer.byteLength;
    for (const [key, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.bytes -= old.buffer.byteLength;
    }
  }

  /** Drops an entry (its manifest was deleted: it is unlikely to be read again). */
  delete(digest: string): void {
    const value = this.entries.get(digest);
    if (!value) return;
    this.entries.delete(digest);
    this.bytes -= value.buffer.byteLength;
  }

  /** Bytes of memory the entries keep (their backing stores). */
  get heldBytes(): number {
    return this.bytes;
  }
}

/** `value` if it is the whole of its backing store, else a copy that is (never from the shared pool). */
function ownBuffer(value: Buffer): Buffer {
  if (value.byteOffset === 0 && value.buffer.byteLength === value.length) return value;
  const copy = Buffer.allocUnsafeSlow(value.length);
  value.copy(copy);
  return copy;
}
