// The key service's keys, key material, aliases and grants over the query builder (part of kysely-store.ts).
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Ordered } from './kysely-repositories.js';
import type { Database, KmsAliasesTable, KmsGrantsTable, KmsKeyMaterialTable, KmsKeysTable } from './schema.js';
import type { KmsAlias, KmsGrant, KmsKey, KmsKeyMaterial, KmsKeyState } from '../domain/records/kms.js';
import type { KmsIndex, KmsKeyChanges } from './store.js';

type Db = Kysely<Database>;

const nullableNumber = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);

function toKey(row: Selectable<KmsKeysTable>): KmsKey {
  return {
    id: row.id,
    accountId: row.account_id,
    arn: row.arn,
    description: row.description,
    state: row.key_state as KmsKeyState,
    keyUsage: row.key_usage,
    keySpec: row.key_spec,
    createdAt: Number(row.created_at),
    deletionDate: nullableNumber(row.deletion_date),
    pendingWindowDays: nullableNumber(row.pending_window_days),
    rotationEnabled: Number(row.rotation_enabled) !== 0,
    rotationPeriodDays: nullableNumber(row.rotation_period_days),
    policy: row.policy,
  };
}

function toMaterial(row: Selectable<KmsKeyMaterialTable>): KmsKeyMaterial {
  return { keyId: row.key_id, version: Number(row.version), sealed: row.sealed, createdAt: Number(row.created_at) };
}

function toAlias(row: Selectable<KmsAliasesTable>): KmsAlias {
  return {
    accountId: row.account_id,
    name: row.name,
    keyId: row.key_id,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toGrant(row: Selectable<KmsGrantsTable>): KmsGrant {
  return {
    id: row.id,
    keyId: row.key_id,
    name: row.name,
    granteePrincipal: row.grantee_principal,
    retiringPrincipal: row.retiring_principal,
    issuingAccount: row.issuing_account,
    operations: JSON.parse(row.operations) as string[],
    constraints: row.grant_constraints === null ? null : (JSON.parse(row.grant_constraints) as KmsGrant['constraints']),
    token: row.token,
    createdAt: Number(row.created_at),
  };
}

export class Kms implements KmsIndex {
  constructor(
    private readonly db: Db,
    private readonly ordered: Ordered,
  ) {}

  async createKey(key: KmsKey, material: KmsKeyMaterial) {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('kms_keys')
        .values({
          id: key.id,
          account_id: key.accountId,
          arn: key.arn,
          description: key.description,
          key_state: key.state,
          key_usage: key.keyUsage,
          key_spec: key.keySpec,
          created_at: key.createdAt,
          deletion_date: key.deletionDate,
          pending_window_days: key.pendingWindowDays,
          rotation_enabled: key.rotationEnabled ? 1 : 0,
          rotation_period_days: key.rotationPeriodDays,
          policy: key.policy,
        })
        .execute();
      await trx
        .insertInto('kms_key_material')
        .values({
          key_id: material.keyId,
          version: material.version,
          sealed: material.sealed,
          created_at: material.createdAt,
        })
        .execute();
    });
  }

  async getKey(id: string) {
    const row = await this.db.selectFrom('kms_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toKey(row);
  }

  async listKeys(accountId: string, after: string | undefined, limit: number, liveAt?: number) {
    let query = this.db.selectFrom('kms_keys').selectAll().where('account_id', '=', accountId);
    if (after !== undefined) query = query.where(this.ordered('id'), '>', after);
    if (liveAt !== undefined)
      query = query.where((eb) =>
        eb.or([
          eb('key_state', '!=', 'PendingDeletion'),
          eb('deletion_date', 'is', null),
          eb('deletion_date', '>', liveAt),
        ]),
      );
    return (await query.orderBy(this.ordered('id')).limit(limit).execute()).map(toKey);
  }

  async updateKey(id: string, changes: KmsKeyChanges) {
    const set: Updateable<KmsKeysTable> = {};
    if (changes.state !== undefined) set.key_state = changes.state;
    if (changes.deletionDate !== undefined) set.deletion_date = changes.deletionDate;
    if (changes.pendingWindowDays !== undefined) set.pending_window_days = changes.pendingWindowDays;
    if (changes.rotationEnabled !== undefined) set.rotation_enabled = changes.rotationEnabled ? 1 : 0;
    if (changes.rotationPeriodDays !== undefined) set.rotation_period_days = changes.rotationPeriodDays;
    if (changes.policy !== undefined) set.policy = changes.policy;
    if (Object.keys(set).length > 0) await this.db.updateTable('kms_keys').set(set).where('id', '=', id).execute();
    return this.getKey(id);
  }

  async addMaterial(material: KmsKeyMaterial) {
    const result = await this.db
      .insertInto('kms_key_material')
      .values({
        key_id: material.keyId,
        version: material.version,
        sealed: material.sealed,
        created_at: material.createdAt,
      })
      .onConflict((oc) => oc.columns(['key_id', 'version']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async material(keyId: string, version?: number) {
    let query = this.db.selectFrom('kms_key_material').selectAll().where('key_id', '=', keyId);
    if (version !== undefined) query = query.where('version', '=', version);
    const row = await query.orderBy('version', 'desc').limit(1).executeTakeFirst();
    return row && toMaterial(row);
  }

  async allMaterial(after: { keyId: string; version: number } | undefined, limit: number) {
    let query = this.db.selectFrom('kms_key_material').selectAll();
    if (after)
      query = query.where((eb) =>
        eb.or([
          eb('key_id', '>', after.keyId),
          eb.and([eb('key_id', '=', after.keyId), eb('version', '>', after.version)]),
        ]),
      );
    return (await query.orderBy('key_id').orderBy('version').limit(limit).execute()).map(toMaterial);
  }

  async rewrapMaterial(material: KmsKeyMaterial) {
    await this.db
      .updateTable('kms_key_material')
      .set({ sealed: material.sealed })
      .where('key_id', '=', material.keyId)
      .where('version', '=', material.version)
      .execute();
  }

  async rotatingKeys(after: string | undefined, limit: number) {
    let query = this.db
      .selectFrom('kms_keys')
      .selectAll()
      .where('rotation_enabled', '=', 1)
      .where('key_state', '=', 'Enabled');
    if (after !== undefined) query = query.where(this.ordered('id'), '>', after);
    return (await query.orderBy(this.ordered('id')).limit(limit).execute()).map(toKey);
  }

  async deleteDueKeys(now: number, limit: number) {
    return this.db.transaction().execute(async (trx) => {
      const due = await trx
        .selectFrom('kms_keys')
        .select('id')
        .where('key_state', '=', 'PendingDeletion')
        .where('deletion_date', '<=', now)
        .orderBy('id')
        .limit(limit)
        .execute();
      const ids = due.map((row) => row.id);
      if (ids.length === 0) return [];
      await trx.deleteFrom('kms_aliases').where('key_id', 'in', ids).execute();
      await trx.deleteFrom('kms_grants').where('key_id', 'in', ids).execute();
      await trx.deleteFrom('kms_key_material').where('key_id', 'in', ids).execute();
      await trx.deleteFrom('kms_keys').where('id', 'in', ids).execute();
      return ids;
    });
  }

  async createAlias(alias: KmsAlias) {
    const result = await this.db
      .insertInto('kms_aliases')
      .values({
        account_id: alias.accountId,
        name: alias.name,
        key_id: alias.keyId,
        created_at: alias.createdAt,
        updated_at: alias.updatedAt,
      })
      .onConflict((oc) => oc.columns(['account_id', 'name']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async getAlias(accountId: string, name: string) {
    const row = await this.db
      .selectFrom('kms_aliases')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toAlias(row);
  }

  async listAliases(accountId: string, keyId: string | undefined, after: string | undefined, limit: number) {
    let query = this.db.selectFrom('kms_aliases').selectAll().where('account_id', '=', accountId);
    if (keyId !== undefined) query = query.where('key_id', '=', keyId);
    if (after !== undefined) query = query.where(this.ordered('name'), '>', after);
    return (await query.orderBy(this.ordered('name')).limit(limit).execute()).map(toAlias);
  }

  async createGrant(grant: KmsGrant) {
    await this.db
      .insertInto('kms_grants')
      .values({
        id: grant.id,
        key_id: grant.keyId,
        name: grant.name,
        grantee_principal: grant.granteePrincipal,
        retiring_principal: grant.retiringPrincipal,
        issuing_account: grant.issuingAccount,
        operations: JSON.stringify(grant.operations),
        grant_constraints: grant.constraints === null ? null : JSON.stringify(grant.constraints),
        token: grant.token,
        created_at: grant.createdAt,
      })
      .execute();
  }

  async getGrant(id: string) {
    const row = await this.db.selectFrom('kms_grants').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toGrant(row);
  }

  async listGrants(keyId: string, granteePrincipal: string | undefined, after: string | undefined, limit: number) {
    let query = this.db.selectFrom('kms_grants').selectAll().where('key_id', '=', keyId);
    if (granteePrincipal !== undefined) query = query.where('grantee_principal', '=', granteePrincipal);
    if (after !== undefined) query = query.where(this.ordered('id'), '>', after);
    return (await query.orderBy(this.ordered('id')).limit(limit).execute()).map(toGrant);
  }

  async grantsFor(keyId: string, granteePrincipals: readonly string[]) {
    if (granteePrincipals.length === 0) return [];
    const rows = await this.db
      .selectFrom('kms_grants')
      .selectAll()
      .where('key_id', '=', keyId)
      .where('grantee_principal', 'in', [...granteePrincipals])
      .execute();
    return rows.map(toGrant);
  }

  async listRetirableGrants(retiringPrincipal: string, after: string | undefined, limit: number) {
    let query = this.db.selectFrom('kms_grants').selectAll().where('retiring_principal', '=', retiringPrincipal);
    if (after !== undefined) query = query.where(this.ordered('id'), '>', after);
    return (await query.orderBy(this.ordered('id')).limit(limit).execute()).map(toGrant);
  }

  async deleteGrant(id: string) {
    const result = await this.db.deleteFrom('kms_grants').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
