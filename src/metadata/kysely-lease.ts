// The one lease claim of the leased outboxes (event deliveries, replication tasks): a statement
// picks the oldest due row in `status` whose lease is free (never taken, or lapsed; SKIP LOCKED on
// PostgreSQL), and one UPDATE leases it only if it was still in `status` and free when updated, so
// that two nodes never hold one row.
import type { ExpressionBuilder, Kysely, Selectable, SelectQueryBuilder } from 'kysely';
import type { Database } from './schema.js';

/** The tables leased this way: each has id, status, next_attempt_at, locked_by and locked_until. */
export type LeasedTable = 'event_deliveries' | 'replication_tasks';

/** The candidate query, the table aliased as `t`, for a caller to narrow (a replication task waits for older ones). */
export type LeaseCandidates<T extends LeasedTable> = SelectQueryBuilder<
  Database & Record<'t', Database[T]>,
  't',
  { id: string }
>;

export interface LeaseClaim {
  node: string;
  now: number;
  leaseUntil: number;
  /** PostgreSQL: skip rows another transaction is claiming rather than wait on them. */
  skipLocked: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: the same columns in every leased table, named by strings
type AnyDb = Kysely<any>;

// biome-ignore lint/suspicious/noExplicitAny: see AnyDb
function leaseFree(now: number, column: string): (eb: ExpressionBuilder<any, any>) => any {
  return (eb) => eb.or([eb(column, 'is', null), eb(column, '<', now)]);
}

/** Leases the oldest due row of `table` in `status` to `claim.node` until `claim.leaseUntil`; the row leased, if any. */
export async function claimLeasedRow<T extends LeasedTable>(
  db: Kysely<Database>,
  table: T,
  status: string,
  claim: LeaseClaim,
  narrow: (candidates: LeaseCandidates<T>) => LeaseCandidates<T> = (candidates) => candidates,
): Promise<Selectable<Database[T]> | undefined> {
  const { node, now, leaseUntil } = claim;
  const any = db as unknown as AnyDb;
  let due = narrow(
    any
      .selectFrom(`${table as string} as t`)
      .select('t.id')
      .where('t.status', '=', status)
      .where('t.next_attempt_at', '<=', now)
      .where(leaseFree(now, 't.locked_until')) as unknown as LeaseCandidates<T>,
  )
    .orderBy('t.next_attempt_at')
    .limit(1);
  if (claim.skipLocked) due = due.forUpdate().skipLocked();
  // One statement: the row is leased only if it was still due and free when updated.
  const row = await any
    .updateTable(table as string)
    .set({ locked_by: node, locked_until: leaseUntil })
    .where('id', '=', due)
    .where('status', '=', status)
    .where(leaseFree(now, 'locked_until'))
    .returningAll()
    .executeTakeFirst();
  return row as Selectable<Database[T]> | undefined;
}
