// The identity index over the query builder: accounts, users and their access keys (a deleted
// user takes its inline policies and policy attachments with it).
import type { Kysely, Selectable } from 'kysely';
import type { AccessKeysTable, Database, UsersTable } from './schema.js';
import type { AccessKey, AccessKeyStatus, AccessKeyUse, Account, User } from '../domain/records/identities.js';
import type { IdentityIndex } from './store.js';

type Db = Kysely<Database>;

function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    kind: row.kind,
    arn: row.arn,
    createdAt: Number(row.created_at),
  };
}

function toAccessKey(row: Selectable<AccessKeysTable>): AccessKey {
  return {
    id: row.id,
    userId: row.user_id,
    secretCiphertext: row.secret_ciphertext,
    status: row.status,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    lastUsedService: row.last_used_service ?? null,
    lastUsedRegion: row.last_used_region ?? null,
  };
}

export class Identities implements IdentityIndex {
  constructor(private readonly db: Db) {}

  async ensureAccount(id: string, at: number): Promise<Account> {
    await this.db
      .insertInto('accounts')
      .values({ id, created_at: at })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    return (await this.getAccount(id))!;
  }

  async getAccount(id: string) {
    const row = await this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { id: row.id, createdAt: Number(row.created_at) };
  }

  async listAccounts() {
    const rows = await this.db.selectFrom('accounts').selectAll().orderBy('id').execute();
    return rows.map((row) => ({ id: row.id, createdAt: Number(row.created_at) }));
  }

  async createUser(user: User) {
    const result = await this.db
      .insertInto('users')
      .values({
        id: user.id,
        account_id: user.accountId,
        name: user.name,
        kind: user.kind,
        arn: user.arn,
        created_at: user.createdAt,
      })
      .onConflict((oc) => oc.columns(['account_id', 'name']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async getUser(id: string) {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async getUserByName(accountId: string, name: string) {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toUser(row);
  }

  async listUsers(accountId: string) {
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('name')
      .execute();
    return rows.map(toUser);
  }

  async deleteUser(id: string) {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('access_keys').where('user_id', '=', id).execute();
      await trx.deleteFrom('inline_policies').where('owner_type', '=', 'user').where('owner_id', '=', id).execute();
      await trx.deleteFrom('policy_attachments').where('owner_type', '=', 'user').where('owner_id', '=', id).execute();
      const result = await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async createAccessKey(key: AccessKey) {
    await this.db
      .insertInto('access_keys')
      .values({
        id: key.id,
        user_id: key.userId,
        secret_ciphertext: key.secretCiphertext,
        status: key.status,
        created_at: key.createdAt,
        last_used_at: key.lastUsedAt,
        last_used_service: key.lastUsedService,
        last_used_region: key.lastUsedRegion,
      })
      .execute();
  }

  async getAccessKey(id: string) {
    const key = await this.db.selectFrom('access_keys').selectAll().where('id', '=', id).executeTakeFirst();
    if (!key) return undefined;
    const user = await this.getUser(key.user_id);
    return user && { key: toAccessKey(key), user };
  }

  async listAccessKeys(userId: string) {
    const rows = await this.db
      .selectFrom('access_keys')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute();
    return rows.map(toAccessKey);
  }

  async setAccessKeySecret(id: string, secretCiphertext: string) {
    const result = await this.db
      .updateTable('access_keys')
      .set({ secret_ciphertext: secretCiphertext })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async setAccessKeyStatus(id: string, status: AccessKeyStatus) {
    const result = await this.db.updateTable('access_keys').set({ status }).where('id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async deleteAccessKey(id: string) {
    const result = await this.db.deleteFrom('access_keys').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async recordAccessKeyUses(uses: readonly AccessKeyUse[]) {
    for (const use of uses) {
      await this.db
        .updateTable('access_keys')
        .set({ last_used_at: use.at, last_used_service: use.service, last_used_region: use.region })
        .where('id', '=', use.id)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', use.at)]))
        .execute();
    }
  }
}
