// Migration 0013_ecr_layer_parts: ECR's layer parts.
import type { Kysely, Migration } from 'kysely';

export const ecrLayerParts: Migration = {
  async up(db: Kysely<any>) {
    // ECR's UploadLayerPart: where the latest part began, and the size of the first part but
    // the last found under 5 MiB (CompleteLayerUpload refuses the upload then).
    await db.schema.alterTable('uploads').addColumn('last_part_start', 'bigint').execute();
    await db.schema.alterTable('uploads').addColumn('short_part', 'bigint').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('uploads').dropColumn('short_part').execute();
    await db.schema.alterTable('uploads').dropColumn('last_part_start').execute();
  },
};
