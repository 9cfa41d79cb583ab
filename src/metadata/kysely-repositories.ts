// Repositories over the query builder (part of kysely-store.ts): names, settings, and deletion
// that takes everything in the repository with it (the schema cascades) plus its resource tags.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type RawBuilder, type Selectable, type Transaction } from 'kysely';
import type { ResourceTag } from '../domain/resource-tags.js';
import type { ImageTagMutability, TagMutability, TagMutabilityFilter } from '../domain/tag-mutability.js';
import { repositoryGone, retryingConflicts } from './kysely-conflicts.js';
import type { Database, RepositoriesTable } from './schema.js';
import type { EncryptionType, Repository, RepositorySettings } from '../domain/records/repositories.js';
import type { Page, RepositoryIndex } from './store.js';
import type { EventDeliveryInput } from '../domain/records/events.js';
import { insertDeliveries } from './kysely-events.js';

type Db = Kysely<Database>;
export type Ordered = (column: string) => RawBuilder<string>;

export function toRepository(row: Selectable<RepositoriesTable>): Repository {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    createdAt: Number(row.created_at),
    imageTagMutability: row.image_tag_mutability as ImageTagMutability,
    imageTagMutabilityExclusionFilters: row.tag_mutability_exclusions
      ? (JSON.parse(row.tag_mutability_exclusions) as TagMutabilityFilter[])
      : [],
    scanOnPush: Number(row.scan_on_push) !== 0,
    encryptionType: row.encryption_type as EncryptionType,
    kmsKey: row.kms_key,
  };
}

function exclusionsColumn(mutability: TagMutability): string | null {
  const filters = mutability.imageTagMutabilityExclusionFilters;
  return filters.length > 0
    ? JSON.stringify(filters.map((f) => ({ filterType: f.filterType, filter: f.filter })))
    : null;
}

/** Replaces a resource's tags (inside the caller's transaction). */
export async function replaceResourceTags(
  trx: Transaction<Database>,
  resourceArn: string,
  tags: ResourceTag[],
): Promise<void> {
  await trx.deleteFrom('resource_tags').where('resource_arn', '=', resourceArn).execute();
  if (tags.length > 0) {
    await trx
      .insertInto('resource_tags')
      .values(tags.map((t) => ({ resource_arn: resourceArn, key: t.key, value: t.value })))
      .execute();
  }
}

export class Repositories implements RepositoryIndex {
  constructor(
    private readonly db: Db,
    private readonly ordered: Ordered,
    /** Row locks (`select … for update`): PostgreSQL. */
    private readonly rowLocks = false,
  ) {}

  async get(accountId: string, name: string) {
    const row = await this.db
      .selectFrom('repositories')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toRepository(row);
  }

  async getById(id: string) {
    const row = await this.db.selectFrom('repositories').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRepository(row);
  }

  async ensure(accountId: string, name: string) {
    // A repository deleted between the insert (which found it) and the read is created again:
    // the push that asked for it makes it, as it would have a moment later.
    for (let attempt = 1; ; attempt++) {
      await this.db
        .insertInto('repositories')
        .values({ id: randomUUID(), account_id: accountId, name, created_at: Date.now() })
        .onConflict((oc) => oc.columns(['account_id', 'name']).doNothing())
        .execute();
      const repository = await this.get(accountId, name);
      if (repository) return repository;
      if (attempt === 3) throw repositoryGone();
    }
  }

  async create(
    accountId: string,
    name: string,
    settings: RepositorySettings,
    tags?: { resourceArn: string; tags: ResourceTag[] },
    events?: EventDeliveryInput[],
  ) {
    return this.db.transaction().execute(async (trx) => {
      const id = randomUUID();
      const result = await trx
        .insertInto('repositories')
        .values({
          id,
          account_id: accountId,
          name,
          created_at: Date.now(),
          image_tag_mutability: settings.imageTagMutability,
          tag_mutability_exclusions: exclusionsColumn(settings),
          scan_on_push: settings.scanOnPush ? 1 : 0,
          encryption_type: settings.encryptionType,
          kms_key: settings.kmsKey,
        })
        .onConflict((oc) => oc.columns(['account_id', 'name']).doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) return undefined;
      // Tags an earlier repository of this name left behind (a deletion cut short) are not its.
      if (tags) await replaceResourceTags(trx, tags.resourceArn, tags.tags);
      const row = await trx.selectFrom('repositories').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      await insertDeliveries(trx, events, Number(row.created_at));
      return toRepository(row);
    });
  }

  async list(accountId: string, page: Page) {
    let query = this.db.selectFrom('repositories').select('name').where('account_id', '=', accountId);
    if (page.last !== undefined) query = query.where(this.ordered('name'), '>', page.last);
    const rows = await query.orderBy(this.ordered('name')).limit(page.limit).execute();
    return rows.map((r) => r.name);
  }

  async describe(accountId: string, page: Page) {
    let query = this.db.selectFrom('repositories').selectAll().where('account_id', '=', accountId);
    if (page.last !== undefined) query = query.where(this.ordered('name'), '>', page.last);
    const rows = await query.orderBy(this.ordered('name')).limit(page.limit).execute();
    return rows.map(toRepository);
  }

  async describeByCreation(
    accountId: string,
    page: { after?: { createdAt: number; name: string }; limit: number; oldestFirst?: boolean },
  ) {
    const direction = page.oldestFirst ? 'asc' : 'desc';
    const beyond = page.oldestFirst ? '>' : '<';
    let query = this.db.selectFrom('repositories').selectAll().where('account_id', '=', accountId);
    const after = page.after;
    if (after !== undefined)
      query = query.where((eb) =>
        eb.or([
          eb('created_at', beyond, after.createdAt),
          eb.and([eb('created_at', '=', after.createdAt), eb(this.ordered('name'), beyond, after.name)]),
        ]),
      );
    const rows = await query
      .orderBy('created_at', direction)
      .orderBy(this.ordered('name'), direction)
      .limit(page.limit)
      .execute();
    return rows.map(toRepository);
  }

  async setScanOnPush(id: string, scanOnPush: boolean) {
    const row = await this.db
      .updateTable('repositories')
      .set({ scan_on_push: scanOnPush ? 1 : 0 })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toRepository(row);
  }

  async setTagMutability(id: string, mutability: TagMutability) {
    const row = await this.db
      .updateTable('repositories')
      .set({
        image_tag_mutability: mutability.imageTagMutability,
        tag_mutability_exclusions: exclusionsColumn(mutability),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toRepository(row);
  }

  async delete(id: string, options: { ifEmpty?: boolean; resourceArn?: string; events?: EventDeliveryInput[] } = {}) {
    // Pushes into it hold its row until they commit: the delete waits for them, then takes their
    // content with it; one aborted for a deadlock runs again.
    return retryingConflicts(() =>
      this.db.transaction().execute(async (trx) => {
        // The row first: a push storing a manifest in it holds it (its foreign key) until it
        // commits, so the emptiness check below, a statement of its own, sees that manifest; a push
        // after this lock finds the repository gone. Without it a push could commit between the
        // check and the delete, and a delete of an empty repository would take that image along.
        if (this.rowLocks && options.ifEmpty) {
          if (!(await trx.selectFrom('repositories').select('id').where('id', '=', id).forUpdate().executeTakeFirst()))
            return false;
        }
        const named = await trx
          .selectFrom('repositories')
          .select(['account_id', 'name'])
          .where('id', '=', id)
          .executeTakeFirst();
        let query = trx.deleteFrom('repositories').where('id', '=', id);
        if (options.ifEmpty) {
          query = query.where(({ not, exists, selectFrom }) =>
            not(exists(selectFrom('manifests').select(sql.lit(1).as('one')).where('manifests.repository_id', '=', id))),
          );
        }
        const result = await query.executeTakeFirst();
        if (Number(result.numDeletedRows) === 0) return false;
        // Its images' scans and signing statuses and its signature requirement go with it (not
        // tied to it by a foreign key), or a repository of the same name would inherit them.
        if (named)
          await trx
            .deleteFrom('image_scans')
            .where('account_id', '=', named.account_id)
            .where('repository_name', '=', named.name)
            .execute();
        await trx.deleteFrom('image_signing_statuses').where('repository_id', '=', id).execute();
        await trx.deleteFrom('signature_requirements').where('repository_id', '=', id).execute();
        if (options.resourceArn !== undefined) await replaceResourceTags(trx, options.resourceArn, []);
        await insertDeliveries(trx, options.events, Date.now());
        return true;
      }),
    );
  }
}
