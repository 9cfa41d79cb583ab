// `npm run bench -- soak [--duration <s>] [--workers <n>] [--stalled-gets <n>] [--stalled-uploads <n>]`:
// a soak of one Berth child process on loopback. Mixed pushes, pulls, tag lists and deletes, with
// stalled clients beside them (blob GETs never read, uploads that stop mid-body), for --duration
// seconds (default 600). Reports the server's RSS at the start, peak and end, its open fds
// (/proc/<pid>/fd) at the start and end, p99 latency per operation kind and the count of 5xx,
// with PASS/FAIL for the targets: RSS at the end within 20% of the start, no fd growth, no 5xx.
// Writes .bench/soak.json. Exits 1 when a target fails.
//
// "Start" is measured after a warm-up (--warmup, default 60 s, at most a tenth of the run) of the
// same traffic, so the baseline includes what any running Berth holds (JIT code, pools, caches)
// and growth after it is what the soak judges; the RSS right after launch is reported too. The
// soak looks for leaks, not for bounded caches filling: Berth's manifest cache (64 MiB by
// default) fills in about half an hour at the soak's rate of ~40 pushes a second, since the soak's
// registry keeps most of what it pushes, so the soak's Berth runs with a 1 MiB one
// (--manifest-cache-mib) that fills during the warm-up. Its other caches are bounded by count
// and fill within the warm-up at this rate. The fd
// counts are taken with every client connection closed, after the server has had a moment to
// notice, so they count what the server holds by itself.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { startBerth } from './servers.js';
import { Traffic, type Tally } from './soak-traffic.js';
import { procStatusKiB } from './workloads.js';

export interface SoakSettings {
  durationSeconds: number;
  warmupSeconds: number;
  workers: number;
  stalledGets: number;
  stalledUploads: number;
  /** The soak's Berth's manifest cache (registry.manifestCacheBytes), in MiB. */
  manifestCacheMiB: number;
}

const FLAGS: Record<string, keyof SoakSettings> = {
  '--duration': 'durationSeconds',
  '--warmup': 'warmupSeconds',
  '--workers': 'workers',
  '--stalled-gets': 'stalledGets',
  '--stalled-uploads': 'stalledUploads',
  '--manifest-cache-mib': 'manifestCacheMiB',
};

export function parseSoakArgs(args: string[]): SoakSettings {
  const settings: SoakSettings = {
    durationSeconds: 600,
    warmupSeconds: 60,
    workers: 4,
    stalledGets: 3,
    stalledUploads: 3,
    manifestCacheMiB: 1,
  };
  let warmupGiven = false;
  for (let i = 0; i < args.length; i++) {
    const raw = args[i]!;
    const [flag, inline] = raw.split('=', 2) as [string, string | undefined];
    const key = Object.hasOwn(FLAGS, flag) ? FLAGS[flag] : undefined;
    const value = Number(inline ?? args[++i]);
    if (
      !key ||
      !Number.isFinite(value) ||
      value < 0 ||
      (key !== 'warmupSeconds' && key !== 'stalledGets' && key !== 'stalledUploads' && value === 0)
    ) {
      throw new Error(
        `soak: unknown or invalid argument ${raw}; usage: soak [--duration <s>] [--warmup <s>] [--workers <n>] [--stalled-gets <n>] [--stalled-uploads <n>] [--manifest-cache-mib <n>]`,
      );
    }
    settings[key] = value;
    if (key === 'warmupSeconds') warmupGiven = true;
  }
  if (!warmupGiven)
    settings.warmupSeconds = Math.min(settings.warmupSeconds, Math.floor(settings.durationSeconds / 10));
  return settings;
}

/** The watchdog's limit for a soak: its duration and warm-up, plus start-up and reporting. */
export function soakTimeoutSeconds(settings: SoakSettings): number {
  return settings.durationSeconds + settings.warmupSeconds + 300;
}

function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

const mib = (kib: number) => kib / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function latencyTable(tally: Tally): { rows: Record<string, unknown>[]; text: string } {
  const rows = [...tally.latencies]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, list]) => ({
      kind,
      count: list.length,
      p50Ms: percentile(list, 50),
      p99Ms: percentile(list, 99),
      // A reduce, not Math.max(...list): a soak's hundreds of thousands of samples overflow the stack as arguments.
      maxMs: list.reduce((max, value) => Math.max(max, value), Number.NEGATIVE_INFINITY),
      failures: tally.failures.get(kind) ?? 0,
      statuses: Object.fromEntries(
        [...(tally.statuses.get(kind) ?? new Map<number, number>())].sort(([a], [b]) => a - b),
      ),
    }));
  const head = `${'operation'.padEnd(32)}${'count'.padStart(8)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'max ms'.padStart(10)}${'failed'.padStart(8)}  statuses`;
  const lines = rows.map(
    (r) =>
      `${r.kind.padEnd(32)}${String(r.count).padStart(8)}${r.p50Ms.toFixed(1).padStart(10)}${r.p99Ms.toFixed(1).padStart(10)}${r.maxMs.toFixed(1).padStart(10)}${String(r.failures).padStart(8)}  ${JSON.stringify(r.statuses)}`,
  );
  // Statuses of the stalled clients (no latency row of their own).
  for (const kind of ['stalled GET', 'stalled upload']) {
    if (!tally.latencies.has(kind) && tally.statuses.has(kind))
      lines.push(
        `${kind.padEnd(32)}${''.padStart(46)}${String(tally.failures.get(kind) ?? 0).padStart(8)}  ${JSON.stringify(Object.fromEntries(tally.statuses.get(kind)!))}`,
      );
  }
  return { rows, text: [head, ...lines].join('\n') };
}

export async function runSoak(args: string[], log: (message: string) => void): Promise<boolean> {
  const settings = parseSoakArgs(args);
  log(
    `soak: ${settings.durationSeconds} s of mixed traffic (${settings.workers} registry clients, ${settings.stalledGets} stalled GETs, ${settings.stalledUploads} stalled uploads) after a ${settings.warmupSeconds} s warm-up, against one Berth on loopback with a ${settings.manifestCacheMiB} MiB manifest cache`,
  );
  const server = await startBerth({
    env: { BERTH_REGISTRY_MANIFEST_CACHE_BYTES: String(Math.round(settings.manifestCacheMiB * 1024 * 1024)) },
  });
  const pid = server.pid;
  const launchRssKiB = procStatusKiB(pid, 'VmRSS');
  const agent = new http.Agent({ keepAlive: true, maxSockets: settings.workers * 2 });
  const stallMs: [number, number] = [
    Math.min(5_000, settings.durationSeconds * 250),
    Math.min(30_000, settings.durationSeconds * 500),
  ];
  /** fds with every client connection closed, once the server has seen them close. */
  const quietFds = async () => {
    agent.destroy();
    await sleep(1500);
    return fdCount(pid);
  };

  // Warm-up: the same traffic, unjudged.
  const warmup = new Traffic({
    base: server.url,
    deadline: Date.now() + settings.warmupSeconds * 1000,
    workers: settings.workers,
    stalledGets: settings.stalledGets,
    stalledUploads: settings.stalledUploads,
    stallMs,
    agent,
  });
  await warmup.setup();
  await warmup.run();
  const startFds = await quietFds();
  const startRssKiB = procStatusKiB(pid, 'VmRSS');
  log(
    `  start (after warm-up): RSS ${mib(startRssKiB).toFixed(1)} MiB (${mib(launchRssKiB).toFixed(1)} MiB at launch), ${startFds} open fds`,
  );

  const started = Date.now();
  const deadline = started + settings.durationSeconds * 1000;
  const traffic = new Traffic({
    base: server.url,
    deadline,
    workers: settings.workers,
    stalledGets: settings.stalledGets,
    stalledUploads: settings.stalledUploads,
    stallMs,
    agent,
  });
  let peakRssKiB = startRssKiB;
  let peakFds = startFds;
  const samples: { s: number; rssMiB: number; fds: number }[] = [];
  const sampler = setInterval(() => {
    try {
      const rss = procStatusKiB(pid, 'VmRSS');
      const fds = fdCount(pid);
      peakRssKiB = Math.max(peakRssKiB, rss);
      peakFds = Math.max(peakFds, fds);
      samples.push({ s: Math.round((Date.now() - started) / 1000), rssMiB: mib(rss), fds });
    } catch {
      /* the server is gone: the traffic reports it */
    }
  }, 1000);
  const progress = setInterval(() => {
    const last = samples[samples.length - 1];
    const ops = [...traffic.tally.latencies.values()].reduce((n, l) => n + l.length, 0);
    log(
      `  ${Math.round((Date.now() - started) / 1000)} s: ${ops} requests, ${traffic.tally.serverErrors} 5xx, RSS ${last?.rssMiB.toFixed(1) ?? '?'} MiB, ${last?.fds ?? '?'} fds`,
    );
  }, 30_000);
  try {
    await traffic.setup();
    await traffic.run();
  } finally {
    clearInterval(sampler);
    clearInterval(progress);
  }
  const endFds = await quietFds();
  const endRssKiB = procStatusKiB(pid, 'VmRSS');
  peakRssKiB = Math.max(peakRssKiB, endRssKiB);
  await server.stop();

  const tally = traffic.tally;
  const serverErrors = tally.serverErrors + warmup.tally.serverErrors;
  const rssGrowth = endRssKiB / startRssKiB - 1;
  const targets = [
    {
      target: 'RSS at the end within 20% of the start',
      value: `${mib(startRssKiB).toFixed(1)} → ${mib(endRssKiB).toFixed(1)} MiB (${(rssGrowth * 100).toFixed(1)}%), peak ${mib(peakRssKiB).toFixed(1)} MiB`,
      pass: Math.abs(rssGrowth) <= 0.2,
    },
    {
      target: 'no fd growth',
      value: `${startFds} → ${endFds} open fds (peak ${peakFds} under load)`,
      pass: endFds <= startFds,
    },
    {
      target: 'zero 5xx',
      value: `${serverErrors} (${tally.serverErrors} in the soak, ${warmup.tally.serverErrors} in the warm-up)`,
      pass: serverErrors === 0,
    },
  ];
  const latency = latencyTable(tally);
  const failed = [...tally.failures.values()].reduce((a, b) => a + b, 0);
  process.stdout.write(
    `\nsoak: ${settings.durationSeconds} s, ${settings.workers} clients, ${settings.stalledGets} stalled GETs, ${settings.stalledUploads} stalled uploads (Berth pid ${pid})\n\n`,
  );
  process.stdout.write(`${latency.text}\n\n`);
  for (const t of targets) process.stdout.write(`${t.pass ? 'PASS' : 'FAIL'}  ${t.target.padEnd(40)} ${t.value}\n`);
  if (failed > 0)
    process.stdout.write(
      `\n${failed} operations failed or were refused unexpectedly (not a target; first ones):\n  ${tally.examples.join('\n  ')}\n`,
    );
  const pass = targets.every((t) => t.pass);
  process.stdout.write(`\nsoak ${pass ? 'PASS' : 'FAIL'}\n`);

  const outDir = resolve('.bench');
  mkdirSync(outDir, { recursive: true });
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    settings,
    rssMiB: { launch: mib(launchRssKiB), start: mib(startRssKiB), peak: mib(peakRssKiB), end: mib(endRssKiB) },
    fds: { start: startFds, peak: peakFds, end: endFds },
    serverErrors,
    failures: Object.fromEntries(tally.failures),
    examples: tally.examples,
    latency: latency.rows,
    targets,
    pass,
    samples,
  };
  writeFileSync(join(outDir, 'soak.json'), `${JSON.stringify(results, null, 2)}\n`);
  log(`results written to ${join(outDir, 'soak.json')}`);
  return pass;
}
