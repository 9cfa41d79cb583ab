// `npm run bench -- pullthrough`: the pull-through cache (issue 22's targets), with the reference
// registry (docker-registry) on loopback as the upstream and a `berth serve` caching it under the
// prefix `up`. A pull is the manifest GET then every blob GET, bytes counted, none kept.
// - first pull through the cache vs a direct pull from the upstream (target ≤ 1.15× the time):
//   each sample a new image, pulled directly once untimed first (both read a warm page cache);
// - a cached pull vs a pull of the same-sized image pushed to Berth (target ≤ 1.05×);
// - Berth's peak RSS while a 2 GiB layer streams through on a first pull (target ≤ 150 MiB).
// BENCH_QUICK=1: 64 MiB layers and a 256 MiB RSS layer; BENCH_REPEAT: samples (median reported).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { aws } from './aws-cli.js';
import { bodyOf, type Body, call, expect, MiB, makeBody } from './http.js';
import { sizeLabel } from './phases.js';
import { cleanupAll, referenceVersion, startBerth, startReference } from './servers.js';
import { cpuSeconds, MANIFEST_ACCEPT, monolithicUpload, peakRssDuring } from './workloads.js';

const quick = process.env.BENCH_QUICK === '1';
const LAYER = (quick ? 64 : 256) * MiB;
const RSS_LAYER = (quick ? 256 : 2048) * MiB;
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3) || 1);
/** How long after a first pull the cache has stored the manifest (its background put waits 1 s). */
const SETTLE_MS = 2500;

const origin = (url: string) => {
  const u = new URL(url);
  return `${u.protocol}//${u.host}`;
};

/** Pushes an image of one `layer` (and a small config) as `name:tag`. */
async function pushImage(base: string, name: string, tag: string, layer: Body): Promise<void> {
  const config = bodyOf(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', name, tag })));
  for (const blob of [config, layer]) await monolithicUpload(base, name, blob);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.size }],
  });
  expect(
    await call('PUT', `${base}/v2/${name}/manifests/${tag}`, {
      headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
      data: manifest,
    }),
    201,
    `PUT manifest ${name}:${tag}`,
  );
}

/** A pull: the manifest, then each blob counted. Returns seconds. */
async function pull(base: string, name: string, tag: string): Promise<number> {
  const started = performance.now();
  const res = expect(
    await call('GET', `${base}/v2/${name}/manifests/${tag}`, { headers: { Accept: MANIFEST_ACCEPT } }),
    200,
    `GET manifest ${name}:${tag}`,
  );
  const manifest = JSON.parse(res.text) as { config: { digest: string }; layers: { digest: string; size: number }[] };
  for (const blob of [manifest.config, ...manifest.layers]) {
    const got = expect(
      await call('GET', `${base}/v2/${name}/blobs/${blob.digest}`, { collect: false }),
      200,
      `GET blob ${name}@${blob.digest}`,
    );
    if ('size' in blob && got.bytes !== blob.size)
      throw new Error(`GET blob ${name}: ${got.bytes} of ${blob.size} bytes`);
  }
  return (performance.now() - started) / 1000;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function runPullThroughBench(log: (message: string) => void): Promise<boolean> {
  if (!referenceVersion()) throw new Error('the pull-through bench needs docker-registry as its upstream');
  const upstream = await startReference();
  const upstreamHost = new URL(upstream.url).host;
  // BENCH_PROFILE=1: the caching Berth's V8 CPU profile, written on exit (summarise with dist/bench/profile.js).
  const profileDir =
    process.env.BENCH_PROFILE === '1'
      ? join('.bench', 'profiles', `pullthrough-${new Date().toISOString().replace(/[:.]/g, '-')}`)
      : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const berth = await startBerth({
    ...(profileDir && { profileDir }),
    env: {
      BERTH_PULL_THROUGH_CACHE_ALLOWED_HOSTS: upstreamHost,
      BERTH_PULL_THROUGH_CACHE_PLAIN_HTTP_LOOPBACK: 'true',
    },
  });
  log(
    `pull-through bench: upstream ${upstream.url} (pid ${upstream.pid}), Berth ${origin(berth.url)} (pid ${berth.pid})`,
  );
  await aws(origin(berth.url), [
    'ecr',
    'create-pull-through-cache-rule',
    '--ecr-repository-prefix',
    'up',
    '--upstream-registry-url',
    upstreamHost,
  ]);
  const direct: number[] = [];
  const first: number[] = [];
  const cached: number[] = [];
  /** Berth's CPU seconds per first pull (the relay, hashing, sealing and storing of the layer). */
  const firstCpu: number[] = [];
  const pushed: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const layer = makeBody(LAYER);
    await pushImage(upstream.url, `lib/image${i}`, '1', layer);
    await pull(upstream.url, `lib/image${i}`, '1');
    direct.push(await pull(upstream.url, `lib/image${i}`, '1'));
    const cpuBefore = cpuSeconds(berth.pid);
    first.push(await pull(berth.url, `up/lib/image${i}`, '1'));
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    // Counted after the settle: the store may still be catching up when the client is done.
    firstCpu.push(cpuSeconds(berth.pid) - cpuBefore);
    await pushImage(berth.url, `local/image${i}`, '1', makeBody(LAYER));
    // Each once untimed (the same warm-up for both), then timed in turn.
    await pull(berth.url, `up/lib/image${i}`, '1');
    await pull(berth.url, `local/image${i}`, '1');
    // In turn, the order alternating between samples (neither always reads after the other).
    if (i % 2 === 0) {
      cached.push(await pull(berth.url, `up/lib/image${i}`, '1'));
      pushed.push(await pull(berth.url, `local/image${i}`, '1'));
    } else {
      pushed.push(await pull(berth.url, `local/image${i}`, '1'));
      cached.push(await pull(berth.url, `up/lib/image${i}`, '1'));
    }
    log(
      `  sample ${i + 1}: direct ${direct[i]!.toFixed(3)} s, first through the cache ${first[i]!.toFixed(3)} s (Berth CPU ${firstCpu[i]!.toFixed(2)} s), cached ${cached[i]!.toFixed(3)} s, pushed ${pushed[i]!.toFixed(3)} s`,
    );
  }
  const big = makeBody(RSS_LAYER);
  await pushImage(upstream.url, 'lib/big', '1', big);
  // A fresh process on the same data (as the main bench's RSS phase): what streaming adds, not what came before.
  await berth.stop();
  const fresh = await startBerth({
    dataDir: berth.dataDir,
    env: {
      BERTH_PULL_THROUGH_CACHE_ALLOWED_HOSTS: upstreamHost,
      BERTH_PULL_THROUGH_CACHE_PLAIN_HTTP_LOOPBACK: 'true',
    },
  });
  const peak = await peakRssDuring(fresh.pid, () => pull(fresh.url, 'up/lib/big', '1'));
  await cleanupAll();

  const firstRatio = median(first) / median(direct);
  const cachedRatio = median(cached) / median(pushed);
  const cpuPer512 = (median(firstCpu) * (512 * MiB)) / LAYER;
  const rows = [
    {
      metric: `first pull through the cache vs direct from the upstream (${sizeLabel(LAYER)} layer)`,
      value: `${median(first).toFixed(3)} s vs ${median(direct).toFixed(3)} s = ${firstRatio.toFixed(2)}×`,
      target: '≤ 1.15×',
      pass: firstRatio <= 1.15,
    },
    {
      metric: `cached pull vs a pull of a pushed image (${sizeLabel(LAYER)} layer)`,
      value: `${median(cached).toFixed(3)} s vs ${median(pushed).toFixed(3)} s = ${cachedRatio.toFixed(2)}×`,
      target: '≤ 1.05×',
      pass: cachedRatio <= 1.05,
    },
    {
      metric: `peak RSS streaming a ${sizeLabel(RSS_LAYER)} layer through (first pull)`,
      value: `${peak.peakMiB.toFixed(1)} MiB (before ${peak.baselineMiB.toFixed(1)} MiB${peak.reset ? '' : ', VmHWM not reset'}), ${peak.seconds.toFixed(1)} s`,
      target: '≤ 150 MiB',
      pass: peak.peakMiB <= 150,
    },
  ];
  log(`\npull-through cache (${REPEAT} sample(s), medians):`);
  log(`  Berth CPU per first pull: ${median(firstCpu).toFixed(2)} s = ${cpuPer512.toFixed(2)} s per 512 MiB relayed`);
  log(`  RSS streaming through: ${(peak.peakMiB - peak.baselineMiB).toFixed(1)} MiB above the idle process`);
  for (const row of rows) log(`  ${row.pass ? 'PASS' : 'MISS'}  ${row.metric}: ${row.value} (target ${row.target})`);
  return rows.every((r) => r.pass);
}
