// A size-bounded LRU of manifest bytes by digest. Content-addressed bytes never change, so this
// cache can never serve stale data, on one node or many.

export class ContentCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(digest: string): Buffer | undefined {
    const value = this.entries.get(digest);
    if (value) {
      this.entries.delete(digest);
      this.entries.set(digest, value);
    }
    return value;
  }

  set(digest: string, value: Buffer): void {
    if (value.length > this.maxBytes / 4 || this.entries.has(digest)) return;
    this.entries.set(digest, value);
    this.bytes += value.length;
    for (const [key, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.bytes -= old.length;
    }
  }
}
