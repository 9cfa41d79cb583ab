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
//
// This file only dispatches (and bounds the run's time); the registry run is run.ts: its settings
// (settings.ts), the phases on every server (phases.ts), the extra phases with servers of their
// own (extra-phases.ts), the rows of its tables (rows.ts), and what it prints and writes (output.ts).
import { destroyAgents } from './http.js';
import { runRegistryBench } from './run.js';
import { cleanupAll, cleanupSync } from './servers.js';
import { runConsoleBench } from './console.js';
import { runGcBench } from './gc.js';
import { runPullThroughBench } from './pullthrough.js';
import { runReplicationBench } from './replication.js';
import { log, settings } from './settings.js';
import { parseSoakArgs, runSoak, soakTimeoutSeconds } from './soak.js';

let stopping = false;
function abort(why: string, code: number): void {
  if (stopping) return;
  stopping = true;
  log(`bench: ${why}; cleaning up`);
  cleanupAll().finally(() => process.exit(code));
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
          : runRegistryBench()
).then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => abort(`failed: ${(err as Error).stack ?? err}`, 1),
);
