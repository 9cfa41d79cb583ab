// Migration 0003_upload_verified_digest: an upload's verified digest.
import type { Kysely, Migration } from 'kysely';

export const uploadVerifiedDigest: Migration = {
  async up(db: Kysely<any>) {
    // Set once an upload's bytes are verified, before they move into the blob store, so a
    // completion interrupted after the move can finish without the bytes.
    await db.schema.alterTable('uploads').addColumn('verified_digest', 'varchar(200)').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('uploads').dropColumn('verified_digest').execute();
  },
};
