// Which repositories link which blobs (BlobIndex): a link waits out a collection deleting the same
// bytes, so it never names bytes about to disappear.
import type { Kysely } from 'kysely';
import { deletingAmong, lockDigests } from './kysely-gc.js';
import { inRepository, retryingConflicts } from './kysely-conflicts.js';
import { toRepository } from './kysely-repositories.js';
import type { Database } from './schema.js';
import type { BlobIndex } from './store.js';

type Db = Kysely<Database>;

/** How long a link waits for a collection to finish deleting the blob's bytes before it gives up. */
const DELETION_WAIT_MS = 30_000;

export class Blobs implements BlobIndex {
  constructor(
    private readonly db: Db,
    private readonly advisoryLocks: boolean,
  ) {}

  async link(repositoryId: string, digest: string, size: number) {
    // Bytes a collection is deleting are not linked: the link waits until they are gone (then
    // the caller places its own copy), so a link never names bytes about to disappear.
    const deadline = Date.now() + DELETION_WAIT_MS;
    for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
      if ((await this.tryLink(repositoryId, digest, size, false)) !== 'deleting') return;
      if (Date.now() > deadline) throw new Error(`blob ${digest} is still being deleted by a garbage collection`);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  async linkExisting(repositoryId: string, digest: string) {
    const outcome = await this.tryLink(repositoryId, digest, 0, true);
    return typeof outcome === 'number' ? outcome : undefined;
  }

  /** One attempt, under the digest's shared lock: the blob's size when linked; `deleting` or `absent` when not. */
  private tryLink(
    repositoryId: string,
    digest: string,
    size: number,
    existingOnly: boolean,
  ): Promise<number | 'deleting' | 'absent'> {
    const now = Date.now();
    return inRepository(this.db, repositoryId, () =>
      retryingConflicts(() =>
        this.db.transaction().execute(async (trx) => {
          await lockDigests(trx, [digest], 'shared', this.advisoryLocks);
          if ((await deletingAmong(trx, [digest])).size > 0) return 'deleting' as const;
          if (existingOnly) {
            const row = await trx.selectFrom('blobs').select('size').where('digest', '=', digest).executeTakeFirst();
            if (!row) return 'absent' as const;
            size = Number(row.size);
          } else {
            await trx
              .insertInto('blobs')
              .values({ digest, size, created_at: now, last_seen_at: now })
              .onConflict((oc) => oc.column('digest').doUpdateSet({ last_seen_at: now }))
              .execute();
          }
          await trx
            .insertInto('repository_blobs')
            .values({ repository_id: repositoryId, digest, created_at: now })
            .onConflict((oc) => oc.columns(['repository_id', 'digest']).doNothing())
            .execute();
          return size;
        }),
      ),
    );
  }

  async linkedSize(repositoryId: string, digest: string) {
    const row = await this.db
      .selectFrom('repository_blobs')
      .innerJoin('blobs', 'blobs.digest', 'repository_blobs.digest')
      .select('blobs.size')
      .where('repository_blobs.repository_id', '=', repositoryId)
      .where('repository_blobs.digest', '=', digest)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.size);
  }

  async unlink(repositoryId: string, digest: string) {
    const result = await this.db
      .deleteFrom('repository_blobs')
      .where('repository_id', '=', repositoryId)
      .where('digest', '=', digest)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async size(digest: string) {
    const row = await this.db.selectFrom('blobs').select('size').where('digest', '=', digest).executeTakeFirst();
    return row === undefined ? undefined : Number(row.size);
  }

  async repositoriesWith(digest: string, limit: number) {
    const rows = await this.db
      .selectFrom('repository_blobs')
      .innerJoin('repositories', 'repositories.id', 'repository_blobs.repository_id')
      .selectAll('repositories')
      .where('repository_blobs.digest', '=', digest)
      .orderBy('repository_blobs.created_at')
      .orderBy('repositories.name')
      .limit(limit)
      .execute();
    return rows.map(toRepository);
  }
}
