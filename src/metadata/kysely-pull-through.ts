// The pull-through cache's rules, tag checks and fetch leases over the query builder (part of kysely-store.ts).
import type { Kysely, Selectable } from 'kysely';
import type { PullThroughRule, UpstreamRegistry } from '../domain/records/pull-through.js';
import type { Ordered } from './kysely-repositories.js';
import type { Database, PullThroughRulesTable } from './schema.js';
import type { PullThroughIndex } from './store.js';

type Db = Kysely<Database>;

function toRule(row: Selectable<PullThroughRulesTable>): PullThroughRule {
  return {
    accountId: row.account_id,
    prefix: row.prefix,
    upstreamRegistryUrl: row.upstream_registry_url,
    upstreamRegistry: row.upstream_registry as UpstreamRegistry | null,
    credentialArn: row.credential_arn,
    customRoleArn: row.custom_role_arn,
    upstreamRepositoryPrefix: row.upstream_repository_prefix,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export class KyselyPullThrough implements PullThroughIndex {
  constructor(
    private readonly db: Db,
    private readonly ordered: Ordered,
  ) {}

  async createRule(rule: PullThroughRule) {
    const result = await this.db
      .insertInto('pull_through_rules')
      .values({
        account_id: rule.accountId,
        prefix: rule.prefix,
        upstream_registry_url: rule.upstreamRegistryUrl,
        upstream_registry: rule.upstreamRegistry,
        credential_arn: rule.credentialArn,
        custom_role_arn: rule.customRoleArn,
        upstream_repository_prefix: rule.upstreamRepositoryPrefix,
        created_at: rule.createdAt,
        updated_at: rule.updatedAt,
      })
      .onConflict((oc) => oc.columns(['account_id', 'prefix']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async getRule(accountId: string, prefix: string) {
    const row = await this.db
      .selectFrom('pull_through_rules')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('prefix', '=', prefix)
      .executeTakeFirst();
    return row && toRule(row);
  }

  async updateRule(
    accountId: string,
    prefix: string,
    change: { credentialArn: string | null; customRoleArn: string | null },
    at: number,
  ) {
    const row = await this.db
      .updateTable('pull_through_rules')
      .set({ credential_arn: change.credentialArn, custom_role_arn: change.customRoleArn, updated_at: at })
      .where('account_id', '=', accountId)
      .where('prefix', '=', prefix)
      .returningAll()
      .executeTakeFirst();
    return row && toRule(row);
  }

  async deleteRule(accountId: string, prefix: string) {
    const row = await this.db
      .deleteFrom('pull_through_rules')
      .where('account_id', '=', accountId)
      .where('prefix', '=', prefix)
      .returningAll()
      .executeTakeFirst();
    return row && toRule(row);
  }

  async listRules(accountId: string, page: { last?: string; limit: number; prefixes?: string[] }) {
    if (page.prefixes?.length === 0) return [];
    let query = this.db.selectFrom('pull_through_rules').selectAll().where('account_id', '=', accountId);
    if (page.prefixes) query = query.where('prefix', 'in', page.prefixes);
    if (page.last !== undefined) query = query.where(this.ordered('prefix'), '>', page.last);
    const rows = await query.orderBy(this.ordered('prefix')).limit(page.limit).execute();
    return rows.map(toRule);
  }

  async countRules(accountId: string) {
    const row = await this.db
      .selectFrom('pull_through_rules')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async tagCheckedAt(repositoryId: string, tag: string) {
    const row = await this.db
      .selectFrom('pull_through_tag_checks')
      .select('checked_at')
      .where('repository_id', '=', repositoryId)
      .where('tag', '=', tag)
      .executeTakeFirst();
    return row && Number(row.checked_at);
  }

  async setTagChecked(repositoryId: string, tag: string, at: number) {
    // Only while the repository exists: its rows go with it (a foreign key), and a check noted as
    // it is deleted is no failure.
    await this.db
      .insertInto('pull_through_tag_checks')
      .columns(['repository_id', 'tag', 'checked_at'])
      .expression((eb) =>
        eb
          .selectFrom('repositories')
          .select([eb.val(repositoryId).as('repository_id'), eb.val(tag).as('tag'), eb.val(at).as('checked_at')])
          .where('id', '=', repositoryId),
      )
      .onConflict((oc) => oc.columns(['repository_id', 'tag']).doUpdateSet({ checked_at: at }))
      .execute();
  }

  async leaseFetch(key: string, holder: string, now: number, until: number) {
    // One statement: the lease is taken only if it was free, run out, or already the holder's.
    const result = await this.db
      .insertInto('pull_through_fetches')
      .values({ fetch_key: key, holder, until })
      .onConflict((oc) =>
        oc
          .column('fetch_key')
          .doUpdateSet({ holder, until })
          .where((eb) =>
            eb.or([eb('pull_through_fetches.until', '<', now), eb('pull_through_fetches.holder', '=', holder)]),
          ),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async releaseFetch(key: string, holder: string) {
    await this.db
      .deleteFrom('pull_through_fetches')
      .where('fetch_key', '=', key)
      .where('holder', '=', holder)
      .execute();
  }
}
