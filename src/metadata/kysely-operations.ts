// The metrics' read of waiting work over the query builder (part of kysely-store.ts).
import type { Kysely } from 'kysely';
import type { OperationalGauges } from '../domain/operational-gauges.js';
import type { Database } from './schema.js';
import type { OperationsIndex } from './store-operations.js';

type Db = Kysely<Database>;

const age = (now: number, oldest: unknown) =>
  oldest === null || oldest === undefined ? 0 : Math.max(0, now - Number(oldest));

export class KyselyOperations implements OperationsIndex {
  constructor(private readonly db: Db) {}

  async gauges(now: number): Promise<OperationalGauges> {
    const uploads = await this.db
      .selectFrom('uploads')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    const jobs = await this.db
      .selectFrom('jobs')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.min('next_run_at').as('oldest')])
      .where('next_run_at', '<=', now)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .executeTakeFirst();
    const replication = await this.db
      .selectFrom('replication_tasks')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.min('created_at').as('oldest')])
      .where('status', '=', 'IN_PROGRESS')
      .executeTakeFirst();
    const gc = await this.db
      .selectFrom('gc_deletions')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    return {
      uploadSessions: Number(uploads?.n ?? 0),
      jobsDue: Number(jobs?.n ?? 0),
      oldestDueJobMs: age(now, jobs?.oldest),
      replicationPending: Number(replication?.n ?? 0),
      oldestReplicationMs: age(now, replication?.oldest),
      gcDeletionsPending: Number(gc?.n ?? 0),
    };
  }
}
