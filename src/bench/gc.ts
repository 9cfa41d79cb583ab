// `npm run bench -- gc`: garbage collection's cost, in this process on SQLite and the file system.
//   1. Idle: a collection of BENCH_GC_BLOBS (default 100,000) unreferenced small blobs, each linked
//      into a repository and stored, with no request served meanwhile (the server's pacing wired,
//      so its yields are counted): time, blobs/s, CPU time per blob, peak RSS, event loop delay.
//   2. Online: push and pull throughput (in-process requests, 8 at a time, the same mix each
//      window) in windows of BENCH_GC_SECONDS (default 10): with no collection, with collections
//      paced as the server's (gc.busyPercent: its default, or BENCH_GC_BUSY_PERCENT), and with unpaced ones (no yields and
//      full batches, as `berth gc` runs and as the server's ran before pacing: for reference). Before every window, what an earlier one left is collected and
//      BENCH_GC_GARBAGE (default 20,000) unreferenced blobs are planted, so that each window starts
//      from the same state and a collection has real work throughout it. BENCH_GC_ROUNDS (default
//      3) rounds, each running the three windows in turn (its first window rotating), and the
//      medians: the target is the paced collections' cost, under 10% slower than none.
// The load generator shares the process (and its event loop) with the registry and the collector.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import SqliteDatabase from 'better-sqlite3';
import { createBerth } from '../app/berth.js';
import { wireGc } from '../app/gc.js';
import { validate } from '../config/load.js';
import { parseDigest } from '../domain/digest.js';
import { requestActivity } from '../runtime/activity.js';
import { blobPath } from '../storage/layout.js';
import { digestOf, pushImage } from '../testing/registry-client.js';
import { tempDir } from '../testing/server.js';

const BLOBS = Number(process.env.BENCH_GC_BLOBS ?? 100_000);
const SECONDS = Number(process.env.BENCH_GC_SECONDS ?? 10);
const GARBAGE = Number(process.env.BENCH_GC_GARBAGE ?? 20_000);
const ROUNDS = Number(process.env.BENCH_GC_ROUNDS ?? 3);
const MiB = 1024 * 1024;
const TARGET_PERCENT = 10;

let planted = 0;

/** Plants `count` blobs (rows, links, stored files) as old as `at`, straight into the database and storage. */
function plant(dataDir: string, repositoryId: string, count: number, at: number): void {
  const db = new SqliteDatabase(join(dataDir, 'berth.db'));
  db.pragma('busy_timeout = 5000');
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
      const bytes = Buffer.from(`unreferenced ${planted++} ${Math.random()}`);
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

/** Runs `work` while sampling RSS and the event loop's delay; resolves with its time, the peak RSS, CPU seconds and the delay. */
async function measured<T>(
  work: () => Promise<T>,
): Promise<{ result: T; ms: number; peakRss: number; cpuSeconds: number; delay: { p99: number; max: number } }> {
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu = process.cpuUsage();
  const started = performance.now();
  try {
    const result = await work();
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    loop.disable();
    return {
      result,
      ms,
      peakRss: Math.max(peakRss, process.memoryUsage().rss),
      cpuSeconds: (used.user + used.system) / 1e6,
      delay: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
    };
  } finally {
    clearInterval(sampler);
  }
}

const load = () => `load ${loadavg()[0]!.toFixed(2)}`;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

type Variant = 'none' | 'paced' | 'unpaced';
const VARIANTS: readonly Variant[] = ['none', 'paced', 'unpaced'];

interface Window {
  opsPerSecond: number;
  /** Blobs the collections freed within the window. */
  freed: number;
  p99: number;
  max: number;
  load: string;
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
      gc: {
        graceHours: 0,
        intervalHours: 0,
        ...(process.env.BENCH_GC_BUSY_PERCENT && { busyPercent: Number(process.env.BENCH_GC_BUSY_PERCENT) }),
      },
    },
    'bench',
  );
  const berth = await createBerth(config);
  try {
    const repository = await berth.store.repositories.ensure(berth.accountId, 'bench/garbage');
    log(`gc bench: planting ${BLOBS} unreferenced blobs (${load()})`);
    plant(dataDir, repository.id, BLOBS, Date.now() - 3_600_000);
    // The server's wiring: paced by its requests (none are served here).
    const gc = wireGc(config, berth.store, berth.driver, [], Date.now, requestActivity);
    const idleRss = process.memoryUsage().rss;
    const collection = await measured(() => gc.collector.collect());
    const freed = collection.result.summary.blobs.objects;
    log(
      `gc bench: idle collection of ${freed} blobs (${collection.result.summary.links.objects} links) in ` +
        `${(collection.ms / 1000).toFixed(1)} s: ${Math.round((freed / collection.ms) * 1000)} blobs/s, ` +
        `${((collection.cpuSeconds / Math.max(1, freed)) * 1e6).toFixed(0)} µs CPU per blob; ` +
        `peak RSS ${(collection.peakRss / MiB).toFixed(0)} MiB (${((collection.peakRss - idleRss) / MiB).toFixed(0)} MiB over idle); ` +
        `event loop delay p99 ${collection.delay.p99.toFixed(0)} ms, max ${collection.delay.max.toFixed(0)} ms (${load()})`,
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
    // A realistic grace from here: the pushes measured are not the collections' to race.
    const online = (paced: boolean) =>
      wireGc(
        { ...config, gc: { ...config.gc, graceHours: 1 / 60 } },
        berth.store,
        berth.driver,
        [],
        Date.now,
        paced ? requestActivity : undefined,
      ).collector;
    const collectors = { paced: online(true), unpaced: online(false) };
    const cleanup = collectors.unpaced;
    const window = async (variant: Variant): Promise<Window> => {
      // The same state before every window: nothing left over, GARBAGE blobs to collect.
      await cleanup.collect();
      plant(dataDir, repository.id, GARBAGE, Date.now() - 3_600_000);
      let running = variant !== 'none';
      let freed = 0;
      const loop = (async () => {
        while (running) {
          await collectors[variant as 'paced' | 'unpaced'].collect({
            onItem: (item) => {
              if (running && item.kind === 'blobs') freed++;
            },
          });
        }
      })();
      const measure = await measured(() => throughput(SECONDS));
      running = false;
      await loop;
      return {
        opsPerSecond: measure.result,
        freed,
        p99: measure.delay.p99,
        max: measure.delay.max,
        load: load(),
      };
    };
    const results: Record<Variant, Window[]> = { none: [], paced: [], unpaced: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
      const line: string[] = [];
      for (const variant of order) {
        const w = await window(variant);
        results[variant].push(w);
        line.push(
          `${variant} ${w.opsPerSecond.toFixed(0)} ops/s` +
            (variant === 'none' ? '' : `, ${(w.freed / SECONDS).toFixed(0)} blobs/s freed`) +
            ` (loop p99 ${w.p99.toFixed(0)} ms, max ${w.max.toFixed(0)} ms; ${w.load})`,
        );
      }
      log(`gc bench: round ${round + 1}: ${line.join(' | ')}`);
    }
    const ops = (variant: Variant) => median(results[variant].map((w) => w.opsPerSecond));
    const rate = (variant: Variant) => median(results[variant].map((w) => w.freed / SECONDS));
    const without = ops('none');
    const slower = (variant: Variant) => (1 - ops(variant) / without) * 100;
    log(
      `gc bench: medians of ${ROUNDS}: push+pull ${without.toFixed(0)} ops/s without collections; ` +
        `${ops('unpaced').toFixed(0)} ops/s with unpaced ones (${slower('unpaced').toFixed(1)}% slower, ` +
        `${rate('unpaced').toFixed(0)} blobs/s freed)`,
    );
    log(
      `gc bench: push+pull with collections paced (gc.busyPercent ${config.gc.busyPercent}): ` +
        `${ops('paced').toFixed(0)} ops/s, ${slower('paced').toFixed(1)}% slower (target < ${TARGET_PERCENT}%) ` +
        `${slower('paced') < TARGET_PERCENT ? 'PASS' : 'MISS'}; ${rate('paced').toFixed(0)} blobs/s freed while serving (${load()})`,
    );
  } finally {
    await berth.close();
  }
}
