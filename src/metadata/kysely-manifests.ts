// Manifests over the query builder (part of kysely-store.ts): stored with their references and
// tags, deleted with them. A put and a delete of one manifest lock its row first, so concurrent
// ones wait for each other rather than fail a foreign key or deadlock (PostgreSQL); SQLite
// serializes writers. A write into a repository deleted meanwhile is NAME_UNKNOWN.
import type { Kysely, Selectable, Transaction } from 'kysely';
import { inRepository, retryingConflicts } from './kysely-conflicts.js';
import { deleteManifestRows } from './kysely-manifest-rows.js';
import type { Database, ManifestsTable } from './schema.js';
import type { ManifestIndex, ManifestPutChecks, ManifestPutOutcome } from './store.js';
import { deletingAmong, lockDigests } from './kysely-gc.js';
import type { ManifestRecord } from '../domain/records/manifests.js';
import type { ReplicationTaskInput } from '../domain/records/replication.js';
import { insertTasks } from './kysely-replication.js';
import type { EventDeliveryInput } from '../domain/records/events.js';
import { deliveryRows, insertDeliveries } from './kysely-events.js';
import { upsertSigningStatuses } from './kysely-signing.js';
import type { ImageSigningRecord } from '../domain/records/signing.js';

type Db = Kysely<Database>;

/** Rolls back a manifest put that would move an immutable tag. */
class ImmutableTagConflict extends Error {
  constructor(readonly tag: string) {
    super(`tag ${tag} is immutable`);
  }
}

/** Rolls back a put whose references or bytes a garbage collection took meanwhile. */
class CollectedConflict extends Error {
  constructor(readonly outcome: ManifestPutOutcome) {
    super('collected');
  }
}

export class Manifests implements ManifestIndex {
  constructor(
    private readonly db: Db,
    private readonly toManifest: (row: Selectable<ManifestsTable>) => ManifestRecord,
    /** Row locks (`select … for update`): PostgreSQL. */
    private readonly rowLocks: boolean,
    /** Advisory locks on digests (kysely-gc.ts): PostgreSQL. */
    private readonly advisoryLocks = rowLocks,
  ) {}

  async get(repositoryId: string, digest: string) {
    const row = await this.db
      .selectFrom('manifests')
      .selectAll()
      .where('repository_id', '=', repositoryId)
      .where('digest', '=', digest)
      .executeTakeFirst();
    return row && this.toManifest(row);
  }

  async put(
    record: ManifestRecord,
    references: string[],
    tags: string[],
    immutableTags: string[] = [],
    checks?: ManifestPutChecks,
    replications: ReplicationTaskInput[] = [],
    events: EventDeliveryInput[] = [],
    signings: ImageSigningRecord[] = [],
  ): Promise<ManifestPutOutcome> {
    const immutable = new Set(immutableTags);
    // Tags in one order, so two puts sharing tags lock them in the same order.
    const ordered = [...new Set(tags)].sort();
    try {
      await inRepository(this.db, record.repositoryId, () =>
        retryingConflicts(() =>
          this.db.transaction().execute(async (trx) => {
            if (checks) await this.verify(trx, record.repositoryId, checks);
            // Insert, or lock the row that is there (a no-op update): a delete of this manifest
            // running now either finished first (and this inserts it again) or waits for this put.
            await trx
              .insertInto('manifests')
              .values({
                repository_id: record.repositoryId,
                digest: record.digest,
                media_type: record.mediaType,
                size: record.size,
                artifact_type: record.artifactType,
                subject_digest: record.subjectDigest,
                annotations: record.annotations ? JSON.stringify(record.annotations) : null,
                created_at: record.createdAt,
                content_digest: record.contentDigest ?? null,
              })
              .onConflict((oc) =>
                oc
                  .columns(['repository_id', 'digest'])
                  .doUpdateSet((eb) => ({ created_at: eb.ref('manifests.created_at') })),
              )
              .execute();
            const unique = [...new Set(references)];
            if (unique.length > 0) {
              await trx
                .insertInto('manifest_references')
                .values(
                  unique.map((child) => ({
                    repository_id: record.repositoryId,
                    manifest_digest: record.digest,
                    child_digest: child,
                  })),
                )
                .onConflict((oc) => oc.columns(['repository_id', 'manifest_digest', 'child_digest']).doNothing())
                .execute();
            }
            for (const tag of ordered) {
              const row = {
                repository_id: record.repositoryId,
                name: tag,
                manifest_digest: record.digest,
                updated_at: record.createdAt,
              };
              if (!immutable.has(tag)) {
                await trx
                  .insertInto('tags')
                  .values(row)
                  .onConflict((oc) =>
                    oc
                      .columns(['repository_id', 'name'])
                      .doUpdateSet({ manifest_digest: record.digest, updated_at: record.createdAt }),
                  )
                  .execute();
                continue;
              }
              // Insert-or-nothing, then read: a concurrent writer of the same tag is waited for
              // (PostgreSQL) or serialized (SQLite), so the tag read is the one that stays.
              await trx
                .insertInto('tags')
                .values(row)
                .onConflict((oc) => oc.columns(['repository_id', 'name']).doNothing())
                .execute();
              const current = await trx
                .selectFrom('tags')
                .select('manifest_digest')
                .where('repository_id', '=', record.repositoryId)
                .where('name', '=', tag)
                .executeTakeFirst();
              if (current && current.manifest_digest !== record.digest) throw new ImmutableTagConflict(tag);
            }
            if (replications.length > 0) await insertTasks(trx, replications, record.createdAt);
            if (events.length > 0)
              await trx.insertInto('event_deliveries').values(deliveryRows(events, record.createdAt)).execute();
            // Managed signing's outbox: the image's IN_PROGRESS statuses, signed after the commit
            // or, had this node stopped before, by the recovery job.
            if (signings.length > 0) await upsertSigningStatuses(trx, signings);
          }),
        ),
      );
      return { stored: true };
    } catch (err) {
      if (err instanceof ImmutableTagConflict) return { stored: false, immutableTag: err.tag };
      if (err instanceof CollectedConflict) return err.outcome;
      throw err;
    }
  }

  /**
   * Under the digests' shared locks (a collection takes them exclusive before it decides): the
   * manifest's bytes are kept and not being deleted, its blobs are linked and not being deleted,
   * its children are here. What a collection decided before this is seen; what it decides after
   * sees this manifest's references.
   */
  private async verify(trx: Transaction<Database>, repositoryId: string, checks: ManifestPutChecks): Promise<void> {
    await lockDigests(trx, [checks.bytes, ...checks.blobs], 'shared', this.advisoryLocks);
    const deleting = await deletingAmong(trx, [checks.bytes, ...checks.blobs]);
    const keyed = await trx
      .selectFrom('blob_keys')
      .select('digest')
      .where('digest', '=', checks.bytes)
      .executeTakeFirst();
    if (deleting.has(checks.bytes) || !keyed) throw new CollectedConflict({ stored: false, bytesGone: true });
    const blobs = [...new Set(checks.blobs)];
    const linked =
      blobs.length === 0
        ? new Set<string>()
        : new Set(
            (
              await trx
                .selectFrom('repository_blobs')
                .select('digest')
                .where('repository_id', '=', repositoryId)
                .where('digest', 'in', blobs)
                .execute()
            ).map((r) => r.digest),
          );
    const missing = blobs.filter((d) => deleting.has(d) || !linked.has(d));
    const children = [...new Set(checks.children)];
    if (children.length > 0) {
      let query = trx
        .selectFrom('manifests')
        .select('digest')
        .where('repository_id', '=', repositoryId)
        .where('digest', 'in', children);
      if (this.rowLocks) query = query.forShare();
      const present = new Set((await query.execute()).map((r) => r.digest));
      missing.push(...children.filter((d) => !present.has(d)));
    }
    if (missing.length > 0) throw new CollectedConflict({ stored: false, missing });
  }

  async delete(repositoryId: string, digest: string, events?: EventDeliveryInput[]) {
    return retryingConflicts(() =>
      this.db.transaction().execute(async (trx) => {
        // The manifest's row first, as a put takes it: then its tags, references and conversions.
        let query = trx
          .selectFrom('manifests')
          .select('digest')
          .where('repository_id', '=', repositoryId)
          .where('digest', '=', digest);
        if (this.rowLocks) query = query.forUpdate();
        if (!(await query.executeTakeFirst())) return false;
        const deleted = await deleteManifestRows(trx, repositoryId, digest);
        if (deleted) await insertDeliveries(trx, events, Date.now());
        return deleted;
      }),
    );
  }

  async referrers(repositoryId: string, subjectDigest: string, artifactType?: string) {
    let query = this.db
      .selectFrom('manifests')
      .selectAll()
      .where('repository_id', '=', repositoryId)
      .where('subject_digest', '=', subjectDigest);
    if (artifactType !== undefined) query = query.where('artifact_type', '=', artifactType);
    const rows = await query.orderBy('created_at').orderBy('digest').execute();
    return rows.map(this.toManifest);
  }

  async existing(repositoryId: string, digests: string[]) {
    if (digests.length === 0) return new Set<string>();
    const rows = await this.db
      .selectFrom('manifests')
      .select('digest')
      .where('repository_id', '=', repositoryId)
      .where('digest', 'in', digests)
      .execute();
    return new Set(rows.map((r) => r.digest));
  }
}
