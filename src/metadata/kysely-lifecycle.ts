// The lifecycle index over the query builder: lifecycle policies and previews, the record of
// lifecycle's actions, pull time update exclusions and runtime principals' pulls.
import type { Kysely, Selectable } from 'kysely';
import type { Database, LifecyclePoliciesTable } from './schema.js';
import type {
  LifecycleActionRecord,
  LifecyclePolicyRecord,
  LifecyclePreviewStatus,
} from '../domain/records/lifecycle.js';
import type { LifecycleIndex } from './store-lifecycle.js';

type Db = Kysely<Database>;

function toPolicy(row: Selectable<LifecyclePoliciesTable>): LifecyclePolicyRecord {
  return {
    repositoryId: row.repository_id,
    policyText: row.policy_text,
    updatedAt: Number(row.updated_at),
    lastEvaluatedAt: row.last_evaluated_at === null ? null : Number(row.last_evaluated_at),
  };
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class KyselyLifecycle implements LifecycleIndex {
  constructor(
    private readonly db: Db,
    /** Row locks (PostgreSQL); SQLite serializes writers instead. */
    private readonly rowLocks: boolean,
  ) {}

  async getPolicy(repositoryId: string) {
    const row = await this.db
      .selectFrom('lifecycle_policies')
      .selectAll()
      .where('repository_id', '=', repositoryId)
      .executeTakeFirst();
    return row && toPolicy(row);
  }

  async putPolicy(repositoryId: string, policyText: string, at: number) {
    return this.db.transaction().execute(async (trx) => {
      const repository = await trx
        .selectFrom('repositories')
        .select('id')
        .where('id', '=', repositoryId)
        .executeTakeFirst();
      if (!repository) return false;
      await trx
        .insertInto('lifecycle_policies')
        .values({ repository_id: repositoryId, policy_text: policyText, updated_at: at, last_evaluated_at: null })
        .onConflict((oc) => oc.column('repository_id').doUpdateSet({ policy_text: policyText, updated_at: at }))
        .execute();
      return true;
    });
  }

  async deletePolicy(repositoryId: string) {
    const row = await this.db
      .deleteFrom('lifecycle_policies')
      .where('repository_id', '=', repositoryId)
      .returningAll()
      .executeTakeFirst();
    return row && toPolicy(row);
  }

  async markEvaluated(repositoryId: string, at: number) {
    await this.db
      .updateTable('lifecycle_policies')
      .set({ last_evaluated_at: at })
      .where('repository_id', '=', repositoryId)
      .execute();
  }

  async policies(page: { after?: string; limit: number }) {
    let query = this.db.selectFrom('lifecycle_policies').selectAll().orderBy('repository_id').limit(page.limit);
    if (page.after !== undefined) query = query.where('repository_id', '>', page.after);
    return (await query.execute()).map(toPolicy);
  }

  async getPreview(repositoryId: string) {
    const row = await this.db
      .selectFrom('lifecycle_previews')
      .selectAll()
      .where('repository_id', '=', repositoryId)
      .executeTakeFirst();
    return (
      row && {
        repositoryId: row.repository_id,
        policyText: row.policy_text,
        status: row.status as LifecyclePreviewStatus,
        startedAt: Number(row.started_at),
        results: row.results,
      }
    );
  }

  async startPreview(repositoryId: string, policyText: string, at: number, busySince: number) {
    return this.db.transaction().execute(async (trx) => {
      let lookup = trx.selectFrom('repositories').select('id').where('id', '=', repositoryId);
      if (this.rowLocks) lookup = lookup.forUpdate();
      const repository = await lookup.executeTakeFirst();
      if (!repository) return false;
      const busy = await trx
        .selectFrom('lifecycle_previews')
        .select('started_at')
        .where('repository_id', '=', repositoryId)
        .where('status', '=', 'IN_PROGRESS')
        .where('started_at', '>=', busySince)
        .executeTakeFirst();
      if (busy) return false;
      const values = { policy_text: policyText, status: 'IN_PROGRESS', started_at: at, results: null };
      await trx
        .insertInto('lifecycle_previews')
        .values({ repository_id: repositoryId, ...values })
        .onConflict((oc) => oc.column('repository_id').doUpdateSet(values))
        .execute();
      return true;
    });
  }

  async finishPreview(repositoryId: string, startedAt: number, status: LifecyclePreviewStatus, results: string | null) {
    await this.db
      .updateTable('lifecycle_previews')
      .set({ status, results })
      .where('repository_id', '=', repositoryId)
      .where('started_at', '=', startedAt)
      .execute();
  }

  async recordActions(actions: readonly LifecycleActionRecord[]) {
    if (actions.length === 0) return;
    await this.db
      .insertInto('lifecycle_actions')
      .values(
        actions.map((a) => ({
          id: a.id,
          at: a.at,
          repository_id: a.repositoryId,
          repository_name: a.repositoryName,
          digest: a.digest,
          tags: JSON.stringify(a.tags),
          rule_priority: a.rulePriority,
          action: a.action,
          actor: a.actor,
        })),
      )
      .execute();
  }

  async actions(repositoryId: string) {
    const rows = await this.db
      .selectFrom('lifecycle_actions')
      .selectAll()
      .where('repository_id', '=', repositoryId)
      .orderBy('at')
      .orderBy('id')
      .execute();
    return rows.map(
      (row): LifecycleActionRecord => ({
        id: row.id,
        at: Number(row.at),
        repositoryId: row.repository_id,
        repositoryName: row.repository_name,
        digest: row.digest,
        tags: JSON.parse(row.tags) as string[],
        rulePriority: Number(row.rule_priority),
        action: row.action as LifecycleActionRecord['action'],
        actor: 'lifecycle',
      }),
    );
  }

  async addExclusion(accountId: string, principalArn: string, at: number) {
    const result = await this.db
      .insertInto('pull_time_exclusions')
      .values({ account_id: accountId, principal_arn: principalArn, created_at: at })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async removeExclusion(accountId: string, principalArn: string) {
    const result = await this.db
      .deleteFrom('pull_time_exclusions')
      .where('account_id', '=', accountId)
      .where('principal_arn', '=', principalArn)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async exclusions(accountId: string, page: { after?: string; limit: number }) {
    const rows = await this.db
      .selectFrom('pull_time_exclusions')
      .select(['principal_arn', 'created_at'])
      .where('account_id', '=', accountId)
      .execute();
    return rows
      .map((r) => ({ principalArn: r.principal_arn, createdAt: Number(r.created_at) }))
      .filter((r) => page.after === undefined || r.principalArn > page.after)
      .sort((a, b) => byteOrder(a.principalArn, b.principalArn))
      .slice(0, page.limit);
  }

  async exclusionCount(accountId: string) {
    const row = await this.db
      .selectFrom('pull_time_exclusions')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async recordPrincipalPull(repositoryId: string, digest: string, principalArn: string, at: number) {
    await this.db
      .insertInto('principal_pulls')
      .values({ repository_id: repositoryId, digest, principal_arn: principalArn, last_pulled_at: at })
      .onConflict((oc) =>
        oc
          .columns(['repository_id', 'digest', 'principal_arn'])
          .doUpdateSet({ last_pulled_at: at })
          .where('principal_pulls.last_pulled_at', '<', at),
      )
      .execute();
  }

  async principalPulls(repositoryId: string, digests: readonly string[], since: number) {
    if (digests.length === 0) return [];
    const rows = await this.db
      .selectFrom('principal_pulls')
      .select(['digest', 'principal_arn', 'last_pulled_at'])
      .where('repository_id', '=', repositoryId)
      .where('digest', 'in', [...digests])
      .where('last_pulled_at', '>=', since)
      .execute();
    return rows.map((r) => ({
      digest: r.digest,
      principalArn: r.principal_arn,
      lastPulledAt: Number(r.last_pulled_at),
    }));
  }
}
