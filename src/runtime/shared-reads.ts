// Identical reads that arrive together share one query: a tag pulled by many clients at once
// costs one database round trip per query time instead of one per request (on PostgreSQL; an
// in-process SQLite query finishes before the next request is read, so nothing is ever shared).
//
// A read never joins a query that was already running when it arrived: that query's snapshot may
// predate a write the caller has already seen acknowledged. It waits for the next query instead,
// which every read arriving meanwhile shares. So each caller sees the database as of a moment
// after its request arrived, as if it had queried alone.

interface Running<T> {
  /** Settles when the running query does, whatever its outcome. */
  ended: Promise<void>;
  /** The query that starts when the running one ends, shared by reads that arrived after it began. */
  next?: Promise<T>;
}

export class SharedReads<T> {
  private readonly running = new Map<string, Running<T>>();

  read(key: string, load: () => Promise<T>): Promise<T> {
    const current = this.running.get(key);
    if (!current) return this.start(key, load);
    current.next ??= current.ended.then(() => this.start(key, load));
    return current.next;
  }

  private start(key: string, load: () => Promise<T>): Promise<T> {
    const result = load();
    const entry: Running<T> = {
      ended: result.then(
        () => undefined,
        () => undefined,
      ),
    };
    this.running.set(key, entry);
    // Registered before any `next`, so the entry is gone before the next query takes its place.
    void entry.ended.then(() => {
      if (this.running.get(key) === entry) this.running.delete(key);
    });
    return result;
  }
}
