// The job index over the query builder: recurring jobs leased by one node at a time.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { Job } from '../domain/records/jobs.js';
import type { JobIndex } from './store.js';
import { claimLeasedRow } from './kysely-lease.js';

type Db = Kysely<Database>;

export class Jobs implements JobIndex {
  constructor(
    private readonly db: Db,
    private readonly skipLocked: boolean,
  ) {}

  async ensure(name: string, firstRunAt: number) {
    await this.db
      .insertInto('jobs')
      .values({
        name,
        next_run_at: firstRunAt,
        locked_by: null,
        locked_until: null,
        last_run_at: null,
        last_error: null,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
  }

  async claim(node: string, now: number, leaseUntil: number) {
    const claim = { node, now, leaseUntil, skipLocked: this.skipLocked };
    return (await claimLeasedRow(this.db, 'jobs', undefined, claim))?.name;
  }

  async complete(name: string, node: string, at: number, nextRunAt: number, error: string | null) {
    await this.db
      .updateTable('jobs')
      .set({ locked_by: null, locked_until: null, last_run_at: at, next_run_at: nextRunAt, last_error: error })
      .where('name', '=', name)
      .where('locked_by', '=', node)
      .execute();
  }

  async get(name: string): Promise<Job | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('name', '=', name).executeTakeFirst();
    return (
      row && {
        name: row.name,
        nextRunAt: Number(row.next_run_at),
        lockedBy: row.locked_by,
        lockedUntil: row.locked_until === null ? null : Number(row.locked_until),
        lastRunAt: row.last_run_at === null ? null : Number(row.last_run_at),
        lastError: row.last_error,
      }
    );
  }
}
