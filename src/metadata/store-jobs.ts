// The job index of the metadata port: durable recurring jobs under leases that expire.
// Adapter: kysely-jobs.ts.
import type { Job } from '../domain/records/jobs.js';

/** Durable recurring jobs, each run by one node at a time under a lease that expires. */
export interface JobIndex {
  /** Declares a job (first run at `firstRunAt`) unless it exists. */
  ensure(name: string, firstRunAt: number): Promise<void>;
  /** Leases one due job that nobody holds (or whose lease expired) to `node` until `leaseUntil`. */
  claim(node: string, now: number, leaseUntil: number): Promise<string | undefined>;
  /** Records a run by `node`, schedules the next and releases the lease. */
  complete(name: string, node: string, at: number, nextRunAt: number, error: string | null): Promise<void>;
  get(name: string): Promise<Job | undefined>;
}
