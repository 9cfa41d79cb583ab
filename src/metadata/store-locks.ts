// Named locks of the metadata port: mutual exclusion that holds on every node sharing the
// database, for work that spans several transactions and storage calls (an upload's completion
// placing a digest's bytes and linking them). Adapters: kysely-locks.ts (one process), postgres-locks.ts.

export interface LockIndex {
  /**
   * Runs `work` holding the lock `name`, waiting while another holder has it: in this process, or
   * on another node sharing the database. A failure of `work` releases the lock and is rethrown.
   */
  exclusive<T>(name: string, work: () => Promise<T>): Promise<T>;
}
