// Migration 0012_access_key_last_used: where an access key was last used (GetAccessKeyLastUsed's
// ServiceName and Region).
import type { Kysely, Migration } from 'kysely';

export const accessKeyLastUsed: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('access_keys').addColumn('last_used_service', 'varchar(64)').execute();
    await db.schema.alterTable('access_keys').addColumn('last_used_region', 'varchar(32)').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('access_keys').dropColumn('last_used_region').execute();
    await db.schema.alterTable('access_keys').dropColumn('last_used_service').execute();
  },
};
