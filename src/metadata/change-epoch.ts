// A counter of changes to what a pull by tag or digest reads (the tags, manifests and
// repositories tables), so that a service may keep those reads and know when they went stale.
//
// The adapters call `write` when a statement that changes one of those tables starts, and
// `settled` when it is committed or rolled back. A cached read is good while the epoch it was
// read at is still the current one; `current()` is undefined (nothing may be cached or served
// from a cache) while a change of this process is uncommitted, or when the changes of other
// processes cannot be followed.
//
// Other processes: on SQLite, `PRAGMA data_version` changes when another connection commits (a
// CLI on the same file); on PostgreSQL, every change is followed by a NOTIFY sent in its own
// transaction (so delivered at its commit), which each node LISTENs for (postgres.ts).

/** What a cache of metadata reads checks (MetadataStore.changes). */
export interface ChangeFeed {
  /** The epoch now; undefined when nothing may be cached or served from a cache. */
  current(): number | undefined;
}

/** Statements that may change a row (Kysely's, and raw SQL), with the tables a pull reads. */
const WRITE = /^\s*(insert|update|delete|with|merge|replace|create|drop|alter|truncate)\b/i;
const WATCHED = /\b(tags|manifests|repositories)\b/i;

export class ChangeEpoch implements ChangeFeed {
  private epoch = 0;
  private pending = 0;
  /** Whether other processes' changes are followed (false while PostgreSQL's LISTEN is down). */
  private following: boolean;

  constructor(
    following = true,
    /** A cheap check for another process's commit (SQLite's data_version): true when there was one since the last call. */
    private readonly externalChange?: () => boolean,
  ) {
    this.following = following;
  }

  /** Whether a statement may change what a pull reads. */
  static touches(sql: string): boolean {
    return WRITE.test(sql) && WATCHED.test(sql);
  }

  current(): number | undefined {
    if (this.externalChange?.()) this.epoch++;
    return this.pending > 0 || !this.following ? undefined : this.epoch;
  }

  /** A change started (uncommitted until `settled`). */
  write(): void {
    this.pending++;
    this.epoch++;
  }

  /** A change started by `write` was committed or rolled back. */
  settled(): void {
    this.pending = Math.max(0, this.pending - 1);
    this.epoch++;
  }

  /** A change committed elsewhere (another node's NOTIFY). */
  bump(): void {
    this.epoch++;
  }

  /** Starts or stops following other processes' changes (PostgreSQL's LISTEN connection up or down). */
  follow(following: boolean): void {
    this.following = following;
    this.epoch++;
  }
}
