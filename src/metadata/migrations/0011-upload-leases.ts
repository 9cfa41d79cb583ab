// Migration 0011_upload_leases: uploads' leases.
import type { Kysely, Migration } from 'kysely';

export const uploadLeases: Migration = {
  async up(db: Kysely<any>) {
    // One writer at a time across nodes: a request takes the lease before it touches the bytes.
    await db.schema.alterTable('uploads').addColumn('lease_holder', 'varchar(64)').execute();
    await db.schema.alterTable('uploads').addColumn('lease_until', 'bigint').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('uploads').dropColumn('lease_until').execute();
    await db.schema.alterTable('uploads').dropColumn('lease_holder').execute();
  },
};
