// Migration 0023_console: IAM login profiles, password policies, console sessions and the
// sign-in throttle (issue 23).
import type { Kysely, Migration } from 'kysely';

export const consoleSignIn: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('login_profiles')
      .addColumn('user_id', 'varchar(128)', (c) => c.primaryKey())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('reset_required', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('changed_at', 'bigint', (c) => c.notNull())
      .addColumn('history', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('password_policies')
      .addColumn('account_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('policy', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('console_sessions')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('user_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('csrf_token', 'varchar(128)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('console_sessions_user').on('console_sessions').column('user_id').execute();
    await db.schema.createIndex('console_sessions_seen').on('console_sessions').column('last_seen_at').execute();
    await db.schema
      .createTable('sign_in_failures')
      .addColumn('key', 'varchar(600)', (c) => c.primaryKey())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('window_start', 'bigint', (c) => c.notNull())
      .addColumn('last_failure_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>) {
    for (const table of ['sign_in_failures', 'console_sessions', 'password_policies', 'login_profiles'])
      await db.schema.dropTable(table).ifExists().execute();
  },
};
