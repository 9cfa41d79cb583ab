// The phases of `npm run bench` against every server of the run (Berth, the reference, and the
// plaintext or baseline Berth when asked for): monolithic upload, download and chunked upload
// (servers alternating per repetition), the manifest GET rate, and the peak RSS during a large
// upload on fresh processes. Each server is measured the same way; the samples go by its label.
// The storage-managed Berth (VOLUME) takes part in the upload and download phases only.
import { rmSync } from 'node:fs';
import { type Body, MiB } from './http.js';
import { ordered, Samples, withCpu } from './samples.js';
import type { Server } from './servers.js';
import {
  chunkedUpload,
  download,
  manifestRate,
  monolithicUpload,
  type PeakRss,
  peakRssDuring,
  procStatusKiB,
  pushImage,
} from './workloads.js';

export const PHASES = [
  'upload',
  'chunked',
  'download',
  'manifest',
  'rss',
  'postgres',
  's3',
  'https',
  'metering',
  'observability',
] as const;
export type Phase = (typeof PHASES)[number];

export interface PhaseSettings {
  blobBytes: number;
  chunkBytes: number;
  rssBytes: number;
  getSeconds: number;
  warmupSeconds: number;
  connections: number;
  repeat: number;
}

export interface Bodies {
  /** Per repetition: the monolithic upload's (and the download's) body, and the chunked upload's. */
  mono: Body[];
  chunked: Body[];
  /** The RSS phase's upload. */
  big?: Body | undefined;
}

const GiB = 1024 * MiB;

/** The label of the storage-managed Berth (encryptedVolume): measured in the upload and download phases only. */
export const VOLUME = 'volume';
const others = (list: Server[]) => list.filter((s) => s.label !== VOLUME);
const mib = (bytes: number) => `${bytes / MiB} MiB`;
export const sizeLabel = (bytes: number) => (bytes >= GiB ? `${bytes / GiB} GiB` : mib(bytes));

/** Drops blob bytes behind the registries' backs so the page cache stays bounded and warm. */
function purge(list: Server[], bodies: (Body | undefined)[]): void {
  for (const server of list) for (const body of bodies) if (body) rmSync(server.blobFile(body.digest), { force: true });
}

/**
 * Runs the enabled phases on the servers `start` launches (and launches again, fresh, for the
 * RSS phase); stops none of them (cleanupAll does).
 */
export async function runPhases(
  start: () => Promise<Server[]>,
  settings: PhaseSettings,
  bodies: Bodies,
  enabled: (phase: Phase) => boolean,
  log: (message: string) => void,
): Promise<{ samples: Samples; extra: Record<string, unknown> }> {
  const samples = new Samples();
  const extra: Record<string, unknown> = {};
  const { mono, chunked, big } = bodies;
  const needsMono = enabled('upload') || enabled('download');
  let servers = await start();
  for (let rep = 0; rep < settings.repeat; rep++) {
    if (needsMono) {
      for (const server of ordered(servers, rep)) {
        const { value: seconds, cpu } = await withCpu(server, () =>
          monolithicUpload(server.url, 'bench/mono', mono[rep]!),
        );
        samples.add('upload', server.label, settings.blobBytes / MiB / seconds);
        samples.add('cpu:upload', server.label, cpu / (settings.blobBytes / GiB));
        log(
          `  ${server.label.padEnd(9)} monolithic upload #${rep + 1}: ${mib(settings.blobBytes)} in ${seconds.toFixed(2)} s, server CPU ${cpu.toFixed(2)} s${enabled('upload') ? '' : ' (setup for download)'}`,
        );
      }
    }
    if (enabled('download')) {
      for (const server of ordered(servers, rep)) {
        const { value: seconds, cpu } = await withCpu(server, () => download(server.url, 'bench/mono', mono[rep]!));
        samples.add('download', server.label, settings.blobBytes / MiB / seconds);
        samples.add('cpu:download', server.label, cpu / (settings.blobBytes / GiB));
        log(
          `  ${server.label.padEnd(9)} download #${rep + 1}: ${mib(settings.blobBytes)} in ${seconds.toFixed(2)} s, server CPU ${cpu.toFixed(2)} s`,
        );
      }
    }
    if (enabled('chunked')) {
      for (const server of ordered(others(servers), rep)) {
        const { value: seconds, cpu } = await withCpu(server, () =>
          chunkedUpload(server.url, 'bench/chunked', chunked[rep]!, settings.chunkBytes),
        );
        samples.add('chunked', server.label, settings.blobBytes / MiB / seconds);
        samples.add('cpu:chunked', server.label, cpu / (settings.blobBytes / GiB));
        log(
          `  ${server.label.padEnd(9)} chunked upload #${rep + 1}: ${mib(settings.blobBytes)} in ${mib(settings.chunkBytes)} PATCHes, ${seconds.toFixed(2)} s, server CPU ${cpu.toFixed(2)} s`,
        );
      }
    }
    purge(servers, [mono[rep], chunked[rep]]);
  }
  if (enabled('manifest')) {
    for (const server of others(servers)) await pushImage(server.url, 'bench/small', 'latest');
    // Repeated like the other figures (servers alternating), the median reported.
    for (let rep = 0; rep < settings.repeat; rep++) {
      for (const server of ordered(others(servers), rep)) {
        const url = `${server.url}/v2/bench/small/manifests/latest`;
        if (rep === 0) await manifestRate(url, settings.warmupSeconds, settings.connections);
        const { value: result, cpu } = await withCpu(server, () =>
          manifestRate(url, settings.getSeconds, settings.connections),
        );
        samples.add('manifest', server.label, result.requestsPerSecond);
        samples.add('cpu:manifest', server.label, (cpu / result.requests) * 1e6);
        log(
          `  ${server.label.padEnd(9)} manifest GET by tag #${rep + 1}: ${result.requestsPerSecond.toFixed(0)} req/s (${result.requests} requests in ${settings.getSeconds} s, ${result.errors} errors), server CPU ${cpu.toFixed(2)} s`,
        );
        if (result.errors > 0) throw new Error(`${server.label}: ${result.errors} manifest GETs failed`);
      }
    }
  }
  extra.rssAfterPhases = Object.fromEntries(
    servers.map((s) => [
      s.label,
      { VmRSS_MiB: procStatusKiB(s.pid, 'VmRSS') / 1024, VmHWM_MiB: procStatusKiB(s.pid, 'VmHWM') / 1024 },
    ]),
  );
  log(
    `  RSS after the phases above: ${servers.map((s) => `${s.label} ${(procStatusKiB(s.pid, 'VmRSS') / 1024).toFixed(1)} MiB`).join(', ')}`,
  );

  if (big) {
    // Each server on fresh processes, and first: the peak reflects the upload rather than earlier
    // phases' heap, and no other server's big upload ran before it. Measured one after another in
    // one set, the later servers' idle pages were partly taken back by the kernel while the
    // earlier ones filled the page cache, and the same build peaked up to 13 MiB lower last
    // than first.
    // Repeated like every figure (fresh processes each time, servers alternating), the median reported.
    const rss: Record<string, PeakRss[]> = {};
    const labels = others(servers).map((s) => s.label);
    for (let rep = 0; rep < settings.repeat; rep++) {
      for (const label of ordered(labels, rep)) {
        for (const server of servers) await server.stop();
        servers = await start();
        const server = servers.find((s) => s.label === label)!;
        const { value: peak, cpu } = await withCpu(server, () =>
          peakRssDuring(server.pid, () => monolithicUpload(server.url, 'bench/rss', big)),
        );
        samples.add('rss', server.label, peak.peakMiB);
        samples.add('rssUpload', server.label, settings.rssBytes / MiB / peak.seconds);
        samples.add('cpu:rssUpload', server.label, cpu / (settings.rssBytes / GiB));
        rss[server.label] = [...(rss[server.label] ?? []), peak];
        log(
          `  ${server.label.padEnd(9)} ${sizeLabel(settings.rssBytes)} upload #${rep + 1} (fresh process): ${peak.seconds.toFixed(2)} s, VmHWM ${peak.peakMiB.toFixed(1)} MiB${peak.reset ? ' (reset before)' : ' (since start: reset refused)'}, sampled VmRSS max ${peak.sampledMaxMiB.toFixed(1)} MiB, VmRSS before ${peak.baselineMiB.toFixed(1)} MiB`,
        );
        purge([server], [big]);
      }
    }
    extra.rss = rss;
  }
  return { samples, extra };
}
