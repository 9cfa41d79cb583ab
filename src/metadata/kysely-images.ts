// The image view of the metadata store over the query builder (ImageIndex of store.ts): manifests
// listed with their tags, image sizes, and the last recorded pull. One implementation for all SQL backends.
import { sql, type Expression, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { Database, ManifestsTable } from './schema.js';
import type { ImageId, ImageRecord, TagStatus } from '../domain/records/images.js';
import type { ImageIndex, ImageStatusFilter, Page } from './store.js';
import type { ManifestRecord } from '../domain/records/manifests.js';

type Db = Kysely<Database>;

/** A manifest row's ECR imageStatus, null being ACTIVE. */
const STATUS = sql<string>`coalesce(${sql.ref('manifests.image_status')}, 'ACTIVE')`;

export class KyselyImages implements ImageIndex {
  constructor(
    private readonly db: Db,
    /** The collation that orders strings byte by byte (BINARY, "C"). */
    private readonly binaryCollation: string,
    private readonly toManifest: (row: Selectable<ManifestsTable>) => ManifestRecord,
  ) {}

  private bytewise(expression: Expression<unknown>): RawBuilder<string> {
    return sql<string>`${expression} collate ${sql.raw(`"${this.binaryCollation}"`)}`;
  }

  async ids(
    repositoryId: string,
    tagStatus: TagStatus,
    page: { after?: ImageId; limit: number },
    imageStatus: ImageStatusFilter = 'ANY',
  ): Promise<ImageId[]> {
    // An untagged manifest sorts as the tag '' (before every real tag of the same digest).
    const digest = this.bytewise(sql.ref('manifests.digest'));
    const tag = this.bytewise(sql`coalesce(${sql.ref('tags.name')}, '')`);
    let query = this.db
      .selectFrom('manifests')
      .leftJoin('tags', (join) =>
        join
          .onRef('tags.repository_id', '=', 'manifests.repository_id')
          .onRef('tags.manifest_digest', '=', 'manifests.digest'),
      )
      .select(['manifests.digest as digest', 'tags.name as tag'])
      .where('manifests.repository_id', '=', repositoryId);
    if (tagStatus === 'TAGGED') query = query.where('tags.name', 'is not', null);
    if (tagStatus === 'UNTAGGED') query = query.where('tags.name', 'is', null);
    if (imageStatus !== 'ANY') query = query.where(STATUS, '=', imageStatus);
    const after = page.after;
    if (after) {
      query = query.where((eb) =>
        eb.or([
          eb(digest, '>', after.digest),
          eb.and([eb('manifests.digest', '=', after.digest), eb(tag, '>', after.tag ?? '')]),
        ]),
      );
    }
    const rows = await query.orderBy(digest).orderBy(tag).limit(page.limit).execute();
    return rows.map((r) => ({ digest: r.digest, tag: r.tag }));
  }

  async list(
    repositoryId: string,
    tagStatus: TagStatus,
    page: Page,
    imageStatus: ImageStatusFilter = 'ANY',
  ): Promise<ImageRecord[]> {
    const digest = this.bytewise(sql.ref('manifests.digest'));
    let query = this.db.selectFrom('manifests').selectAll().where('repository_id', '=', repositoryId);
    if (tagStatus !== 'ANY') {
      query = query.where((eb) => {
        const tagged = eb.exists(
          eb
            .selectFrom('tags')
            .select('tags.name')
            .whereRef('tags.repository_id', '=', 'manifests.repository_id')
            .whereRef('tags.manifest_digest', '=', 'manifests.digest'),
        );
        return tagStatus === 'TAGGED' ? tagged : eb.not(tagged);
      });
    }
    if (imageStatus !== 'ANY') query = query.where(STATUS, '=', imageStatus);
    if (page.last !== undefined) query = query.where(digest, '>', page.last);
    const rows = await query.orderBy(digest).limit(page.limit).execute();
    return this.withTags(repositoryId, rows);
  }

  async get(repositoryId: string, digests: string[]): Promise<ImageRecord[]> {
    if (digests.length === 0) return [];
    const rows = await this.db
      .selectFrom('manifests')
      .selectAll()
      .where('repository_id', '=', repositoryId)
      .where('digest', 'in', [...new Set(digests)])
      .execute();
    return this.withTags(repositoryId, rows);
  }

  async sizes(repositoryId: string, digests: string[]): Promise<Map<string, number>> {
    const own = await this.blobTotals(repositoryId, digests);
    const pending = digests.filter((d) => !own.has(d));
    if (pending.length === 0) return own;
    const children = await this.db
      .selectFrom('manifest_references')
      .innerJoin('manifests', (join) =>
        join
          .onRef('manifests.repository_id', '=', 'manifest_references.repository_id')
          .onRef('manifests.digest', '=', 'manifest_references.child_digest'),
      )
      .select(['manifest_references.manifest_digest as parent', 'manifest_references.child_digest as child'])
      .where('manifest_references.repository_id', '=', repositoryId)
      .where('manifest_references.manifest_digest', 'in', pending)
      .execute();
    const childTotals = await this.blobTotals(
      repositoryId,
      children.map((c) => c.child),
    );
    for (const { parent, child } of children) {
      const size = childTotals.get(child);
      if (size !== undefined && size > (own.get(parent) ?? -1)) own.set(parent, size);
    }
    return own;
  }

  async parents(repositoryId: string, digest: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('manifest_references')
      .select('manifest_digest')
      .where('repository_id', '=', repositoryId)
      .where('child_digest', '=', digest)
      .orderBy('manifest_digest')
      .execute();
    return rows.map((r) => r.manifest_digest);
  }

  async referencesBlob(repositoryId: string, digest: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('manifest_references')
      .select('manifest_digest')
      .where('repository_id', '=', repositoryId)
      .where('child_digest', '=', digest)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async recordPull(repositoryId: string, digest: string, at: number): Promise<void> {
    await this.db
      .updateTable('manifests')
      .set({ last_pulled_at: at })
      .where('repository_id', '=', repositoryId)
      .where('digest', '=', digest)
      .where((eb) => eb.or([eb('last_pulled_at', 'is', null), eb('last_pulled_at', '<', at)]))
      .execute();
  }

  /** Sizes of the blobs each manifest references, added up. */
  private async blobTotals(repositoryId: string, digests: string[]): Promise<Map<string, number>> {
    if (digests.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('manifest_references')
      .innerJoin('blobs', 'blobs.digest', 'manifest_references.child_digest')
      .select((eb) => [
        'manifest_references.manifest_digest as digest',
        eb.fn.sum<number | string>('blobs.size').as('total'),
      ])
      .where('manifest_references.repository_id', '=', repositoryId)
      .where('manifest_references.manifest_digest', 'in', [...new Set(digests)])
      .groupBy('manifest_references.manifest_digest')
      .execute();
    // PostgreSQL's sum of bigints is a numeric, which arrives as a string.
    return new Map(rows.map((r) => [r.digest, Number(r.total)]));
  }

  private async withTags(repositoryId: string, rows: Selectable<ManifestsTable>[]): Promise<ImageRecord[]> {
    const tags = new Map<string, string[]>();
    if (rows.length > 0) {
      const tagRows = await this.db
        .selectFrom('tags')
        .select(['manifest_digest', 'name'])
        .where('repository_id', '=', repositoryId)
        .where(
          'manifest_digest',
          'in',
          rows.map((r) => r.digest),
        )
        .orderBy(this.bytewise(sql.ref('name')))
        .execute();
      for (const { manifest_digest: digest, name } of tagRows) tags.set(digest, [...(tags.get(digest) ?? []), name]);
    }
    return rows.map((row) => ({
      ...this.toManifest(row),
      tags: tags.get(row.digest) ?? [],
      lastPulledAt: row.last_pulled_at === null ? null : Number(row.last_pulled_at),
      ...(row.last_archived_at !== null && { lastArchivedAt: Number(row.last_archived_at) }),
      ...(row.last_activated_at !== null && { lastActivatedAt: Number(row.last_activated_at) }),
    }));
  }
}
