// `npm run bench`'s registry run: Berth against the reference registry and the other servers
// asked for, the phases of phases.ts on them, then the extra phases (extra-phases.ts), and the
// report (output.ts).
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BASELINE, baselineCli } from './baseline.js';
import { runExtraPhases } from './extra-phases.js';
import { type Body, destroyAgents, MiB, makeBody } from './http.js';
import { report } from './output.js';
import { runPhases, sizeLabel, VOLUME } from './phases.js';
import { registryRows } from './rows.js';
import { cleanupAll, prefaultPageCache, referenceVersion, type Server, startBerth, startReference } from './servers.js';
import { enabled, log, mib, outDir, PLAIN, plainCli, settings, VOLUME_ENV } from './settings.js';
import { describeLoadGenerator, loadGenerator, monolithicUpload } from './workloads.js';

export async function runRegistryBench(): Promise<void> {
  const version = referenceVersion();
  const baseline = baselineCli();
  const generator = loadGenerator();
  log(
    `Berth benchmark${settings.quick ? ' (BENCH_QUICK)' : ''}: node ${process.version}, ${cpus().length} CPUs, ${settings.repeat} sample(s) per throughput metric (median reported)`,
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

  const tables = registryRows(samples, baseline);
  const extras = await runExtraPhases(
    {
      mono,
      chunked,
      makeUpload: () => makeBody(settings.blobBytes),
      reference: version !== undefined,
      baseline,
      ...(profileDir && { profileDir }),
    },
    tables.baselineRows,
  );
  report({
    ...tables,
    extras,
    extra,
    reference: version,
    baseline,
    loadGenerator: { wrk: 'wrk -t2', ab: 'ab -k', node: 'node:http in-process' }[generator],
    profileDir,
  });
}
