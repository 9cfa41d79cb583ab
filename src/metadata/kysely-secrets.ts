// Secrets Manager's secrets and versions over the query builder (part of kysely-store.ts).
import type { Kysely, Selectable } from 'kysely';
import type { Secret, SecretTag, SecretVersion } from '../domain/records/secrets.js';
import type { Database, SecretsTable, SecretVersionsTable } from './schema.js';
import type { SealedVersion, SealedVersionRef, SecretChanges, SecretIndex } from './store.js';

type Db = Kysely<Database>;

const num = (value: number | null) => (value === null ? null : Number(value));

function toSecret(row: Selectable<SecretsTable>): Secret {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    arn: row.arn,
    description: row.description,
    kmsKeyArn: row.kms_key_arn,
    tags: JSON.parse(row.tags) as SecretTag[],
    policy: row.policy,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    accessedAt: num(row.accessed_at),
    deletedAt: num(row.deleted_at),
  };
}

function toVersion(row: Selectable<SecretVersionsTable>): SecretVersion {
  return {
    secretId: row.secret_id,
    versionId: row.version_id,
    stages: JSON.parse(row.stages) as string[],
    sealed: row.sealed,
    createdAt: Number(row.created_at),
  };
}

const versionRow = (v: SecretVersion) => ({
  secret_id: v.secretId,
  version_id: v.versionId,
  stages: JSON.stringify(v.stages),
  sealed: v.sealed,
  created_at: v.createdAt,
});

export class KyselySecrets implements SecretIndex {
  constructor(private readonly db: Db) {}

  async create(secret: Secret, first?: SecretVersion): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('secrets')
        .values({
          id: secret.id,
          account_id: secret.accountId,
          name: secret.name,
          arn: secret.arn,
          description: secret.description,
          kms_key_arn: secret.kmsKeyArn,
          tags: JSON.stringify(secret.tags),
          policy: secret.policy,
          created_at: secret.createdAt,
          updated_at: secret.updatedAt,
          accessed_at: secret.accessedAt,
          deleted_at: secret.deletedAt,
        })
        .onConflict((oc) => oc.columns(['account_id', 'name']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      if (first) await trx.insertInto('secret_versions').values(versionRow(first)).execute();
      return true;
    });
  }

  async get(accountId: string, name: string): Promise<Secret | undefined> {
    const row = await this.db
      .selectFrom('secrets')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toSecret(row);
  }

  async getByArn(arn: string): Promise<Secret | undefined> {
    const row = await this.db.selectFrom('secrets').selectAll().where('arn', '=', arn).executeTakeFirst();
    return row && toSecret(row);
  }

  async list(accountId: string): Promise<Secret[]> {
    const rows = await this.db.selectFrom('secrets').selectAll().where('account_id', '=', accountId).execute();
    return rows.map(toSecret).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async update(id: string, changes: SecretChanges): Promise<void> {
    const set: Partial<SecretsTable> = {};
    if (changes.description !== undefined) set.description = changes.description;
    if (changes.kmsKeyArn !== undefined) set.kms_key_arn = changes.kmsKeyArn;
    if (changes.tags !== undefined) set.tags = JSON.stringify(changes.tags);
    if (changes.policy !== undefined) set.policy = changes.policy;
    if (changes.updatedAt !== undefined) set.updated_at = changes.updatedAt;
    if (changes.accessedAt !== undefined) set.accessed_at = changes.accessedAt;
    if (changes.deletedAt !== undefined) set.deleted_at = changes.deletedAt;
    if (Object.keys(set).length === 0) return;
    await this.db.updateTable('secrets').set(set).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('secret_versions').where('secret_id', '=', id).execute();
      await trx.deleteFrom('secrets').where('id', '=', id).execute();
    });
  }

  async dueForDeletion(now: number, limit: number): Promise<Secret[]> {
    const rows = await this.db
      .selectFrom('secrets')
      .selectAll()
      .where('deleted_at', 'is not', null)
      .where('deleted_at', '<=', now)
      .orderBy('deleted_at')
      .limit(limit)
      .execute();
    return rows.map(toSecret);
  }

  async versions(secretId: string): Promise<SecretVersion[]> {
    const rows = await this.db
      .selectFrom('secret_versions')
      .selectAll()
      .where('secret_id', '=', secretId)
      .orderBy('created_at')
      .orderBy('version_id')
      .execute();
    return rows.map(toVersion);
  }

  async sealedPage(prefix: string, after: SealedVersionRef | undefined, limit: number): Promise<SealedVersion[]> {
    let query = this.db
      .selectFrom('secret_versions')
      .innerJoin('secrets', 'secrets.id', 'secret_versions.secret_id')
      .select(['secret_versions.secret_id', 'secret_versions.version_id', 'secret_versions.sealed', 'secrets.arn'])
      .where('secret_versions.sealed', 'like', `${prefix}%`);
    if (after)
      query = query.where((eb) =>
        eb.or([
          eb('secret_versions.secret_id', '>', after.secretId),
          eb.and([
            eb('secret_versions.secret_id', '=', after.secretId),
            eb('secret_versions.version_id', '>', after.versionId),
          ]),
        ]),
      );
    const rows = await query
      .orderBy('secret_versions.secret_id')
      .orderBy('secret_versions.version_id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ secretId: r.secret_id, versionId: r.version_id, sealed: r.sealed, arn: r.arn }));
  }

  async replaceSealed(secretId: string, versionId: string, sealed: string): Promise<void> {
    await this.db
      .updateTable('secret_versions')
      .set({ sealed })
      .where('secret_id', '=', secretId)
      .where('version_id', '=', versionId)
      .execute();
  }

  async addVersion(version: SecretVersion, restaged: Record<string, string[]>): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('secret_versions')
        .values(versionRow(version))
        .onConflict((oc) => oc.columns(['secret_id', 'version_id']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      for (const [versionId, stages] of Object.entries(restaged))
        await trx
          .updateTable('secret_versions')
          .set({ stages: JSON.stringify(stages) })
          .where('secret_id', '=', version.secretId)
          .where('version_id', '=', versionId)
          .execute();
      return true;
    });
  }

  async restage(secretId: string, restaged: Record<string, string[]>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const [versionId, stages] of Object.entries(restaged))
        await trx
          .updateTable('secret_versions')
          .set({ stages: JSON.stringify(stages) })
          .where('secret_id', '=', secretId)
          .where('version_id', '=', versionId)
          .execute();
    });
  }
}
