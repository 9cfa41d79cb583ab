// Conversions of stored manifests into other formats, by source and variant and by their own digest.
import type { Kysely, Selectable } from 'kysely';
import type { Database, ManifestConversionsTable } from './schema.js';
import type { ConversionIndex } from './store.js';
import type { ManifestConversion } from '../domain/records/conversions.js';

function toConversion(row: Selectable<ManifestConversionsTable>): ManifestConversion {
  return {
    repositoryId: row.repository_id,
    sourceDigest: row.source_digest,
    variant: row.variant,
    digest: row.digest,
    mediaType: row.media_type,
    size: Number(row.size),
    contentDigest: row.content_digest,
    createdAt: Number(row.created_at),
  };
}

export class Conversions implements ConversionIndex {
  constructor(private readonly db: Kysely<Database>) {}

  async get(repositoryId: string, sourceDigest: string, variant: string) {
    const row = await this.db
      .selectFrom('manifest_conversions')
      .selectAll()
      .where('repository_id', '=', repositoryId)
      .where('source_digest', '=', sourceDigest)
      .where('variant', '=', variant)
      .executeTakeFirst();
    return row && toConversion(row);
  }

  async byDigest(repositoryId: string, digest: string) {
    const row = await this.db
      .selectFrom('manifest_conversions')
      .selectAll()
      .where('repository_id', '=', repositoryId)
      .where('digest', '=', digest)
      .orderBy('created_at')
      .limit(1)
      .executeTakeFirst();
    return row && toConversion(row);
  }

  async put(conversion: ManifestConversion) {
    try {
      await this.db
        .insertInto('manifest_conversions')
        .values({
          repository_id: conversion.repositoryId,
          source_digest: conversion.sourceDigest,
          variant: conversion.variant,
          digest: conversion.digest,
          media_type: conversion.mediaType,
          size: conversion.size,
          content_digest: conversion.contentDigest,
          created_at: conversion.createdAt,
        })
        .onConflict((oc) => oc.columns(['repository_id', 'source_digest', 'variant']).doNothing())
        .execute();
    } catch (err) {
      // The source manifest was deleted meanwhile (the foreign key refuses the row).
      if (
        !(await this.db
          .selectFrom('manifests')
          .select('digest')
          .where('repository_id', '=', conversion.repositoryId)
          .where('digest', '=', conversion.sourceDigest)
          .executeTakeFirst())
      )
        return undefined;
      throw err;
    }
    return this.get(conversion.repositoryId, conversion.sourceDigest, conversion.variant);
  }
}
