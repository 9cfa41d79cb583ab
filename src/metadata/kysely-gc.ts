// Garbage collection over the query builder (part of kysely-store.ts). Every decision to remove
// a link or delete bytes is a statement run after the digests' locks are taken (lockDigests), so
// it sees every push that committed before; a push takes the same locks, shared, before it
// checks what it references (kysely-manifests.ts, Blobs.link). The protocol: registry/gc.ts.
import { type Kysely, sql, type Transaction } from 'kysely';
import { deleteManifestRows } from './kysely-manifest-rows.js';
import { discardInTransaction } from './kysely-trash.js';
import type { Database } from './schema.js';
import type { GcIndex, GcLink, GcObject, GcTotals } from './store-gc.js';
import { retryingConflicts } from './kysely-conflicts.js';

type Db = Kysely<Database>;

/** Links removed per statement (two parameters each, far below either database's limit). */
const LINKS_PER_STATEMENT = 500;

/**
 * Takes the digests' locks for the rest of the transaction: shared for a push that references
 * them, exclusive for a collection that may delete them. PostgreSQL: transaction-scoped advisory
 * locks, in digest order. SQLite: the database's one write lock, taken now by a write that
 * changes nothing (the transaction would otherwise read first and take it only at its first write).
 */
export async function lockDigests(
  trx: Transaction<Database>,
  digests: readonly string[],
  mode: 'shared' | 'exclusive',
  advisoryLocks: boolean,
): Promise<void> {
  if (!advisoryLocks) {
    await sql`update gc_deletions set started_at = started_at where 1 = 0`.execute(trx);
    return;
  }
  const sorted = [...new Set(digests)].sort();
  if (sorted.length === 0) return;
  const lock = mode === 'shared' ? sql.raw('pg_advisory_xact_lock_shared') : sql.raw('pg_advisory_xact_lock');
  await sql`select ${lock}(hashtextextended(d, 0)) from (select unnest(${sorted}::text[]) as d order by 1) s`.execute(
    trx,
  );
}

/** The marked digests among `digests` (deletions in progress). */
export async function deletingAmong(trx: Transaction<Database> | Db, digests: readonly string[]): Promise<Set<string>> {
  if (digests.length === 0) return new Set();
  const rows = await trx
    .selectFrom('gc_deletions')
    .select('digest')
    .where('digest', 'in', [...digests])
    .execute();
  return new Set(rows.map((r) => r.digest));
}

const list = (digests: readonly string[]) =>
  sql.join(
    digests.map((d) => sql`${d}`),
    sql`, `,
  );

/** A blob not referenced by name anywhere: no manifest, conversion, reference or deletion mark has it. */
const unnamed = (digest: ReturnType<typeof sql.ref>) => sql`
  not exists (select 1 from manifest_references mr where mr.child_digest = ${digest})
  and not exists (select 1 from manifests m where m.digest = ${digest})
  and not exists (select 1 from manifests m2 where m2.content_digest = ${digest})
  and not exists (select 1 from manifest_conversions c where c.digest = ${digest})
  and not exists (select 1 from manifest_conversions c2 where c2.content_digest = ${digest})
  and not exists (select 1 from gc_deletions g where g.digest = ${digest})`;

/** A link the collection removes: old, its blob not seen lately, and no manifest of its repository names the blob. */
const removableLink = (cutoff: number) => sql`
  rb.created_at < ${cutoff}
  and coalesce(b.last_seen_at, b.created_at) < ${cutoff}
  and not exists (select 1 from manifest_references mr
                  where mr.repository_id = rb.repository_id and mr.child_digest = rb.digest)`;

/** A manifest with no tag, old, not named by an index of its repository, and not a referrer of one still there. */
const unneeded = (cutoff: number) => sql`
  m.created_at < ${cutoff}
  and not exists (select 1 from tags t where t.repository_id = m.repository_id and t.manifest_digest = m.digest)
  and not exists (select 1 from manifest_references mr
                  where mr.repository_id = m.repository_id and mr.child_digest = m.digest)
  and (m.subject_digest is null or not exists (select 1 from manifests s
                  where s.repository_id = m.repository_id and s.digest = m.subject_digest))`;

export class KyselyGc implements GcIndex {
  constructor(
    private readonly db: Db,
    private readonly advisoryLocks: boolean,
  ) {}

  async indexed(digests: string[]) {
    if (digests.length === 0) return new Set<string>();
    const rows = await sql<{ digest: string }>`
      select digest from blobs where digest in (${list(digests)})
      union select digest from blob_keys where digest in (${list(digests)})
      union select digest from gc_deletions where digest in (${list(digests)})`.execute(this.db);
    return new Set(rows.rows.map((r) => r.digest));
  }

  async untaggedPage(after: GcLink | undefined, cutoff: number, limit: number) {
    const rows = await sql<{ repository_id: string; digest: string }>`
      select m.repository_id, m.digest from manifests m
      where ${
        after === undefined
          ? sql`1 = 1`
          : sql`(m.repository_id > ${after.repositoryId} or (m.repository_id = ${after.repositoryId} and m.digest > ${after.digest}))`
      } and ${unneeded(cutoff)}
      order by m.repository_id, m.digest limit ${limit}`.execute(this.db);
    return rows.rows.map((r): GcLink => ({ repositoryId: r.repository_id, digest: r.digest }));
  }

  async deleteUntagged(manifest: GcLink, cutoff: number, trash?: { deletedBy: string; deletedAt: number }) {
    const { repositoryId, digest } = manifest;
    return retryingConflicts(() =>
      this.db.transaction().execute(async (trx) => {
        // The row's lock first, as a put that tags it or an index naming it takes it; then the
        // decision, which sees what they committed.
        if (!this.advisoryLocks) await lockDigests(trx, [digest], 'exclusive', false);
        else
          await sql`select 1 from manifests where repository_id = ${repositoryId} and digest = ${digest} for update`.execute(
            trx,
          );
        const still = await sql`select 1 from manifests m
          where m.repository_id = ${repositoryId} and m.digest = ${digest} and ${unneeded(cutoff)}`.execute(trx);
        if (still.rows.length === 0) return false;
        // Untagged (the decision says so): no tag goes with it. With the trash on, it is kept there.
        if (trash) return discardInTransaction(trx, repositoryId, digest, trash);
        return deleteManifestRows(trx, repositoryId, digest);
      }),
    );
  }

  async blobPage(after: string | undefined, limit: number, seenBefore?: number) {
    let query = this.db.selectFrom('blobs').select('digest');
    if (after !== undefined) query = query.where('digest', '>', after);
    if (seenBefore !== undefined) query = query.where(sql`coalesce(last_seen_at, created_at)`, '<', seenBefore);
    const rows = await query.orderBy('digest').limit(limit).execute();
    return rows.map((r) => r.digest);
  }

  async keyedPage(after: string | undefined, limit: number, keyedBefore?: number) {
    const rows = await sql<{ digest: string }>`
      select distinct k.digest from blob_keys k
      where ${after === undefined ? sql`1 = 1` : sql`k.digest > ${after}`}
        and ${keyedBefore === undefined ? sql`1 = 1` : sql`k.created_at < ${keyedBefore}`}
        and not exists (select 1 from blobs b where b.digest = k.digest)
      order by k.digest limit ${limit}`.execute(this.db);
    return rows.rows.map((r) => r.digest);
  }

  blobCandidates(digests: string[], cutoff: number) {
    return this.candidates(this.db, digests, cutoff);
  }

  private async candidates(db: Db | Transaction<Database>, digests: string[], cutoff: number) {
    if (digests.length === 0) return { links: [], blobs: [] };
    const links = await sql<{ repository_id: string; digest: string }>`
      select rb.repository_id, rb.digest from repository_blobs rb join blobs b on b.digest = rb.digest
      where rb.digest in (${list(digests)}) and ${removableLink(cutoff)}`.execute(db);
    const blobs = await sql<{ digest: string; size: number }>`
      select b.digest, b.size from blobs b
      where b.digest in (${list(digests)})
        and coalesce(b.last_seen_at, b.created_at) < ${cutoff}
        and not exists (select 1 from repository_blobs rb where rb.digest = b.digest and not (${removableLink(cutoff)}))
        and ${unnamed(sql.ref('b.digest'))}`.execute(db);
    return {
      links: links.rows.map((r): GcLink => ({ repositoryId: r.repository_id, digest: r.digest })),
      blobs: blobs.rows.map((r): GcObject => ({ digest: r.digest, size: Number(r.size) })),
    };
  }

  async sweepBlobs(digests: string[], cutoff: number, now: number) {
    if (digests.length === 0) return { links: [], blobs: [] };
    return retryingConflicts(() =>
      this.db.transaction().execute(async (trx) => {
        await lockDigests(trx, digests, 'exclusive', this.advisoryLocks);
        // Decided again under the locks: a push that committed meanwhile is seen now.
        const found = await this.candidates(trx, digests, cutoff);
        for (let i = 0; i < found.links.length; i += LINKS_PER_STATEMENT) {
          const links = found.links.slice(i, i + LINKS_PER_STATEMENT);
          await sql`delete from repository_blobs where (repository_id, digest) in (${sql.join(
            links.map((l) => sql`(${l.repositoryId}, ${l.digest})`),
            sql`, `,
          )})`.execute(trx);
        }
        if (found.blobs.length > 0) {
          await trx
            .insertInto('gc_deletions')
            .values(found.blobs.map((b) => ({ digest: b.digest, started_at: now })))
            .execute();
        }
        return found;
      }),
    );
  }

  private async unkeptManifestBytes(db: Db | Transaction<Database>, digests: string[], cutoff: number) {
    if (digests.length === 0) return [];
    const rows = await sql<{ digest: string }>`
      select distinct k.digest from blob_keys k
      where k.digest in (${list(digests)})
        and not exists (select 1 from blobs b where b.digest = k.digest)
        and not exists (select 1 from blob_keys k2 where k2.digest = k.digest and k2.created_at >= ${cutoff})
        and ${unnamed(sql.ref('k.digest'))}`.execute(db);
    return rows.rows.map((r) => r.digest);
  }

  manifestByteCandidates(digests: string[], cutoff: number) {
    return this.unkeptManifestBytes(this.db, digests, cutoff);
  }

  async markManifestBytes(digests: string[], cutoff: number, now: number) {
    if (digests.length === 0) return [];
    return retryingConflicts(() =>
      this.db.transaction().execute(async (trx) => {
        await lockDigests(trx, digests, 'exclusive', this.advisoryLocks);
        const found = await this.unkeptManifestBytes(trx, digests, cutoff);
        if (found.length > 0)
          await trx
            .insertInto('gc_deletions')
            .values(found.map((digest) => ({ digest, started_at: now })))
            .execute();
        return found;
      }),
    );
  }

  async deleting(limit: number) {
    const rows = await this.db
      .selectFrom('gc_deletions')
      .leftJoin('blobs', 'blobs.digest', 'gc_deletions.digest')
      .select(['gc_deletions.digest', 'blobs.size'])
      .orderBy('gc_deletions.started_at')
      .orderBy('gc_deletions.digest')
      .limit(limit)
      .execute();
    return rows.map(
      (r): GcObject => (r.size === null ? { digest: r.digest } : { digest: r.digest, size: Number(r.size) }),
    );
  }

  async isDeleting(digest: string) {
    return (await deletingAmong(this.db, [digest])).size > 0;
  }

  async finishDeletion(digests: string[]) {
    if (digests.length === 0) return;
    await retryingConflicts(() =>
      this.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('blob_keys').where('digest', 'in', digests).execute();
        await trx.deleteFrom('blobs').where('digest', 'in', digests).execute();
        await trx.deleteFrom('gc_deletions').where('digest', 'in', digests).execute();
      }),
    );
  }

  async touch(digest: string, now: number, staleBefore: number) {
    await this.db
      .updateTable('blobs')
      .set({ last_seen_at: now })
      .where('digest', '=', digest)
      .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', staleBefore)]))
      .execute();
  }

  async addFreed(kind: string, objects: number, bytes: number, now: number) {
    if (objects === 0 && bytes === 0) return;
    await this.db
      .insertInto('gc_stats')
      .values({ kind, objects, bytes, updated_at: now })
      .onConflict((oc) =>
        oc.column('kind').doUpdateSet((eb) => ({
          objects: sql`${eb.ref('gc_stats.objects')} + ${objects}`,
          bytes: sql`${eb.ref('gc_stats.bytes')} + ${bytes}`,
          updated_at: now,
        })),
      )
      .execute();
  }

  async freed() {
    const rows = await this.db.selectFrom('gc_stats').selectAll().orderBy('kind').execute();
    const totals: GcTotals = {};
    for (const r of rows) totals[r.kind] = { objects: Number(r.objects), bytes: Number(r.bytes) };
    return totals;
  }
}
