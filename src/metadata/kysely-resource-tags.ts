// Resource tags and account settings over the query builder (part of kysely-store.ts).
import { sql, type Kysely, type Transaction } from 'kysely';
import type { ResourceTag } from '../domain/resource-tags.js';
import type { Database } from './schema.js';
import type { AccountSettingIndex, ResourceTagIndex } from './store.js';

type Db = Kysely<Database>;

/** Raised inside a transaction to roll it back. */
class Rollback extends Error {}

export class ResourceTags implements ResourceTagIndex {
  /** `advisoryLocks`: serialize writers of one resource with a lock (PostgreSQL); SQLite serializes all writers. */
  constructor(
    private readonly db: Db,
    private readonly advisoryLocks: boolean,
  ) {}

  async list(resourceArn: string) {
    const rows = await this.db
      .selectFrom('resource_tags')
      .select(['key', 'value'])
      .where('resource_arn', '=', resourceArn)
      .execute();
    return rows
      .map((r) => ({ key: r.key, value: r.value }))
      .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  }

  async put(resourceArn: string, tags: ResourceTag[], limit: number) {
    try {
      await this.db.transaction().execute(async (trx) => {
        await this.lock(trx, resourceArn);
        for (const tag of tags) {
          await trx
            .insertInto('resource_tags')
            .values({ resource_arn: resourceArn, key: tag.key, value: tag.value })
            .onConflict((oc) => oc.columns(['resource_arn', 'key']).doUpdateSet({ value: tag.value }))
            .execute();
        }
        const { count } = await trx
          .selectFrom('resource_tags')
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .where('resource_arn', '=', resourceArn)
          .executeTakeFirstOrThrow();
        if (Number(count) > limit) throw new Rollback();
      });
      return true;
    } catch (err) {
      if (err instanceof Rollback) return false;
      throw err;
    }
  }

  async remove(resourceArn: string, keys: string[]) {
    if (keys.length === 0) return;
    await this.db
      .deleteFrom('resource_tags')
      .where('resource_arn', '=', resourceArn)
      .where('key', 'in', keys)
      .execute();
  }

  /** Two writers adding tags at once would each count only their own and pass the limit together. */
  private async lock(trx: Transaction<Database>, resourceArn: string): Promise<void> {
    if (this.advisoryLocks)
      await sql`select pg_advisory_xact_lock(hashtext(${`resource_tags:${resourceArn}`}))`.execute(trx);
  }
}

export class AccountSettings implements AccountSettingIndex {
  constructor(private readonly db: Db) {}

  async get(accountId: string, name: string) {
    const row = await this.db
      .selectFrom('account_settings')
      .select('value')
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row?.value;
  }

  async put(accountId: string, name: string, value: string) {
    await this.db
      .insertInto('account_settings')
      .values({ account_id: accountId, name, value })
      .onConflict((oc) => oc.columns(['account_id', 'name']).doUpdateSet({ value }))
      .execute();
  }
}
