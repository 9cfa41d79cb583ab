// Tag-list and catalog pages are keyset queries that an index serves on the backend under test: a
// page in the middle of a repository of 1,000,000 tags (a registry of 1,000,000 repositories)
// takes at most twice as long as one in a repository of 1,000 tags (a registry of 1,000
// repositories): medians of repeated reads; a scan-and-sort would take hundreds of times as long.
// Runs on SQLite, and on PostgreSQL with BERTH_TEST_BACKEND=postgres.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { dropPostgresDatabaseFor, postgresDatabaseFor, testBackend } from '../testing/postgres.js';
import { tempDir } from '../testing/server.js';
import type { KyselyMetadataStore } from './kysely-store.js';
import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';

const BIG = 1_000_000;
const SMALL = 1_000;
/** The registries (accounts) of the catalog's pages: SMALL and BIG repositories. */
const SMALL_ACCOUNT = '111111111111';
const BIG_ACCOUNT = '222222222222';
let store: KyselyMetadataStore;
let cleanup: () => Promise<void>;

/** Fills a repository with `count` tags named tag-0000001 … through one statement. */
async function fill(db: Kysely<any>, repository: string, count: number): Promise<void> {
  await sql`insert into repositories (id, account_id, name, created_at) values (${repository}, '123456789012', ${repository}, 1)`.execute(
    db,
  );
  await sql`insert into manifests (repository_id, digest, media_type, size, created_at) values (${repository}, 'sha256:m', 'application/vnd.oci.image.manifest.v1+json', 1, 1)`.execute(
    db,
  );
  if (testBackend() === 'postgres')
    await sql`insert into tags (repository_id, name, manifest_digest, updated_at) select ${repository}, 'tag-' || lpad(g::text, 7, '0'), 'sha256:m', 1 from generate_series(1, ${count}::int) g`.execute(
      db,
    );
  else
    await sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${count}) insert into tags (repository_id, name, manifest_digest, updated_at) select ${repository}, printf('tag-%07d', i), 'sha256:m', 1 from n`.execute(
      db,
    );
}

/** Fills an account with `count` repositories named repo-0000001 … through one statement. */
async function fillRegistry(db: Kysely<any>, accountId: string, count: number): Promise<void> {
  if (testBackend() === 'postgres')
    await sql`insert into repositories (id, account_id, name, created_at) select ${accountId} || '-' || g, ${accountId}, 'repo-' || lpad(g::text, 7, '0'), 1 from generate_series(1, ${count}::int) g`.execute(
      db,
    );
  else
    await sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${count}) insert into repositories (id, account_id, name, created_at) select ${accountId} || '-' || i, ${accountId}, printf('repo-%07d', i), 1 from n`.execute(
      db,
    );
}

before(async () => {
  if (testBackend() === 'postgres') {
    const key = `keyset-${process.pid}-${Date.now()}`;
    store = await openPostgresStore(await postgresDatabaseFor(key));
    cleanup = async () => {
      await store.close();
      await dropPostgresDatabaseFor(key);
    };
  } else {
    const dir = tempDir('berth-keyset-');
    store = await openSqliteStore(join(dir, 'berth.db'));
    cleanup = async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  // The store's own connection: the rows are made in bulk, behind the interface's back.
  const db = (store as unknown as { db: Kysely<any> }).db;
  await fill(db, 'small', SMALL);
  await fill(db, 'big', BIG);
  await fillRegistry(db, SMALL_ACCOUNT, SMALL);
  await fillRegistry(db, BIG_ACCOUNT, BIG);
  // Statistics and (PostgreSQL) the visibility map now, so no autovacuum of a million new rows
  // runs while the pages are timed.
  await sql`${sql.raw(testBackend() === 'postgres' ? 'vacuum analyze tags, repositories' : 'analyze')}`.execute(db);
});
after(() => cleanup());

/** Milliseconds of a page of 100 names after `last` from `list`. */
async function timedPage(list: () => Promise<string[]>, last: string): Promise<number> {
  const started = performance.now();
  const names = await list();
  const ms = performance.now() - started;
  assert.equal(names.length, 100);
  assert.ok(names[0]! > last);
  return ms;
}

/** Milliseconds of a page of 100 tags after `last`. */
const pageMs = (repository: string, last: string) =>
  timedPage(() => store.tags.list(repository, { last, limit: 100 }), last);

/** Milliseconds of a catalog page of 100 repositories after `last`. */
const catalogMs = (accountId: string, last: string) =>
  timedPage(() => store.repositories.list(accountId, { last, limit: 100 }), last);

const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!;

test('a tag page at 1,000,000 tags takes at most twice as long as one at 1,000', { timeout: 300_000 }, async () => {
  const small: number[] = [];
  const middle: number[] = [];
  const end: number[] = [];
  // Interleaved, so that whatever else the machine does weighs on all three alike.
  for (let i = 0; i < 101; i++) {
    small.push(await pageMs('small', 'tag-0000500'));
    middle.push(await pageMs('big', 'tag-0500000'));
    end.push(await pageMs('big', 'tag-0999000'));
  }
  const [s, m, e] = [median(small), median(middle), median(end)];
  process.stderr.write(
    `${testBackend()}: page at ${SMALL} tags ${s.toFixed(3)} ms, at ${BIG} tags ${m.toFixed(3)} ms (middle), ${e.toFixed(3)} ms (end)\n`,
  );
  // A tenth of a millisecond of allowance: at these sizes the timer's and the event loop's noise
  // is of that order; a page that scanned the repository would take tens of milliseconds.
  assert.ok(m <= 2 * s + 0.1, `middle page ${m} ms against ${s} ms`);
  assert.ok(e <= 2 * s + 0.1, `end page ${e} ms against ${s} ms`);
});

test('a catalog page at 1,000,000 repositories takes at most twice as long as one at 1,000', {
  timeout: 300_000,
}, async () => {
  const small: number[] = [];
  const middle: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < 101; i++) {
    small.push(await catalogMs(SMALL_ACCOUNT, 'repo-0000500'));
    middle.push(await catalogMs(BIG_ACCOUNT, 'repo-0500000'));
    end.push(await catalogMs(BIG_ACCOUNT, 'repo-0999000'));
  }
  const [s, m, e] = [median(small), median(middle), median(end)];
  process.stderr.write(
    `${testBackend()}: catalog page at ${SMALL} repositories ${s.toFixed(3)} ms, at ${BIG} ${m.toFixed(3)} ms (middle), ${e.toFixed(3)} ms (end)\n`,
  );
  assert.ok(m <= 2 * s + 0.1, `middle page ${m} ms against ${s} ms`);
  assert.ok(e <= 2 * s + 0.1, `end page ${e} ms against ${s} ms`);
});
