// A collection of a repository with 10,000 images (BERTH_GC_SCALE_IMAGES), half of them deleted:
// it finishes, frees exactly the deleted images' blobs and links, and leaves every kept image's.
// The images are planted in bulk (pushing 10,000 over HTTP, or one transaction each through the
// store, takes minutes): their layers' bytes through the driver, their rows with a few multi-row
// statements on the server's own database, the rows a push leaves. A hundred of the deletions go
// through the store as a delete by the API does; the rest are bulk deletes of the same rows. The
// collection runs as the server runs it, and what it frees is checked against the database and
// the storage.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Berth } from '../app/berth-api.js';
import { parseDigest } from '../domain/digest.js';
import type { Database } from '../metadata/schema.js';
import { blobPath } from '../storage/layout.js';
import { testBackend, testMetadataUrl } from '../testing/postgres.js';
import { startBerth, type TestBerth } from '../testing/server.js';

const IMAGES = Number(process.env.BERTH_GC_SCALE_IMAGES ?? 10_000);
/** Rows per statement: five parameters a row stays far below either database's limit. */
const ROWS = 500;
/** Deletions made through the store (the rest in bulk). */
const STORE_DELETES = 100;

let server: TestBerth;
let berth: Berth;
let db: Kysely<Database>;
before(async () => {
  server = await startBerth({ listen: false, settings: { registry: { trashDays: 0 }, gc: { graceHours: 0 } } });
  berth = server.berth;
  // The server's database, beside the server (idle while the rows are planted).
  const url = await testMetadataUrl(server.dataDir);
  db = new Kysely<Database>({
    dialect: url
      ? new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) })
      : new SqliteDialect({
          database: () => {
            const database = new SqliteDatabase(join(server.dataDir, 'berth.db'));
            database.pragma('busy_timeout = 5000');
            return Promise.resolve(database);
          },
        }),
  });
});
after(async () => {
  await db?.destroy();
  await server?.close();
});

const digestOf = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/**
 * PostgreSQL's statistics brought up to date, as autovacuum does soon after a bulk load: without
 * them, the foreign key checks of rows naming 10,000 manifests just inserted scan the table.
 */
async function analyzed(): Promise<void> {
  if (testBackend() === 'postgres') await sql`analyze`.execute(db);
}

/** `work` on each slice of `ROWS` items. */
async function inChunks<T>(items: readonly T[], work: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += ROWS) await work(items.slice(i, i + ROWS));
}

/** `work` on every item, 16 at a time. */
async function limited<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

test(`a collection of a repository with ${IMAGES} images, half deleted, frees exactly their blobs`, async (t) => {
  const { store, driver } = berth;
  const repository = await store.repositories.ensure(berth.accountId, 'scale/app');
  const base = digestOf('shared base layer');
  await driver.putContent(blobPath(parseDigest(base)), Buffer.from('base'), { durable: false });
  await store.blobs.link(repository.id, base, 4);
  const started = Date.now() - 60_000;
  const images = Array.from({ length: IMAGES }, (_, i) => ({
    tag: `v${i}`,
    manifest: digestOf(`manifest ${i}`),
    layer: digestOf(`layer ${i}`),
    content: Buffer.from(`layer ${i}`),
  }));

  // What 10,000 pushes leave: each layer stored, linked and named by its manifest, which is tagged.
  let at = Date.now();
  await limited(images, (image) =>
    driver.putContent(blobPath(parseDigest(image.layer)), image.content, { durable: false }),
  );
  const stored = Date.now() - at;
  await db.transaction().execute(async (trx) => {
    await inChunks(images, async (chunk) => {
      await trx
        .insertInto('blobs')
        .values(
          chunk.map((i) => ({ digest: i.layer, size: i.content.length, created_at: started, last_seen_at: null })),
        )
        .execute();
      await trx
        .insertInto('repository_blobs')
        .values(chunk.map((i) => ({ repository_id: repository.id, digest: i.layer, created_at: started })))
        .execute();
      await trx
        .insertInto('manifests')
        .values(
          chunk.map((i) => ({
            repository_id: repository.id,
            digest: i.manifest,
            media_type: 'application/vnd.oci.image.manifest.v1+json',
            size: 100,
            artifact_type: null,
            subject_digest: null,
            annotations: null,
            created_at: started,
            content_digest: null,
          })),
        )
        .execute();
    });
  });
  await analyzed();
  await db.transaction().execute(async (trx) => {
    await inChunks(images, async (chunk) => {
      await trx
        .insertInto('manifest_references')
        .values(
          chunk.flatMap((i) =>
            [base, i.layer].map((child) => ({
              repository_id: repository.id,
              manifest_digest: i.manifest,
              child_digest: child,
            })),
          ),
        )
        .execute();
      await trx
        .insertInto('tags')
        .values(
          chunk.map((i) => ({
            repository_id: repository.id,
            name: i.tag,
            manifest_digest: i.manifest,
            updated_at: started,
          })),
        )
        .execute();
    });
  });
  await analyzed();
  t.diagnostic(`${IMAGES} images planted in ${Date.now() - at} ms (${stored} ms storing their layers)`);
  // The store sees them as pushed images.
  const sample = images[IMAGES - 1]!;
  assert.equal((await store.tags.resolve(repository.id, sample.tag))?.digest, sample.manifest);

  // Half deleted: a hundred through the store, the rest as the same deletes in bulk.
  const deleted = images.filter((_, i) => i % 2 === 0);
  for (const image of deleted.slice(0, STORE_DELETES))
    assert.ok(await store.manifests.delete(repository.id, image.manifest));
  await db.transaction().execute(async (trx) => {
    await inChunks(deleted.slice(STORE_DELETES), async (chunk) => {
      const digests = chunk.map((i) => i.manifest);
      await trx
        .deleteFrom('tags')
        .where('repository_id', '=', repository.id)
        .where('manifest_digest', 'in', digests)
        .execute();
      await trx
        .deleteFrom('manifest_references')
        .where('repository_id', '=', repository.id)
        .where('manifest_digest', 'in', digests)
        .execute();
      await trx
        .deleteFrom('manifests')
        .where('repository_id', '=', repository.id)
        .where('digest', 'in', digests)
        .execute();
    });
  });
  assert.equal(await store.manifests.get(repository.id, deleted.at(-1)!.manifest), undefined);

  at = Date.now();
  const report = await berth.gc.collector.collect();
  t.diagnostic(`${IMAGES} images: collected in ${Date.now() - at} ms (${JSON.stringify(report.summary.blobs)})`);
  assert.equal(report.summary.blobs.objects, deleted.length);
  assert.equal(report.summary.links.objects, deleted.length);
  assert.equal(
    report.summary.blobs.bytes,
    deleted.reduce((sum, i) => sum + i.content.length, 0),
  );

  // Exactly the deleted images' layers are gone, from the index and from the storage.
  const linked = new Set(
    (await db.selectFrom('repository_blobs').select('digest').where('repository_id', '=', repository.id).execute()).map(
      (r) => r.digest,
    ),
  );
  const indexed = new Set((await db.selectFrom('blobs').select('digest').execute()).map((r) => r.digest));
  for (const [i, image] of images.entries()) {
    const gone = i % 2 === 0;
    assert.equal(linked.has(image.layer), !gone, `layer ${i} linked`);
    assert.equal(indexed.has(image.layer), !gone, `layer ${i} indexed`);
    if (i % 97 === 0 || i < 4) {
      const present = await driver.stat(blobPath(parseDigest(image.layer))).then(
        () => true,
        () => false,
      );
      assert.equal(present, !gone, `layer ${i} stored`);
    }
  }
  assert.equal(await store.blobs.linkedSize(repository.id, base), 4, 'the shared base stays');
  assert.equal(linked.size, IMAGES / 2 + 1);
  const again = await berth.gc.collector.collect();
  assert.equal(again.summary.blobs.objects, 0);
});
