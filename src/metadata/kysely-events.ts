// The events index over the query builder (part of kysely-store.ts): rules and targets, and the
// delivery outbox leased like replication's (one statement claims a due, free row; SKIP LOCKED
// on PostgreSQL).
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type {
  DeliveryStatus,
  EventDelivery,
  EventDeliveryInput,
  EventFormat,
  EventRule,
  EventTarget,
} from '../domain/records/events.js';
import { claimLeasedRow } from './kysely-lease.js';
import type { Database, EventDeliveriesTable, EventRulesTable, EventTargetsTable } from './schema.js';
import type { EventIndex } from './store-events.js';

type Db = Kysely<Database>;

function toRule(row: Selectable<EventRulesTable>): EventRule {
  return {
    accountId: row.account_id,
    name: row.name,
    pattern: row.pattern,
    state: row.state as EventRule['state'],
    description: row.description,
    createdAt: Number(row.created_at),
  };
}

function toTarget(row: Selectable<EventTargetsTable>): EventTarget {
  return {
    accountId: row.account_id,
    ruleName: row.rule_name,
    id: row.target_id,
    url: row.url,
    secret: row.secret,
    format: row.format as EventFormat,
    headers: JSON.parse(row.headers) as Record<string, string>,
  };
}

function toDelivery(row: Selectable<EventDeliveriesTable>): EventDelivery {
  return {
    id: row.id,
    eventId: row.event_id,
    accountId: row.account_id,
    ruleName: row.rule_name,
    targetId: row.target_id,
    event: row.event,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    lastError: row.last_error,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** The outbox rows of new deliveries, PENDING and due at `at` (also written by a change's own transaction). */
export function deliveryRows(deliveries: EventDeliveryInput[], at: number) {
  return deliveries.map((d) => ({
    id: randomUUID(),
    event_id: d.eventId,
    account_id: d.accountId,
    rule_name: d.ruleName,
    target_id: d.targetId,
    event: d.event,
    status: 'PENDING',
    attempts: 0,
    next_attempt_at: at,
    last_error: null,
    locked_by: null,
    locked_until: null,
    created_at: at,
    updated_at: at,
  }));
}

/** Writes a change's outbox rows in the change's own transaction (none: nothing). */
export async function insertDeliveries(
  trx: Transaction<Database>,
  deliveries: readonly EventDeliveryInput[] | undefined,
  at: number,
): Promise<void> {
  if (!deliveries || deliveries.length === 0) return;
  await trx
    .insertInto('event_deliveries')
    .values(deliveryRows([...deliveries], at))
    .execute();
}

export class KyselyEvents implements EventIndex {
  constructor(
    private readonly db: Db,
    private readonly skipLocked: boolean,
  ) {}

  async putRule(rule: EventRule) {
    const values = {
      account_id: rule.accountId,
      name: rule.name,
      pattern: rule.pattern,
      state: rule.state,
      description: rule.description,
      created_at: rule.createdAt,
    };
    await this.db
      .insertInto('event_rules')
      .values(values)
      .onConflict((oc) =>
        oc
          .columns(['account_id', 'name'])
          .doUpdateSet({ pattern: rule.pattern, state: rule.state, description: rule.description }),
      )
      .execute();
  }

  async getRule(accountId: string, name: string) {
    const row = await this.db
      .selectFrom('event_rules')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toRule(row);
  }

  async rules(accountId: string) {
    const rows = await this.db
      .selectFrom('event_rules')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('name')
      .execute();
    return rows.map(toRule);
  }

  async deleteRule(accountId: string, name: string) {
    const result = await this.db
      .deleteFrom('event_rules')
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async putTargets(targets: EventTarget[]) {
    if (targets.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const t of targets) {
        const row = {
          account_id: t.accountId,
          rule_name: t.ruleName,
          target_id: t.id,
          url: t.url,
          secret: t.secret,
          format: t.format,
          headers: JSON.stringify(t.headers),
        };
        await trx
          .insertInto('event_targets')
          .values(row)
          .onConflict((oc) =>
            oc
              .columns(['account_id', 'rule_name', 'target_id'])
              .doUpdateSet({ url: row.url, secret: row.secret, format: row.format, headers: row.headers }),
          )
          .execute();
      }
    });
  }

  async targetSecrets(after: Pick<EventTarget, 'accountId' | 'ruleName' | 'id'> | undefined, limit: number) {
    let query = this.db.selectFrom('event_targets').select(['account_id', 'rule_name', 'target_id', 'secret']);
    if (after)
      query = query.where((eb) =>
        eb.or([
          eb('account_id', '>', after.accountId),
          eb.and([eb('account_id', '=', after.accountId), eb('rule_name', '>', after.ruleName)]),
          eb.and([
            eb('account_id', '=', after.accountId),
            eb('rule_name', '=', after.ruleName),
            eb('target_id', '>', after.id),
          ]),
        ]),
      );
    const rows = await query.orderBy('account_id').orderBy('rule_name').orderBy('target_id').limit(limit).execute();
    return rows.map((r) => ({ accountId: r.account_id, ruleName: r.rule_name, id: r.target_id, secret: r.secret }));
  }

  async replaceSecret(target: Pick<EventTarget, 'accountId' | 'ruleName' | 'id'>, from: string, to: string) {
    const result = await this.db
      .updateTable('event_targets')
      .set({ secret: to })
      .where('account_id', '=', target.accountId)
      .where('rule_name', '=', target.ruleName)
      .where('target_id', '=', target.id)
      .where('secret', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async targets(accountId: string, ruleName: string) {
    const rows = await this.db
      .selectFrom('event_targets')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('rule_name', '=', ruleName)
      .orderBy('target_id')
      .execute();
    return rows.map(toTarget);
  }

  async getTarget(accountId: string, ruleName: string, targetId: string) {
    const row = await this.db
      .selectFrom('event_targets')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('rule_name', '=', ruleName)
      .where('target_id', '=', targetId)
      .executeTakeFirst();
    return row && toTarget(row);
  }

  async removeTargets(accountId: string, ruleName: string, ids: string[]) {
    if (ids.length === 0) return;
    await this.db
      .deleteFrom('event_targets')
      .where('account_id', '=', accountId)
      .where('rule_name', '=', ruleName)
      .where('target_id', 'in', ids)
      .execute();
  }

  async enqueue(deliveries: EventDeliveryInput[], at: number) {
    if (deliveries.length === 0) return;
    await this.db.insertInto('event_deliveries').values(deliveryRows(deliveries, at)).execute();
  }

  async claim(node: string, now: number, leaseUntil: number) {
    const row = await claimLeasedRow(this.db, 'event_deliveries', 'PENDING', {
      node,
      now,
      leaseUntil,
      skipLocked: this.skipLocked,
    });
    return row && toDelivery(row);
  }

  async finish(id: string, node: string, at: number, error: string | null) {
    await this.db
      .updateTable('event_deliveries')
      .set((eb) => ({
        status: error === null ? 'DELIVERED' : 'DEAD',
        last_error: error === null ? null : error.slice(0, 1024),
        attempts: eb('attempts', '+', 1),
        locked_by: null,
        locked_until: null,
        updated_at: at,
      }))
      .where('id', '=', id)
      .where('locked_by', '=', node)
      .execute();
  }

  async retry(id: string, node: string, at: number, nextAttemptAt: number, error: string) {
    await this.db
      .updateTable('event_deliveries')
      .set((eb) => ({
        last_error: error.slice(0, 1024),
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

  async deliveries(status: DeliveryStatus, accountId?: string, limit = 1000) {
    let query = this.db.selectFrom('event_deliveries').selectAll().where('status', '=', status);
    if (accountId !== undefined) query = query.where('account_id', '=', accountId);
    const rows = await query.orderBy('created_at').orderBy('id').limit(limit).execute();
    return rows.map(toDelivery);
  }

  async replay(at: number, accountId?: string, ids?: string[]) {
    if (ids !== undefined && ids.length === 0) return 0;
    let query = this.db
      .updateTable('event_deliveries')
      .set({ status: 'PENDING', attempts: 0, next_attempt_at: at, created_at: at, updated_at: at })
      .where('status', '=', 'DEAD');
    if (accountId !== undefined) query = query.where('account_id', '=', accountId);
    if (ids !== undefined) query = query.where('id', 'in', ids);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
