// The replication index over the query builder (part of kysely-store.ts): configurations as JSON,
// and the outbox leased like the jobs (one statement claims a due, free row; SKIP LOCKED on
// PostgreSQL).
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type {
  ReplicationRule,
  ReplicationStatus,
  ReplicationTask,
  ReplicationTaskInput,
} from '../domain/records/replication.js';
import type { Database, ReplicationTasksTable } from './schema.js';
import type { ReplicationIndex } from './store-replication.js';

type Db = Kysely<Database>;

function toTask(row: Selectable<ReplicationTasksTable>): ReplicationTask {
  return {
    id: row.id,
    accountId: row.account_id,
    repositoryName: row.repository_name,
    digest: row.digest,
    tags: JSON.parse(row.tags) as string[],
    destination: { region: row.dest_region, registryId: row.dest_registry_id },
    status: row.status as ReplicationStatus,
    failureCode: row.failure_code,
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** The outbox rows of new replications, IN_PROGRESS and due at `at` (also written by a manifest put's transaction). */
export function taskRows(tasks: ReplicationTaskInput[], at: number) {
  return tasks.map((t) => ({
    id: randomUUID(),
    account_id: t.accountId,
    repository_name: t.repositoryName,
    digest: t.digest,
    tags: JSON.stringify(t.tags),
    dest_region: t.destination.region,
    dest_registry_id: t.destination.registryId,
    status: 'IN_PROGRESS',
    failure_code: null,
    attempts: 0,
    next_attempt_at: at,
    locked_by: null,
    locked_until: null,
    created_at: at,
    updated_at: at,
  }));
}

export class KyselyReplication implements ReplicationIndex {
  constructor(
    private readonly db: Db,
    private readonly skipLocked: boolean,
  ) {}

  async rules(accountId: string) {
    const row = await this.db
      .selectFrom('replication_configurations')
      .select('rules')
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row ? (JSON.parse(row.rules) as ReplicationRule[]) : [];
  }

  async putRules(accountId: string, rules: ReplicationRule[], at: number) {
    if (rules.length === 0) {
      await this.db.deleteFrom('replication_configurations').where('account_id', '=', accountId).execute();
      return;
    }
    const json = JSON.stringify(rules);
    await this.db
      .insertInto('replication_configurations')
      .values({ account_id: accountId, rules: json, updated_at: at })
      .onConflict((oc) => oc.column('account_id').doUpdateSet({ rules: json, updated_at: at }))
      .execute();
  }

  async enqueue(tasks: ReplicationTaskInput[], at: number) {
    if (tasks.length === 0) return [];
    const rows = taskRows(tasks, at);
    await this.db.insertInto('replication_tasks').values(rows).execute();
    return rows.map(toTask);
  }

  async claim(node: string, now: number, leaseUntil: number) {
    let due = this.db
      .selectFrom('replication_tasks')
      .select('id')
      .where('status', '=', 'IN_PROGRESS')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .orderBy('next_attempt_at')
      .limit(1);
    if (this.skipLocked) due = due.forUpdate().skipLocked();
    // One statement: the row is leased only if it was still due and free when updated.
    const row = await this.db
      .updateTable('replication_tasks')
      .set({ locked_by: node, locked_until: leaseUntil })
      .where('id', '=', due)
      .where('status', '=', 'IN_PROGRESS')
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .returningAll()
      .executeTakeFirst();
    return row && toTask(row);
  }

  async renew(id: string, node: string, leaseUntil: number) {
    const result = await this.db
      .updateTable('replication_tasks')
      .set({ locked_until: leaseUntil })
      .where('id', '=', id)
      .where('locked_by', '=', node)
      .where('status', '=', 'IN_PROGRESS')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async finish(id: string, node: string, at: number, failureCode: string | null) {
    await this.db
      .updateTable('replication_tasks')
      .set((eb) => ({
        status: failureCode === null ? 'COMPLETE' : 'FAILED',
        failure_code: failureCode,
        attempts: eb('attempts', '+', 1),
        locked_by: null,
        locked_until: null,
        updated_at: at,
      }))
      .where('id', '=', id)
      .where('locked_by', '=', node)
      .execute();
  }

  async retry(id: string, node: string, at: number, nextAttemptAt: number, failureCode: string) {
    await this.db
      .updateTable('replication_tasks')
      .set((eb) => ({
        failure_code: failureCode,
        attempts: eb('attempts', '+', 1),
        next_attempt_at: nextAttemptAt,
        locked_by: null,
        locked_until: null,
        updated_at: at,
      }))
      .where('id', '=', id)
      .where('locked_by', '=', node)
      .execute();
  }

  async statuses(accountId: string, repositoryName: string, digest: string) {
    const rows = await this.db
      .selectFrom('replication_tasks')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('repository_name', '=', repositoryName)
      .where('digest', '=', digest)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
    const newest = new Map<string, ReplicationTask>();
    for (const row of rows) {
      const key = `${row.dest_region}\u0000${row.dest_registry_id}`;
      if (!newest.has(key)) newest.set(key, toTask(row));
    }
    return [...newest.values()].sort(
      (a, b) =>
        a.destination.region.localeCompare(b.destination.region) ||
        a.destination.registryId.localeCompare(b.destination.registryId),
    );
  }
}
