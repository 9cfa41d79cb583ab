// `npm run bench`: Berth against the reference registry (CNCF Distribution, `docker-registry`),
// side by side in one run on loopback: blob upload (monolithic, chunked), blob download,
// manifest GET rate, and Berth's peak RSS during a large upload. Prints a table with the
// issue's targets and writes .bench/results.json and a chart of every ratio against its target,
// .bench/results.svg (chart.ts; copy it to docs/bench.svg for the README).
//
// Berth always encrypts at rest; BENCH_PLAIN_BERTH=<dist/cli/main.js of a build from before
// encryption> adds that build as a third server, and rows of encrypted against plain Berth
// (upload and download, target ≥ 0.7×), measured in the same run on the same machine.
//
// BENCH_BASELINE_BERTH=<dist/cli/main.js of a baseline build> (the tree before a restructuring)
// starts that build beside this one with the same settings (encrypted, the same storage and
// database kind) and measures it in every phase exactly like this Berth, the PostgreSQL and S3
// phases too: rows "Berth vs baseline" per figure, judged against ±5% (issue 19: no figure worse
// by more than 5%; for peak RSS lower is better), printed and written to .bench/results.json
// (see baseline.ts).
//
// Environment: BENCH_QUICK=1 (small sizes, a smoke run), BENCH_REPEAT=<n> (samples per
// throughput metric; the median is reported), BENCH_ONLY=upload,chunked,download,manifest,rss,postgres,s3,https,metering,observability
// (a subset of phases; s3: Berth on S3 storage, s3rver on loopback, vs the file system; metering: metering on vs off; observability: audit and metrics on vs off), BENCH_PROFILE=1 (V8 CPU profile of the Berth child, written to
// .bench/profiles/ on exit), BENCH_LOAD=node|ab|wrk (the manifest phase's client; by
// default wrk, else ab, else an in-process loop), BENCH_TIMEOUT_S=<s> (overall limit; 300 quick, 2400 full, twice that with a baseline), BENCH_POSTGRES_URL (a PostgreSQL role that may
// create databases, for the scale-out phase; BERTH_TEST_POSTGRES_URL works too). Summarise a profile with
// `node dist/bench/profile.js .bench/profiles/<run>/*.cpuprofile`.
//
// `npm run bench -- pullthrough` measures the pull-through cache instead (pullthrough.ts).
//
// `npm run bench -- soak [--duration <s>] …` runs the soak instead (see soak.ts): one Berth under
// mixed traffic and stalled clients, judged on RSS, fds and 5xx.
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { renderChart, rowsOf } from './chart.js';
import { againstBaseline, BASELINE, baselineCli, renderBaselineTable } from './baseline.js';
import { destroyAgents, makeBody, MiB, type Body } from './http.js';
import { runHttps } from './https.js';
import { runMetering } from './metering.js';
import { runObservability } from './observability.js';
import { PHASES, type Phase, runPhases, sizeLabel, VOLUME } from './phases.js';
import { judge, type Judged, renderTable, type Row, sampleRow, type Target } from './report.js';
import {
  cleanupAll,
  cleanupSync,
  prefaultPageCache,
  referenceVersion,
  startBerth,
  startReference,
  type Server,
} from './servers.js';
import { runS3 } from './s3.js';
import { runConsoleBench } from './console.js';
import { runGcBench } from './gc.js';
import { runPullThroughBench } from './pullthrough.js';
import { runReplicationBench } from './replication.js';
import { runScaleOut } from './scale-out.js';
import { parseSoakArgs, runSoak, soakTimeoutSeconds } from './soak.js';
import { describeLoadGenerator, loadGenerator, monolithicUpload } from './workloads.js';

const quick = process.env.BENCH_QUICK === '1';
const settings = {
  quick,
  blobBytes: (quick ? 64 : 512) * MiB,
  chunkBytes: 16 * MiB,
  rssBytes: (quick ? 256 : 2048) * MiB,
  getSeconds: quick ? 3 : 10,
  warmupSeconds: quick ? 1 : 3,
  connections: 16,
  repeat: Math.max(1, Number(process.env.BENCH_REPEAT ?? (quick ? 1 : 3)) || 1),
  // A baseline build doubles the Berths measured: twice the time.
  timeoutSeconds: Number(
    process.env.BENCH_TIMEOUT_S ?? (quick ? 300 : 2400) * (process.env.BENCH_BASELINE_BERTH ? 2 : 1),
  ),
};
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((p) => p.trim())) : undefined;
const enabled = (phase: Phase) => !only || only.has(phase);
const outDir = resolve('.bench');
const plainCli = process.env.BENCH_PLAIN_BERTH ? resolve(process.env.BENCH_PLAIN_BERTH) : undefined;
const PLAIN = 'plain';
/** The storage-managed Berth: /tmp is no dm-crypt device, so the declaration is forced. */
const VOLUME_ENV = {
  BERTH_STORAGE_FILESYSTEM_ENCRYPTED_VOLUME: 'true',
  BERTH_STORAGE_FILESYSTEM_FORCE_ENCRYPTED_VOLUME: 'true',
};

const log = (message: string) => process.stderr.write(`${message}\n`);
const mib = (bytes: number) => `${bytes / MiB} MiB`;

let stopping = false;
function abort(why: string, code: number): void {
  if (stopping) return;
  stopping = true;
  log(`bench: ${why}; cleaning up`);
  cleanupAll().finally(() => process.exit(code));
}

async function run(): Promise<void> {
  const version = referenceVersion();
  const baseline = baselineCli();
  const generator = loadGenerator();
  log(
    `Berth benchmark${quick ? ' (BENCH_QUICK)' : ''}: node ${process.version}, ${cpus().length} CPUs, ${settings.repeat} sample(s) per throughput metric (median reported)`,
  );
  log(`reference: ${version ?? 'NOT INSTALLED'}`);
  if (!version)
    log(
      '  the reference registry is missing: measuring Berth alone. Install it with: apt-get install -y docker-registry',
    );
  log(`manifest load generator: ${describeLoadGenerator(generator, settings.connections)}`);
  if (baseline) log(`baseline Berth (BENCH_BASELINE_BERTH): ${baseline}`);

  const profileDir =
    process.env.BENCH_PROFILE === '1'
      ? join(outDir, 'profiles', new Date().toISOString().replace(/[:.]/g, '-'))
      : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });

  log(
    `generating bodies (${settings.repeat}× 2× ${mib(settings.blobBytes)}${enabled('rss') ? ` + ${sizeLabel(settings.rssBytes)}` : ''}) and their digests…`,
  );
  const needsMono = enabled('upload') || enabled('download');
  const mono: Body[] =
    needsMono || enabled('s3') || enabled('https') || enabled('metering') || enabled('observability')
      ? Array.from({ length: settings.repeat }, () => makeBody(settings.blobBytes))
      : [];
  const chunked: Body[] =
    enabled('chunked') || enabled('s3')
      ? Array.from({ length: settings.repeat }, () => makeBody(settings.blobBytes))
      : [];
  const big = enabled('rss') ? makeBody(settings.rssBytes) : undefined;
  const warm = makeBody(settings.chunkBytes);

  // Page cache needed at once: one sample of each blob on every server, or the big upload.
  const serverCount = 1 + (version ? 1 : 0) + (plainCli ? 1 : 0) + (baseline ? 1 : 0) + (needsMono ? 1 : 0);
  const prefault = Math.max(2 * Math.max(2, serverCount) * settings.blobBytes, big ? big.size : 0) + 256 * MiB;
  // Phases without large bodies (the manifest phase alone) need no page cache held for them.
  if (mono.length > 0 || chunked.length > 0 || big) {
    const started = performance.now();
    prefaultPageCache(prefault, warm.unit);
    log(`pre-faulted ${sizeLabel(prefault)} of page cache in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }

  const startAll = async (): Promise<Server[]> => {
    const list: Server[] = [await startBerth(profileDir ? { profileDir } : {})];
    if (version) list.push(await startReference());
    // Storage-managed encryption (an AES256 repository on a declared encrypted volume): layers
    // stored plain, downloads without decryption. Measured in the upload and download phases.
    if (needsMono) list.push(await startBerth({ label: VOLUME, env: VOLUME_ENV }));
    if (plainCli) list.push(await startBerth({ cli: plainCli, label: PLAIN }));
    if (baseline) list.push(await startBerth({ cli: baseline, label: BASELINE }));
    log(`started: ${list.map((s) => `${s.label} ${s.url} (pid ${s.pid})`).join(', ')}`);
    // Warm-up (untimed): JIT, connection pools, first directories.
    for (const server of list) await monolithicUpload(server.url, 'bench/warmup', warm);
    return list;
  };
  const { samples, extra } = await runPhases(startAll, settings, { mono, chunked, big }, enabled, log);
  log('stopping servers…');
  await cleanupAll();
  destroyAgents();

  const row = (
    key: string,
    metric: string,
    unit: string,
    target: Target,
    against = 'reference',
    measured = 'berth',
  ): Row => sampleRow(key, metric, unit, samples.get(key, measured), samples.get(key, against), target);
  const blob = mib(settings.blobBytes);
  const rows = [
    enabled('upload') && row('upload', `monolithic upload ${blob} (POST + PUT)`, 'MiB/s', { kind: 'ratio', min: 3 }),
    enabled('chunked') &&
      row('chunked', `chunked upload ${blob} (${mib(settings.chunkBytes)} PATCH)`, 'MiB/s', { kind: 'ratio', min: 3 }),
    enabled('download') &&
      row('download', `download ${blob} (GET), Berth-managed encryption`, 'MiB/s', { kind: 'ratio', min: 0.9 }),
    enabled('download') &&
      row(
        'download',
        `download ${blob} (GET), storage-managed encryption (encryptedVolume)`,
        'MiB/s',
        { kind: 'ratio', min: 1 },
        'reference',
        VOLUME,
      ),
    enabled('upload') &&
      row(
        'upload',
        `monolithic upload ${blob}, storage-managed encryption (info)`,
        'MiB/s',
        { kind: 'none' },
        'reference',
        VOLUME,
      ),
    enabled('manifest') &&
      row('manifest', `manifest GET by tag, ${settings.connections} conns`, 'req/s', { kind: 'ratio', min: 8 }),
    enabled('rss') &&
      row('rss', `peak RSS during ${sizeLabel(settings.rssBytes)} upload`, 'MiB', { kind: 'max', value: 150 }),
    enabled('rss') &&
      row('rssUpload', `monolithic upload ${sizeLabel(settings.rssBytes)} (info)`, 'MiB/s', { kind: 'none' }),
    plainCli !== undefined &&
      enabled('upload') &&
      row('upload', `encrypted vs plain Berth: monolithic upload ${blob}`, 'MiB/s', { kind: 'ratio', min: 0.7 }, PLAIN),
    plainCli !== undefined &&
      enabled('chunked') &&
      row('chunked', `encrypted vs plain Berth: chunked upload ${blob}`, 'MiB/s', { kind: 'ratio', min: 0.7 }, PLAIN),
    plainCli !== undefined &&
      enabled('download') &&
      row('download', `encrypted vs plain Berth: download ${blob}`, 'MiB/s', { kind: 'ratio', min: 0.7 }, PLAIN),
    plainCli !== undefined &&
      enabled('rss') &&
      row(
        'rss',
        `encrypted vs plain Berth: peak RSS, ${sizeLabel(settings.rssBytes)} upload (info)`,
        'MiB',
        { kind: 'none' },
        PLAIN,
      ),
  ]
    .filter((r): r is Row => r !== false)
    .map(judge);

  const costs = [
    enabled('upload') && row('cpu:upload', 'monolithic upload', 'CPU s/GiB', { kind: 'none' }),
    enabled('chunked') && row('cpu:chunked', 'chunked upload', 'CPU s/GiB', { kind: 'none' }),
    enabled('download') && row('cpu:download', 'download', 'CPU s/GiB', { kind: 'none' }),
    enabled('download') &&
      row('cpu:download', 'download, storage-managed encryption', 'CPU s/GiB', { kind: 'none' }, 'reference', VOLUME),
    enabled('manifest') && row('cpu:manifest', 'manifest GET by tag', 'CPU µs/req', { kind: 'none' }),
    enabled('rss') &&
      row('cpu:rssUpload', `monolithic upload ${sizeLabel(settings.rssBytes)}`, 'CPU s/GiB', { kind: 'none' }),
  ]
    .filter((r): r is Row => r !== false)
    .map(judge);

  // This Berth against the baseline build, figure by figure (issue 19's ±5%).
  const base = (key: string, metric: string, unit: string, target: Target) =>
    row(key, `Berth vs baseline: ${metric}`, unit, target, BASELINE);
  const baselineRows: Judged[] = baseline
    ? [
        enabled('upload') && base('upload', `monolithic upload ${blob}`, 'MiB/s', againstBaseline()),
        enabled('chunked') && base('chunked', `chunked upload ${blob}`, 'MiB/s', againstBaseline()),
        enabled('download') && base('download', `download ${blob}`, 'MiB/s', againstBaseline()),
        enabled('manifest') && base('manifest', 'manifest GET by tag', 'req/s', againstBaseline()),
        enabled('rss') &&
          base('rss', `peak RSS during ${sizeLabel(settings.rssBytes)} upload`, 'MiB', againstBaseline(true)),
        enabled('rss') &&
          base('rssUpload', `monolithic upload ${sizeLabel(settings.rssBytes)}`, 'MiB/s', againstBaseline()),
        ...costs.map((cost) => base(cost.key, `${cost.metric} (info)`, cost.unit, { kind: 'none' })),
      ]
        .filter((r): r is Row => r !== false)
        .map(judge)
    : [];

  const table = renderTable(rows);
  const costTable = renderTable(costs);
  const postgresUrl = process.env.BENCH_POSTGRES_URL || process.env.BERTH_TEST_POSTGRES_URL;
  let scaleOut: Awaited<ReturnType<typeof runScaleOut>> | undefined;
  if (enabled('postgres') && postgresUrl) {
    log('scale-out: Berth on PostgreSQL vs SQLite, and two nodes vs one');
    scaleOut = await runScaleOut(
      postgresUrl,
      {
        repeat: settings.repeat,
        connections: settings.connections,
        getSeconds: settings.getSeconds,
        warmupSeconds: settings.warmupSeconds,
        upload: makeBody(settings.blobBytes),
        uploadLabel: mib(settings.blobBytes),
        ...(baseline && { baselineCli: baseline }),
      },
      log,
    );
    extra.scaleOut = scaleOut.rows;
    baselineRows.push(...scaleOut.baselineRows);
  }
  let s3: Awaited<ReturnType<typeof runS3>> | undefined;
  if (enabled('s3')) {
    log('S3: Berth on S3 storage (s3rver on loopback) vs Berth on the file system');
    s3 = await runS3(
      {
        repeat: settings.repeat,
        chunkBytes: settings.chunkBytes,
        mono,
        chunked,
        label: mib(settings.blobBytes),
        ...(baseline && { baselineCli: baseline }),
      },
      log,
    );
    extra.s3 = s3.rows;
    baselineRows.push(...s3.baselineRows);
  }
  let tls: Awaited<ReturnType<typeof runHttps>> | undefined;
  if (enabled('https')) {
    log('HTTPS: Berth (--tls-cert) and the reference (http.tls), the same self-signed certificate');
    tls = await runHttps(
      {
        repeat: settings.repeat,
        mono,
        blobLabel: blob,
        getSeconds: settings.getSeconds,
        warmupSeconds: settings.warmupSeconds,
        connections: settings.connections,
        reference: version !== undefined,
      },
      log,
    );
    extra.https = tls.rows;
  }
  let metering: Awaited<ReturnType<typeof runMetering>> | undefined;
  if (enabled('metering')) {
    log('metering: two Berths, metering on and off');
    metering = await runMetering(
      {
        repeat: settings.repeat,
        mono,
        blobLabel: blob,
        getSeconds: settings.getSeconds,
        warmupSeconds: settings.warmupSeconds,
        connections: settings.connections,
      },
      log,
    );
    extra.metering = metering.rows;
  }
  let observed: Awaited<ReturnType<typeof runObservability>> | undefined;
  if (enabled('observability')) {
    log('observability: Berth with the audit trail and metrics on (the defaults) vs off');
    const { repeat, getSeconds, warmupSeconds, connections } = settings;
    observed = await runObservability(
      { repeat, mono, blobLabel: blob, getSeconds, warmupSeconds, connections, ...(profileDir && { profileDir }) },
      log,
    );
    extra.observability = observed.rows;
  }
  process.stdout.write(`\n${table}\n\n`);
  if (metering) process.stdout.write(`metering on vs off (target ≥ 0.95×):\n${metering.table}\n\n`);
  if (tls) process.stdout.write(`over HTTPS (the same figures, TLS on both servers):\n${tls.table}\n\n`);
  if (observed)
    process.stdout.write(
      `audit trail + metrics on vs off (the "reference" column is Berth with both off; target ≥ 0.95×):\n${observed.table}\n\n`,
    );
  process.stdout.write(
    `server CPU time per unit of work (user + system, all threads; lower is better, less sensitive to other load):\n${costTable}\n\n`,
  );
  if (scaleOut)
    process.stdout.write(
      `scale-out (measured vs baseline: PostgreSQL vs SQLite, two nodes vs one):\n${scaleOut.table}\n\n`,
    );
  else if (enabled('postgres'))
    process.stdout.write(
      'scale-out not measured: set BENCH_POSTGRES_URL (or BERTH_TEST_POSTGRES_URL) to a role that may create databases\n',
    );
  if (s3)
    process.stdout.write(
      `S3 storage (s3rver on loopback; no target: what the S3 protocol costs here):\n${s3.table}\n\n`,
    );
  const baselineTable = baseline ? renderBaselineTable(baselineRows) : undefined;
  if (baselineTable)
    process.stdout.write(
      `Berth vs baseline (${baseline}; no figure worse by more than 5%: rates ≥ 0.95×, RSS ≤ 1.05×):\n${baselineTable}\n\n`,
    );
  const missed = [
    ...rows,
    ...(tls?.rows ?? []),
    ...(metering?.rows ?? []),
    ...(observed?.rows ?? []),
    ...(scaleOut?.rows ?? []),
    ...(s3?.rows ?? []),
    ...baselineRows,
  ]
    .filter((r) => r.met === false)
    .map((r) => r.metric);
  process.stdout.write(missed.length === 0 ? 'all measured targets met\n' : `targets not met: ${missed.join('; ')}\n`);
  if (!version)
    process.stdout.write('reference not installed (apt-get install -y docker-registry): ratios not measured\n');
  if (settings.rssBytes !== 2048 * MiB || settings.blobBytes !== 512 * MiB)
    process.stdout.write("note: BENCH_QUICK sizes, not the issue's 512 MiB / 2 GiB\n");

  mkdirSync(outDir, { recursive: true });
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    settings,
    phases: only ? [...only] : [...PHASES],
    reference: version ?? null,
    loadGenerator: { wrk: 'wrk -t2', ab: 'ab -k', node: 'node:http in-process' }[generator],
    results: rows,
    cpuCost: costs,
    ...extra,
    ...(baseline && { baseline: { cli: baseline, rows: baselineRows } }),
    table,
    costTable,
    ...(baselineTable && { baselineTable }),
    ...(profileDir && { profileDir }),
  };
  const json = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(join(outDir, 'results.json'), json);
  writeFileSync(join(outDir, `results-${results.date.replace(/[:.]/g, '-')}.json`), json);
  const title = `npm run bench${quick ? ' (BENCH_QUICK sizes)' : ''}, ${settings.repeat} sample(s) a figure, ${results.date.slice(0, 16)}`;
  writeFileSync(join(outDir, 'results.svg'), renderChart(rowsOf(results), title));
  log(
    `results written to ${join(outDir, 'results.json')}, chart to ${join(outDir, 'results.svg')}${profileDir ? `; CPU profile(s) in ${profileDir}` : ''}`,
  );
}

process.on('SIGINT', () => abort('interrupted', 130));
process.on('SIGTERM', () => abort('terminated', 143));
process.on('exit', cleanupSync);
const soak = process.argv[2] === 'soak' ? process.argv.slice(3) : undefined;
let limitSeconds = settings.timeoutSeconds;
if (soak) {
  try {
    limitSeconds = Number(process.env.BENCH_TIMEOUT_S ?? soakTimeoutSeconds(parseSoakArgs(soak)));
  } catch (err) {
    log((err as Error).message);
    process.exit(2);
  }
}
const watchdog = setTimeout(
  () => abort(`exceeded the ${limitSeconds} s limit (BENCH_TIMEOUT_S)`, 1),
  limitSeconds * 1000,
);
watchdog.unref();

(soak
  ? runSoak(soak, log).then(async (pass) => {
      await cleanupAll();
      destroyAgents();
      process.exitCode = pass ? 0 : 1;
    })
  : process.argv[2] === 'gc'
    ? runGcBench(log) // `npm run bench -- gc`: garbage collection's cost (gc.ts)
    : process.argv[2] === 'replication'
      ? runReplicationBench(log) // `npm run bench -- replication`: lag and bytes sent (replication.ts)
      : process.argv[2] === 'pullthrough'
        ? runPullThroughBench(log).then((pass) => {
            // `npm run bench -- pullthrough`: the pull-through cache's targets (pullthrough.ts)
            process.exitCode = pass ? 0 : 1;
          })
        : process.argv[2] === 'console'
          ? runConsoleBench(log).then((pass) => {
              // `npm run bench -- console`: the console's repository list at 10,000 repositories (console.ts)
              process.exitCode = pass ? 0 : 1;
            })
          : run()
).then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => abort(`failed: ${(err as Error).stack ?? err}`, 1),
);
