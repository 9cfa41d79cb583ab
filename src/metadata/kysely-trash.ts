// The trash over the query builder (part of kysely-store.ts). A manifest goes to the trash in
// the transaction that deletes it, locking its row first as Manifests.delete does
// (kysely-manifests.ts), so the entry holds exactly the references and tags it had; a restore
// puts them back in one transaction, each tag only where no other manifest has taken it.
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { TrashEntry, TrashRestoreOutcome } from '../domain/records/protection.js';
import { retryingConflicts } from './kysely-conflicts.js';
import { deleteManifestRows } from './kysely-manifest-rows.js';
import type { Database, TrashTable } from './schema.js';
import type { TrashIndex } from './store-trash.js';
import type { EventDeliveryInput } from '../domain/records/events.js';
import { insertDeliveries } from './kysely-events.js';

type Db = Kysely<Database>;
type Trx = Transaction<Database>;

/** The manifest columns a trash entry keeps, and gives back on restore (the same names in both tables). */
function manifestColumns(
  row: Omit<Selectable<TrashTable>, 'repository_id' | 'digest' | 'tags' | 'deleted_by' | 'deleted_at'>,
) {
  return {
    media_type: row.media_type,
    size: row.size,
    artifact_type: row.artifact_type,
    subject_digest: row.subject_digest,
    annotations: row.annotations,
    created_at: row.created_at,
    last_pulled_at: row.last_pulled_at,
    content_digest: row.content_digest,
    image_status: row.image_status,
    last_archived_at: row.last_archived_at,
    last_activated_at: row.last_activated_at,
  };
}

const PAGE = 1000;

function toEntry(row: Selectable<TrashTable> & { name: string }, references: string[]): TrashEntry {
  return {
    manifest: {
      repositoryId: row.repository_id,
      digest: row.digest,
      mediaType: row.media_type,
      size: Number(row.size),
      artifactType: row.artifact_type,
      subjectDigest: row.subject_digest,
      annotations: row.annotations ? (JSON.parse(row.annotations) as Record<string, string>) : null,
      createdAt: Number(row.created_at),
      ...(row.content_digest ? { contentDigest: row.content_digest } : {}),
    },
    repositoryName: row.name,
    lastPulledAt: row.last_pulled_at === null ? null : Number(row.last_pulled_at),
    tags: JSON.parse(row.tags) as string[],
    references,
    deletedBy: row.deleted_by,
    deletedAt: Number(row.deleted_at),
  };
}

export class KyselyTrash implements TrashIndex {
  constructor(
    private readonly db: Db,
    /** Row locks (`select … for update`): PostgreSQL. */
    private readonly rowLocks: boolean,
  ) {}

  async discard(
    repositoryId: string,
    digest: string,
    deletedBy: string,
    deletedAt: number,
    events?: EventDeliveryInput[],
  ) {
    return retryingConflicts(() =>
      this.db.transaction().execute(async (trx) => {
        let query = trx
          .selectFrom('manifests')
          .selectAll()
          .where('repository_id', '=', repositoryId)
          .where('digest', '=', digest);
        if (this.rowLocks) query = query.forUpdate();
        if (!(await query.executeTakeFirst())) return false;
        const discarded = await discardInTransaction(trx, repositoryId, digest, { deletedBy, deletedAt });
        if (discarded) await insertDeliveries(trx, events, deletedAt);
        return discarded;
      }),
    );
  }

  async get(repositoryId: string, digest: string) {
    const row = await this.entries()
      .where('trash.repository_id', '=', repositoryId)
      .where('trash.digest', '=', digest)
      .executeTakeFirst();
    if (!row) return undefined;
    return toEntry(row, await this.referencesOf(this.db, repositoryId, digest));
  }

  async list(registryKey: string, repositoryId?: string) {
    let query = this.entries().where('repositories.account_id', '=', registryKey);
    if (repositoryId !== undefined) query = query.where('trash.repository_id', '=', repositoryId);
    const rows = await query.orderBy('trash.deleted_at', 'desc').orderBy('trash.digest').execute();
    const entries: TrashEntry[] = [];
    for (const row of rows) entries.push(toEntry(row, await this.referencesOf(this.db, row.repository_id, row.digest)));
    return entries;
  }

  async restore(repositoryId: string, digest: string): Promise<TrashRestoreOutcome> {
    return retryingConflicts(() =>
      this.db.transaction().execute(async (trx): Promise<TrashRestoreOutcome> => {
        let query = trx
          .selectFrom('trash')
          .selectAll()
          .where('repository_id', '=', repositoryId)
          .where('digest', '=', digest);
        if (this.rowLocks) query = query.forUpdate();
        const row = await query.executeTakeFirst();
        if (!row) return { restored: false };
        const references = await this.referencesOf(trx, repositoryId, digest);
        await trx
          .insertInto('manifests')
          .values({
            repository_id: repositoryId,
            digest,
            ...manifestColumns(row),
          })
          .onConflict((oc) => oc.columns(['repository_id', 'digest']).doNothing())
          .execute();
        if (references.length > 0) {
          await trx
            .insertInto('manifest_references')
            .values(
              references.map((child) => ({
                repository_id: repositoryId,
                manifest_digest: digest,
                child_digest: child,
              })),
            )
            .onConflict((oc) => oc.columns(['repository_id', 'manifest_digest', 'child_digest']).doNothing())
            .execute();
        }
        const now = Date.now();
        const tags: string[] = [];
        const taken: { tag: string; digest: string }[] = [];
        for (const tag of JSON.parse(row.tags) as string[]) {
          await trx
            .insertInto('tags')
            .values({ repository_id: repositoryId, name: tag, manifest_digest: digest, updated_at: now })
            .onConflict((oc) => oc.columns(['repository_id', 'name']).doNothing())
            .execute();
          const current = await trx
            .selectFrom('tags')
            .select('manifest_digest')
            .where('repository_id', '=', repositoryId)
            .where('name', '=', tag)
            .executeTakeFirstOrThrow();
          if (current.manifest_digest === digest) tags.push(tag);
          else taken.push({ tag, digest: current.manifest_digest });
        }
        await trx.deleteFrom('trash').where('repository_id', '=', repositoryId).where('digest', '=', digest).execute();
        return { restored: true, tags, taken };
      }),
    );
  }

  async purge(before: number) {
    // Round by round: an entry still referenced by another entry stays until that one has gone,
    // so an expired index goes first and its expired children in the rounds after.
    let total = 0;
    for (;;) {
      const result = await this.db
        .deleteFrom('trash')
        .where('deleted_at', '<', before)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('trash_references as r')
                .select('r.child_digest')
                .whereRef('r.repository_id', '=', 'trash.repository_id')
                .whereRef('r.child_digest', '=', 'trash.digest'),
            ),
          ),
        )
        .executeTakeFirst();
      const removed = Number(result.numDeletedRows);
      total += removed;
      if (removed === 0) return total;
    }
  }

  async *keptDigests(): AsyncIterable<string> {
    yield* this.distinct(async (after) => {
      let query = this.db.selectFrom('trash').select('digest as value').distinct();
      if (after !== undefined) query = query.where('digest', '>', after);
      return query.orderBy('digest').limit(PAGE).execute();
    });
    yield* this.distinct(async (after) => {
      let query = this.db
        .selectFrom('trash')
        .select('content_digest as value')
        .distinct()
        .where('content_digest', 'is not', null);
      if (after !== undefined) query = query.where('content_digest', '>', after);
      return query.orderBy('content_digest').limit(PAGE).execute();
    });
    yield* this.distinct(async (after) => {
      let query = this.db.selectFrom('trash_references').select('child_digest as value').distinct();
      if (after !== undefined) query = query.where('child_digest', '>', after);
      return query.orderBy('child_digest').limit(PAGE).execute();
    });
  }

  /** Every value a keyset-paged query yields, page after page. */
  private async *distinct(
    page: (after: string | undefined) => Promise<{ value: string | null }[]>,
  ): AsyncIterable<string> {
    let after: string | undefined;
    for (;;) {
      const rows = await page(after);
      for (const row of rows) if (row.value !== null) yield row.value;
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]!.value ?? undefined;
    }
  }

  private entries() {
    return this.db
      .selectFrom('trash')
      .innerJoin('repositories', 'repositories.id', 'trash.repository_id')
      .selectAll('trash')
      .select('repositories.name');
  }

  private async referencesOf(db: Db | Trx, repositoryId: string, digest: string): Promise<string[]> {
    const rows = await db
      .selectFrom('trash_references')
      .select('child_digest')
      .where('repository_id', '=', repositoryId)
      .where('manifest_digest', '=', digest)
      .orderBy('child_digest')
      .execute();
    return rows.map((r) => r.child_digest);
  }
}

/**
 * Moves a manifest to the trash (its row, tags and references), then deletes its rows, in the
 * caller's transaction, which holds the manifest's row (or digest) lock. False when it was gone.
 */
export async function discardInTransaction(
  trx: Transaction<Database>,
  repositoryId: string,
  digest: string,
  by: { deletedBy: string; deletedAt: number },
): Promise<boolean> {
  const row = await trx
    .selectFrom('manifests')
    .selectAll()
    .where('repository_id', '=', repositoryId)
    .where('digest', '=', digest)
    .executeTakeFirst();
  if (!row) return false;
  const tags = await trx
    .selectFrom('tags')
    .select('name')
    .where('repository_id', '=', repositoryId)
    .where('manifest_digest', '=', digest)
    .execute();
  const references = await trx
    .selectFrom('manifest_references')
    .select('child_digest')
    .where('repository_id', '=', repositoryId)
    .where('manifest_digest', '=', digest)
    .execute();
  await trx.deleteFrom('trash').where('repository_id', '=', repositoryId).where('digest', '=', digest).execute();
  await trx
    .insertInto('trash')
    .values({
      repository_id: repositoryId,
      digest,
      ...manifestColumns(row),
      tags: JSON.stringify(tags.map((t) => t.name).sort()),
      deleted_by: by.deletedBy,
      deleted_at: by.deletedAt,
    })
    .execute();
  if (references.length > 0) {
    await trx
      .insertInto('trash_references')
      .values(
        references.map((r) => ({
          repository_id: repositoryId,
          manifest_digest: digest,
          child_digest: r.child_digest,
        })),
      )
      .execute();
  }
  return deleteManifestRows(trx, repositoryId, digest);
}
