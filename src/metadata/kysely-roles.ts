// The role and OpenID Connect provider indexes over the query builder.
import type { Kysely, RawBuilder, Selectable } from 'kysely';
import type { Database, OidcProvidersTable, RolesTable } from './schema.js';
import type { OidcProvider, Role } from '../domain/records/roles.js';
import type { OidcProviderIndex, RoleIndex } from './store.js';

type Db = Kysely<Database>;
type Ordered = (column: string) => RawBuilder<string>;

function toRole(row: Selectable<RolesTable>): Role {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    path: row.path,
    arn: row.arn,
    trustPolicy: row.trust_policy,
    description: row.description,
    maxSessionDuration: Number(row.max_session_duration),
    createdAt: Number(row.created_at),
  };
}

function toProvider(row: Selectable<OidcProvidersTable>): OidcProvider {
  return {
    arn: row.arn,
    accountId: row.account_id,
    url: row.url,
    clientIds: JSON.parse(row.client_ids) as string[],
    thumbprints: JSON.parse(row.thumbprints) as string[],
    createdAt: Number(row.created_at),
  };
}

export class Roles implements RoleIndex {
  constructor(
    private readonly db: Db,
    private readonly ordered: Ordered,
  ) {}

  async create(role: Role) {
    const result = await this.db
      .insertInto('roles')
      .values({
        id: role.id,
        account_id: role.accountId,
        name: role.name,
        path: role.path,
        arn: role.arn,
        trust_policy: role.trustPolicy,
        description: role.description,
        max_session_duration: role.maxSessionDuration,
        created_at: role.createdAt,
      })
      .onConflict((oc) => oc.columns(['account_id', 'name']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async get(accountId: string, name: string) {
    const row = await this.db
      .selectFrom('roles')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toRole(row);
  }

  async list(accountId: string) {
    const rows = await this.db
      .selectFrom('roles')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy(this.ordered('name'))
      .execute();
    return rows.map(toRole);
  }

  async setTrustPolicy(accountId: string, name: string, trustPolicy: string) {
    const result = await this.db
      .updateTable('roles')
      .set({ trust_policy: trustPolicy })
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async delete(accountId: string, name: string) {
    const result = await this.db
      .deleteFrom('roles')
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

export class OidcProviders implements OidcProviderIndex {
  constructor(
    private readonly db: Db,
    private readonly ordered: Ordered,
  ) {}

  async create(provider: OidcProvider) {
    const result = await this.db
      .insertInto('oidc_providers')
      .values({
        arn: provider.arn,
        account_id: provider.accountId,
        url: provider.url,
        client_ids: JSON.stringify(provider.clientIds),
        thumbprints: JSON.stringify(provider.thumbprints),
        created_at: provider.createdAt,
      })
      .onConflict((oc) => oc.column('arn').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async get(arn: string) {
    const row = await this.db.selectFrom('oidc_providers').selectAll().where('arn', '=', arn).executeTakeFirst();
    return row && toProvider(row);
  }

  async list(accountId: string) {
    const rows = await this.db
      .selectFrom('oidc_providers')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy(this.ordered('arn'))
      .execute();
    return rows.map(toProvider);
  }

  async delete(arn: string) {
    const result = await this.db.deleteFrom('oidc_providers').where('arn', '=', arn).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
