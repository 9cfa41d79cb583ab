// A small map whose entries live for a fixed time: what a node may remember of rows another
// node can change (keys, policies), bounded so that it never grows without limit.

export class TtlCache<K, V> {
  private readonly entries = new Map<K, { at: number; value: V }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** The value remembered for `key`, or undefined when none (or it is older than the TTL). */
  get(key: K, now = Date.now()): { value: V } | undefined {
    const entry = this.entries.get(key);
    if (!entry || now - entry.at >= this.ttlMs) return undefined;
    return { value: entry.value };
  }

  set(key: K, value: V, now = Date.now()): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { at: now, value });
  }

  /** The remembered value, or `load()`'s (remembered for the TTL). */
  async through(key: K, load: () => Promise<V>, now = Date.now()): Promise<V> {
    const hit = this.get(key, now);
    if (hit) return hit.value;
    const value = await load();
    this.set(key, value, now);
    return value;
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
