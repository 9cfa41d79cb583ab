// `npm run bench -- gc`: garbage collection's cost, in this process on SQLite and the file system.
//   1. A collection of BENCH_GC_BLOBS (default 100,000) unreferenced small blobs, each linked into
//      a repository and stored: its time and the process's peak RSS while it runs.
//   2. Push and pull throughput (in-process requests, 8 at a time) for BENCH_GC_SECONDS, without
//      and then with collections running back to back: the slowdown (target under 10%).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import SqliteDatabase from 'better-sqlite3';
import { createBerth } from '../app/berth.js';
import { wireGc } from '../app/gc.js';
import { validate } from '../config/load.js';
import { parseDigest } from '../domain/digest.js';
import { blobPath } from '../storage/layout.js';
import { digestOf, pushImage } from '../testing/registry-client.js';
import { tempDir } from '../testing/server.js';

const BLOBS = Number(process.env.BENCH_GC_BLOBS ?? 100_000);
const SECONDS = Number(process.env.BENCH_GC_SECONDS ?? 10);
const MiB = 1024 * 1024;

/** Plants `count` blobs (rows, links, stored files) as old as `at`, straight into the database and storage. */
function plant(dataDir: string, repositoryId: string, count: number, at: number): void {
  const db = new SqliteDatabase(join(dataDir, 'berth.db'));
  const blob = db.prepare('insert into blobs (digest, size, created_at, last_seen_at) values (?, ?, ?, ?)');
  const link = db.prepare('insert into repository_blobs (repository_id, digest, created_at) values (?, ?, ?)');
  const insert = db.transaction((digests: string[]) => {
    for (const digest of digests) {
      blob.run(digest, 16, at, at);
      link.run(repositoryId, digest, at);
    }
  });
  for (let start = 0; start < count; start += 10_000) {
    const digests: string[] = [];
    for (let i = start; i < Math.min(count, start + 10_000); i++) {
      const bytes = Buffer.from(`unreferenced ${i} ${Math.random()}`);
      const digest = digestOf(bytes);
      const path = join(dataDir, 'storage', blobPath(parseDigest(digest)));
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, bytes);
      digests.push(digest);
    }
    insert(digests);
  }
  db.close();
}

/** Runs `work` while sampling RSS; resolves with its time and the peak RSS seen. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; peakRss: number }> {
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  try {
    const result = await work();
    return { result, ms: performance.now() - started, peakRss: Math.max(peakRss, process.memoryUsage().rss) };
  } finally {
    clearInterval(sampler);
  }
}

export async function runGcBench(log: (message: string) => void): Promise<void> {
  const dataDir = tempDir('berth-bench-gc-');
  const config = validate(
    {
      dataDir,
      listen: '127.0.0.1:0',
      log: { level: 'silent', requests: false },
      auth: { mode: 'open' },
      public: { listen: '127.0.0.1:0' },
      gc: { graceHours: 0, intervalHours: 0 },
    },
    'bench',
  );
  const berth = await createBerth(config);
  try {
    const repository = await berth.store.repositories.ensure(berth.accountId, 'bench/garbage');
    log(`gc bench: planting ${BLOBS} unreferenced blobs`);
    plant(dataDir, repository.id, BLOBS, Date.now() - 3_600_000);
    const gc = wireGc(config, berth.store, berth.driver);
    const idleRss = process.memoryUsage().rss;
    const collection = await measured(() => gc.collector.collect());
    const freed = collection.result.summary.blobs.objects;
    log(
      `gc bench: collected ${freed} blobs (${collection.result.summary.links.objects} links) in ` +
        `${(collection.ms / 1000).toFixed(1)} s (${Math.round((freed / collection.ms) * 1000)} blobs/s); ` +
        `peak RSS ${(collection.peakRss / MiB).toFixed(0)} MiB (${((collection.peakRss - idleRss) / MiB).toFixed(0)} MiB over idle)`,
    );

    // Throughput of pushes and pulls, without and with collections running.
    const app = berth.app;
    const seed = await pushImage(app, 'bench/live', 'seed', { layers: 2 });
    const layer = seed.layers[0]!;
    const throughput = async (seconds: number): Promise<number> => {
      const until = performance.now() + seconds * 1000;
      let ops = 0;
      let n = 0;
      await Promise.all(
        Array.from({ length: 8 }, async (_, worker) => {
          while (performance.now() < until) {
            if ((n++ & 1) === 0) {
              await pushImage(app, `bench/live${worker}`, `t${n % 50}`, { layers: 1 });
            } else {
              const res = await app.inject({ url: `/v2/bench/live/blobs/${layer.digest}` });
              if (res.statusCode !== 200) throw new Error(`pull: ${res.statusCode}`);
              const manifest = await app.inject({ url: '/v2/bench/live/manifests/seed' });
              if (manifest.statusCode !== 200) throw new Error(`manifest: ${manifest.statusCode}`);
            }
            ops++;
          }
        }),
      );
      return ops / seconds;
    };
    await throughput(1);
    const without = await throughput(SECONDS);
    // A realistic grace from here: the pushes measured are not the collections' to race.
    const online = wireGc({ ...config, gc: { ...config.gc, graceHours: 1 / 60 } }, berth.store, berth.driver);
    let running = true;
    let collections = 0;
    const loop = (async () => {
      while (running) {
        await online.collector.collect();
        collections++;
      }
    })();
    const during = await throughput(SECONDS);
    running = false;
    await loop;
    const slower = (1 - during / without) * 100;
    log(
      `gc bench: push+pull ${without.toFixed(0)} ops/s without collections, ${during.toFixed(0)} ops/s with ` +
        `${collections} collections running: ${slower.toFixed(1)}% slower (target < 10%) ${slower < 10 ? 'PASS' : 'MISS'}`,
    );
  } finally {
    await berth.close();
  }
}
