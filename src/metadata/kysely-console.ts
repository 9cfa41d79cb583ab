// The console's index over the query builder (part of kysely-store.ts): login profiles, password
// policies, sessions and sign-in failure counts.
import { type Kysely, type Selectable, sql } from 'kysely';
import type { ConsoleSession, LoginProfile, PasswordPolicy } from '../domain/records/console.js';
import type { ConsoleSessionsTable, Database, LoginProfilesTable } from './schema.js';
import type { ConsoleIndex, LoginProfileChanges } from './store.js';

type Db = Kysely<Database>;

function toProfile(row: Selectable<LoginProfilesTable>): LoginProfile {
  return {
    userId: row.user_id,
    accountId: row.account_id,
    passwordHash: row.password_hash,
    resetRequired: Number(row.reset_required) === 1,
    createdAt: Number(row.created_at),
    changedAt: Number(row.changed_at),
    history: JSON.parse(row.history) as string[],
  };
}

function toSession(row: Selectable<ConsoleSessionsTable>): ConsoleSession {
  return {
    id: row.id,
    userId: row.user_id,
    accountId: row.account_id,
    csrfToken: row.csrf_token,
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
  };
}

export class KyselyConsole implements ConsoleIndex {
  constructor(private readonly db: Db) {}

  async createLoginProfile(profile: LoginProfile): Promise<boolean> {
    const result = await this.db
      .insertInto('login_profiles')
      .values({
        user_id: profile.userId,
        account_id: profile.accountId,
        password_hash: profile.passwordHash,
        reset_required: profile.resetRequired ? 1 : 0,
        created_at: profile.createdAt,
        changed_at: profile.changedAt,
        history: JSON.stringify(profile.history),
      })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async getLoginProfile(userId: string): Promise<LoginProfile | undefined> {
    const row = await this.db.selectFrom('login_profiles').selectAll().where('user_id', '=', userId).executeTakeFirst();
    return row && toProfile(row);
  }

  async updateLoginProfile(userId: string, changes: LoginProfileChanges): Promise<boolean> {
    const values = {
      ...(changes.passwordHash !== undefined && { password_hash: changes.passwordHash }),
      ...(changes.resetRequired !== undefined && { reset_required: changes.resetRequired ? 1 : 0 }),
      ...(changes.changedAt !== undefined && { changed_at: changes.changedAt }),
      ...(changes.history !== undefined && { history: JSON.stringify(changes.history) }),
    };
    if (Object.keys(values).length === 0) return (await this.getLoginProfile(userId)) !== undefined;
    const result = await this.db
      .updateTable('login_profiles')
      .set(values)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async deleteLoginProfile(userId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('login_profiles').where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async getPasswordPolicy(accountId: string): Promise<PasswordPolicy | undefined> {
    const row = await this.db
      .selectFrom('password_policies')
      .select('policy')
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row && (JSON.parse(row.policy) as PasswordPolicy);
  }

  async putPasswordPolicy(accountId: string, policy: PasswordPolicy): Promise<void> {
    await this.db
      .insertInto('password_policies')
      .values({ account_id: accountId, policy: JSON.stringify(policy) })
      .onConflict((oc) => oc.column('account_id').doUpdateSet({ policy: JSON.stringify(policy) }))
      .execute();
  }

  async deletePasswordPolicy(accountId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('password_policies').where('account_id', '=', accountId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async createSession(session: ConsoleSession): Promise<void> {
    await this.db
      .insertInto('console_sessions')
      .values({
        id: session.id,
        user_id: session.userId,
        account_id: session.accountId,
        csrf_token: session.csrfToken,
        created_at: session.createdAt,
        last_seen_at: session.lastSeenAt,
      })
      .execute();
  }

  async getSession(id: string): Promise<ConsoleSession | undefined> {
    const row = await this.db.selectFrom('console_sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSession(row);
  }

  async touchSession(id: string, at: number): Promise<void> {
    await this.db
      .updateTable('console_sessions')
      .set({ last_seen_at: at })
      .where('id', '=', id)
      .where('last_seen_at', '<', at)
      .execute();
  }

  async deleteSession(id: string): Promise<void> {
    await this.db.deleteFrom('console_sessions').where('id', '=', id).execute();
  }

  async deleteUserSessions(userId: string): Promise<void> {
    await this.db.deleteFrom('console_sessions').where('user_id', '=', userId).execute();
  }

  async deleteIdleSessions(before: number): Promise<number> {
    const result = await this.db.deleteFrom('console_sessions').where('last_seen_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async recordFailure(key: string, at: number, windowStart: number): Promise<number> {
    // One statement: a count whose window has passed starts again at 1.
    await this.db
      .insertInto('sign_in_failures')
      .values({ key, failures: 1, window_start: at, last_failure_at: at })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          failures: sql<number>`case when sign_in_failures.last_failure_at < ${windowStart} then 1 else sign_in_failures.failures + 1 end`,
          window_start: sql<number>`case when sign_in_failures.last_failure_at < ${windowStart} then ${at} else sign_in_failures.window_start end`,
          last_failure_at: sql<number>`case when sign_in_failures.last_failure_at < ${at} then ${at} else sign_in_failures.last_failure_at end`,
        }),
      )
      .execute();
    return this.failures(key, windowStart);
  }

  async failures(key: string, windowStart: number): Promise<number> {
    const row = await this.db
      .selectFrom('sign_in_failures')
      .select(['failures', 'last_failure_at'])
      .where('key', '=', key)
      .executeTakeFirst();
    return row && Number(row.last_failure_at) >= windowStart ? Number(row.failures) : 0;
  }

  async clearFailures(key: string): Promise<void> {
    await this.db.deleteFrom('sign_in_failures').where('key', '=', key).execute();
  }
}
