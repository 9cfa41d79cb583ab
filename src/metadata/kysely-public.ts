// Public repositories' catalog data, public registries, their aliases and the rate
// limit counters, over the query builder (part of kysely-store.ts).
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, RegistryAliasesTable } from './schema.js';
import { toRepository } from './kysely-repositories.js';
import { PUBLIC_KEY_PREFIX } from './registry-key.js';
import type {
  AliasStatus,
  PublicRegistry,
  PublicRepositoryEntry,
  RegistryAlias,
  RepositoryCatalog,
} from '../domain/records/public.js';
import type { PublicIndex, RateWindowIndex } from './store.js';

type Db = Kysely<Database>;

const EMPTY_CATALOG: RepositoryCatalog = {
  description: null,
  aboutText: null,
  usageText: null,
  architectures: [],
  operatingSystems: [],
  logo: null,
};

function toAlias(row: Selectable<RegistryAliasesTable>): RegistryAlias {
  return {
    name: row.name,
    accountId: row.account_id,
    status: row.status,
    primary: Number(row.is_primary) !== 0,
    default: Number(row.is_default) !== 0,
    createdAt: Number(row.created_at),
  };
}

interface CatalogColumns {
  description: string | null;
  about_text: string | null;
  usage_text: string | null;
  architectures: string | null;
  operating_systems: string | null;
  logo_media_type: string | null;
  logo: string | null;
}

function toCatalog(row: CatalogColumns, logoTypeOnly = false): RepositoryCatalog {
  const logo = logoTypeOnly
    ? row.logo_media_type
      ? { mediaType: row.logo_media_type, data: Buffer.alloc(0) }
      : null
    : row.logo && row.logo_media_type
      ? { mediaType: row.logo_media_type, data: Buffer.from(row.logo, 'base64') }
      : null;
  return {
    description: row.description,
    aboutText: row.about_text,
    usageText: row.usage_text,
    architectures: row.architectures ? (JSON.parse(row.architectures) as string[]) : [],
    operatingSystems: row.operating_systems ? (JSON.parse(row.operating_systems) as string[]) : [],
    logo,
  };
}

/** A LIKE pattern matching `term` anywhere, with LIKE's wildcards in it taken literally. */
function containing(term: string): string {
  return `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class PublicRegistries implements PublicIndex {
  constructor(private readonly db: Db) {}

  async catalog(repositoryId: string) {
    const row = await this.db
      .selectFrom('public_repositories')
      .selectAll()
      .where('repository_id', '=', repositoryId)
      .executeTakeFirst();
    return row ? toCatalog(row) : undefined;
  }

  async putCatalog(repositoryId: string, accountId: string, catalog: RepositoryCatalog) {
    const values = {
      description: catalog.description,
      about_text: catalog.aboutText,
      usage_text: catalog.usageText,
      architectures: JSON.stringify(catalog.architectures),
      operating_systems: JSON.stringify(catalog.operatingSystems),
      logo_media_type: catalog.logo?.mediaType ?? null,
      logo: catalog.logo ? catalog.logo.data.toString('base64') : null,
      updated_at: Date.now(),
    };
    await this.db
      .insertInto('public_repositories')
      .values({ repository_id: repositoryId, account_id: accountId, ...values })
      .onConflict((oc) => oc.column('repository_id').doUpdateSet(values))
      .execute();
  }

  async registry(accountId: string) {
    const row = await this.db
      .selectFrom('public_registries')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row && { accountId: row.account_id, displayName: row.display_name, createdAt: Number(row.created_at) };
  }

  async ensureRegistry(accountId: string, defaultAlias: string, at: number): Promise<PublicRegistry> {
    const existing = await this.registry(accountId);
    if (existing) return existing;
    await this.db.transaction().execute(async (trx) => {
      // A concurrent creator waits here (PostgreSQL) or is serialized (SQLite): one default alias.
      const inserted = await trx
        .insertInto('public_registries')
        .values({ account_id: accountId, display_name: '', created_at: at })
        .onConflict((oc) => oc.column('account_id').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return;
      await trx
        .insertInto('registry_aliases')
        .values({
          name: defaultAlias,
          account_id: accountId,
          status: 'ACTIVE',
          is_default: 1,
          is_primary: 1,
          created_at: at,
        })
        .execute();
    });
    const registry = await this.registry(accountId);
    if (!registry) throw new Error(`public registry of ${accountId} vanished while being created`);
    return registry;
  }

  async setDisplayName(accountId: string, displayName: string) {
    const result = await this.db
      .updateTable('public_registries')
      .set({ display_name: displayName })
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async alias(name: string) {
    const row = await this.db.selectFrom('registry_aliases').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toAlias(row);
  }

  async aliases(accountId: string) {
    const rows = await this.db
      .selectFrom('registry_aliases')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('is_default', 'desc')
      .orderBy('created_at')
      .orderBy('name')
      .execute();
    return rows.map(toAlias);
  }

  async allAliases(status?: AliasStatus) {
    let query = this.db.selectFrom('registry_aliases').selectAll();
    if (status) query = query.where('status', '=', status);
    return (await query.orderBy('created_at').orderBy('name').execute()).map(toAlias);
  }

  async requestAlias(accountId: string, name: string, at: number) {
    const result = await this.db
      .insertInto('registry_aliases')
      .values({ name, account_id: accountId, status: 'PENDING', is_default: 0, is_primary: 0, created_at: at })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async decideAlias(name: string, approve: boolean) {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('registry_aliases')
        .selectAll()
        .where('name', '=', name)
        .where('status', '=', 'PENDING')
        .executeTakeFirst();
      if (!row) return undefined;
      if (approve) {
        await trx
          .updateTable('registry_aliases')
          .set({ is_primary: 0 })
          .where('account_id', '=', row.account_id)
          .execute();
        await trx
          .updateTable('registry_aliases')
          .set({ status: 'ACTIVE', is_primary: 1 })
          .where('name', '=', name)
          .execute();
      } else {
        await trx.updateTable('registry_aliases').set({ status: 'REJECTED' }).where('name', '=', name).execute();
      }
      return toAlias(
        await trx.selectFrom('registry_aliases').selectAll().where('name', '=', name).executeTakeFirstOrThrow(),
      );
    });
  }

  async search(terms: string[], options: { accountId?: string; limit: number }): Promise<PublicRepositoryEntry[]> {
    const text = sql<string>`lower(repositories.name || ' ' || coalesce(public_repositories.description, '') || ' ' || coalesce(public_repositories.architectures, '') || ' ' || coalesce(public_repositories.operating_systems, ''))`;
    let query = this.db
      .selectFrom('repositories')
      .leftJoin('public_repositories', 'public_repositories.repository_id', 'repositories.id')
      .selectAll('repositories')
      .select([
        'public_repositories.description',
        'public_repositories.about_text',
        'public_repositories.usage_text',
        'public_repositories.architectures',
        'public_repositories.operating_systems',
        'public_repositories.logo_media_type',
      ])
      .select((eb) =>
        eb
          .selectFrom('manifests')
          .select((m) => m.fn.max('manifests.created_at').as('at'))
          .whereRef('manifests.repository_id', '=', 'repositories.id')
          .as('last_pushed_at'),
      );
    query =
      options.accountId !== undefined
        ? query.where('repositories.account_id', '=', `${PUBLIC_KEY_PREFIX}${options.accountId}`)
        : query.where('repositories.account_id', 'like', `${PUBLIC_KEY_PREFIX}%`);
    for (const term of terms) query = query.where(sql<boolean>`${text} like ${containing(term)} escape '\\'`);
    const rows = await query.orderBy('repositories.created_at', 'desc').limit(options.limit).execute();
    // Not the logos' bytes: a search lists many repositories and shows logos by URL.
    return rows.map((row) => ({
      repository: toRepository(row),
      catalog: row.architectures === null ? EMPTY_CATALOG : toCatalog({ ...row, logo: null }, true),
      lastPushedAt: row.last_pushed_at === null ? null : Number(row.last_pushed_at),
    }));
  }
}

export class RateWindows implements RateWindowIndex {
  constructor(private readonly db: Db) {}

  async hit(key: string, windowStart: number) {
    const row = await this.db
      .insertInto('rate_windows')
      .values({ key, window_start: windowStart, count: 1 })
      .onConflict((oc) =>
        oc.columns(['key', 'window_start']).doUpdateSet({ count: sql<number>`rate_windows.count + 1` }),
      )
      .returning('count')
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async prune(before: number) {
    const result = await this.db.deleteFrom('rate_windows').where('window_start', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
