// The replication index over the query builder (part of kysely-store.ts): configurations as JSON,
// and the outbox leased like the jobs (one statement claims a due, free row; SKIP LOCKED on
// PostgreSQL). A task is claimable only when no older task in progress shares one of its tags
// (same repository and destination): workers run several at once and a tag still moves in order.
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type {
  ReplicationRule,
  ReplicationStatus,
  ReplicationTask,
  ReplicationTaskInput,
} from '../domain/records/replication.js';
import { claimLeasedRow } from './kysely-lease.js';
import type { Database, ReplicationTasksTable } from './schema.js';
import type { ReplicationIndex } from './store-replication.js';
import type { EventDeliveryInput } from '../domain/records/events.js';
import { insertDeliveries } from './kysely-events.js';

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
    resume:
      row.resume_digest && row.resume_location
        ? { digest: row.resume_digest, location: row.resume_location, offset: Number(row.resume_offset ?? 0) }
        : null,
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
    resume_digest: null,
    resume_location: null,
    resume_offset: null,
  }));
}

/**
 * Inserts new replications (in the caller's transaction, when it has one: a manifest put's), with
 * the rows of their tags that order them.
 */
export async function insertTasks(db: Db | Transaction<Database>, tasks: ReplicationTaskInput[], at: number) {
  const rows = taskRows(tasks, at);
  if (rows.length === 0) return rows;
  await db.insertInto('replication_tasks').values(rows).execute();
  const tags = rows.flatMap((row, i) =>
    [...new Set(tasks[i]?.tags ?? [])].map((tag) => ({
      task_id: row.id,
      account_id: row.account_id,
      repository_name: row.repository_name,
      dest_region: row.dest_region,
      dest_registry_id: row.dest_registry_id,
      tag,
    })),
  );
  if (tags.length > 0) await db.insertInto('replication_task_tags').values(tags).execute();
  return rows;
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
    const rows = await this.db.transaction().execute((trx) => insertTasks(trx, tasks, at));
    return rows.map(toTask);
  }

  async claim(node: string, now: number, leaseUntil: number) {
    const claim = { node, now, leaseUntil, skipLocked: this.skipLocked };
    const row = await claimLeasedRow(this.db, 'replication_tasks', 'IN_PROGRESS', claim, (due) =>
      // Not while an older task in progress moves one of its tags (same repository and destination).
      due.where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('replication_task_tags as mine')
              .innerJoin('replication_task_tags as other', (join) =>
                join
                  .onRef('other.account_id', '=', 'mine.account_id')
                  .onRef('other.repository_name', '=', 'mine.repository_name')
                  .onRef('other.dest_region', '=', 'mine.dest_region')
                  .onRef('other.dest_registry_id', '=', 'mine.dest_registry_id')
                  .onRef('other.tag', '=', 'mine.tag'),
              )
              .innerJoin('replication_tasks as older', 'older.id', 'other.task_id')
              .select('older.id')
              .whereRef('mine.task_id', '=', 't.id')
              .where('older.status', '=', 'IN_PROGRESS')
              .where((o) =>
                o.or([
                  o('older.created_at', '<', o.ref('t.created_at')),
                  o.and([o('older.created_at', '=', o.ref('t.created_at')), o('older.id', '<', o.ref('t.id'))]),
                ]),
              ),
          ),
        ),
      ),
    );
    return row && toTask(row);
  }

  async saveResume(id: string, node: string, resume: ReplicationTask['resume']) {
    await this.db
      .updateTable('replication_tasks')
      .set({
        resume_digest: resume?.digest ?? null,
        resume_location: resume?.location ?? null,
        resume_offset: resume?.offset ?? null,
      })
      .where('id', '=', id)
      .where('locked_by', '=', node)
      .where('status', '=', 'IN_PROGRESS')
      .execute();
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

  async finish(id: string, node: string, at: number, failureCode: string | null, events?: EventDeliveryInput[]) {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('replication_tasks')
        .set((eb) => ({
          status: failureCode === null ? 'COMPLETE' : 'FAILED',
          failure_code: failureCode,
          attempts: eb('attempts', '+', 1),
          locked_by: null,
          locked_until: null,
          resume_digest: null,
          resume_location: null,
          resume_offset: null,
          updated_at: at,
        }))
        .where('id', '=', id)
        .where('locked_by', '=', node)
        .executeTakeFirst();
      // A finished task orders nothing any more: the next task of its tags may go.
      if (Number(result.numUpdatedRows) === 0) return false;
      await trx.deleteFrom('replication_task_tags').where('task_id', '=', id).execute();
      // The replication's events commit with its completion (none for a task another node took over).
      await insertDeliveries(trx, events, at);
      return true;
    });
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
