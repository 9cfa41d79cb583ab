// A collection in the server yields to the requests it serves (gc.busyPercent, runtime/pacer.ts):
// while a client keeps requests in flight, the same work takes several times as long as on an idle
// server, and the client is answered throughout; on an idle server it runs at full speed. The
// garbage is planted straight into the SQLite database and storage (the pacing does not depend
// on the backend: the once tier).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { parseDigest } from '../domain/digest.js';
import { blobPath } from '../storage/layout.js';
import { testBackend } from '../testing/postgres.js';
import { digestOf } from '../testing/registry-client.js';
import { startBerth, type TestBerth } from '../testing/server.js';

const BLOBS = 100;
let server: TestBerth;
let planted = 0;

before(async () => {
  server = await startBerth({
    settings: { registry: { trashDays: 0 }, gc: { graceHours: 0, intervalHours: 0, busyPercent: 10 } },
  });
});
after(() => server?.close());

/** `count` unreferenced blobs, an hour old: rows, links and stored files. */
async function plantGarbage(count: number): Promise<void> {
  const repository = await server.berth.store.repositories.ensure(server.berth.accountId, 'gc/paced');
  const db = new SqliteDatabase(join(server.dataDir, 'berth.db'));
  db.pragma('busy_timeout = 5000');
  const at = Date.now() - 3_600_000;
  const blob = db.prepare('insert into blobs (digest, size, created_at, last_seen_at) values (?, ?, ?, ?)');
  const link = db.prepare('insert into repository_blobs (repository_id, digest, created_at) values (?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const bytes = Buffer.from(`garbage ${planted++}`);
      const digest = digestOf(bytes);
      const path = join(server.dataDir, 'storage', blobPath(parseDigest(digest)));
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, bytes);
      blob.run(digest, bytes.length, at, at);
      link.run(repository.id, digest, at);
    }
  })();
  db.close();
}

async function collect(): Promise<{ ms: number; freed: number; rested: number }> {
  const started = performance.now();
  const report = await server.berth.gc.collector.collect();
  return { ms: performance.now() - started, freed: report.summary.blobs.objects, rested: report.restedMs };
}

test('a collection works at full speed on an idle server and yields to requests on a busy one', {
  skip: testBackend() === 'postgres' && 'plants rows in the SQLite database',
}, async (t) => {
  await plantGarbage(BLOBS);
  const idle = await collect();
  assert.equal(idle.freed, BLOBS);
  assert.equal(idle.rested, 0, 'no rest with no request served');

  await plantGarbage(BLOBS);
  // A client with a request always in flight, over HTTP: the server is busy.
  let serving = true;
  const latencies: number[] = [];
  const request = async () => {
    const started = performance.now();
    const res = await fetch(`${server.url}/v2/`);
    await res.arrayBuffer();
    assert.equal(res.status, 200);
    return performance.now() - started;
  };
  await request();
  const client = (async () => {
    while (serving) latencies.push(await request());
  })();
  let busy: { ms: number; freed: number; rested: number };
  try {
    busy = await collect();
  } finally {
    serving = false;
    await client;
  }
  assert.equal(busy.freed, BLOBS, 'a paced collection frees all the same');
  t.diagnostic(
    `idle ${idle.ms.toFixed(0)} ms; busy ${busy.ms.toFixed(0)} ms, rested ${busy.rested} ms; ` +
      `${latencies.length} requests, slowest ${Math.max(...latencies).toFixed(0)} ms`,
  );
  // At busyPercent 10 the collection rests nine times as long as each unit took (at most 2 s):
  // most of its time, less what the first and last units take.
  assert.ok(busy.rested > 0.5 * busy.ms, `rested ${busy.rested} ms of ${busy.ms.toFixed(0)} ms`);
  // The client was answered throughout, never kept waiting long by a unit of the collection.
  assert.ok(latencies.length >= 20, `${latencies.length} requests answered during the collection`);
  const slowest = Math.max(...latencies);
  assert.ok(slowest < 2000, `slowest request ${slowest.toFixed(0)} ms`);
});
