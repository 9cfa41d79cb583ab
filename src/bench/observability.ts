// The observability phase of `npm run bench` (BENCH_ONLY=observability): what the audit trail and
// the metrics cost on the request path. Two Berths of this build, one with the defaults (audit
// trail, /metrics and the per-repository counts on) and one with audit.enabled and
// metrics.enabled off, measured alike and alternating: the download of a blob and the manifest
// GET rate by tag. Target: on / off ≥ 0.95× (issue 24).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Body, MiB } from './http.js';
import { judge, type Judged, renderTable, sampleRow } from './report.js';
import { ordered, Samples, withCpu } from './samples.js';
import { type Server, startBerth } from './servers.js';
import { cpuSeconds, download, manifestRate, monolithicUpload, pushImage } from './workloads.js';

export interface ObservabilitySettings {
  repeat: number;
  mono: Body[];
  blobLabel: string;
  getSeconds: number;
  warmupSeconds: number;
  connections: number;
  /** BENCH_PROFILE: each server's V8 CPU profile, written on exit into <profileDir>/observability-<on|off>. */
  profileDir?: string;
}

const ON = 'berth';
const OFF = 'off';

const profiled = (settings: ObservabilitySettings, which: string) =>
  settings.profileDir ? { profileDir: join(settings.profileDir, `observability-${which}`) } : {};

/** Runs the phase on fresh servers and stops them; rows keyed observability:download and observability:manifest. */
export async function runObservability(
  settings: ObservabilitySettings,
  log: (message: string) => void,
): Promise<{ rows: Judged[]; table: string }> {
  const servers: Server[] = [
    await startBerth({ label: ON, ...profiled(settings, 'on') }),
    await startBerth({
      label: OFF,
      env: { BERTH_AUDIT_ENABLED: 'false', BERTH_METRICS_ENABLED: 'false' },
      ...profiled(settings, 'off'),
    }),
  ];
  const samples = new Samples();
  try {
    for (let rep = 0; rep < settings.repeat; rep++) {
      const body = settings.mono[rep]!;
      for (const server of ordered(servers, rep)) {
        await monolithicUpload(server.url, 'bench/observed', body);
        const { value: seconds, cpu } = await withCpu(server, () => download(server.url, 'bench/observed', body));
        samples.add('download', server.label, body.size / MiB / seconds);
        samples.add('cpu:download', server.label, cpu / (body.size / 1024 / MiB));
        log(`  ${server.label.padEnd(9)} download #${rep + 1}: ${settings.blobLabel} in ${seconds.toFixed(2)} s`);
        rmSync(server.blobFile(body.digest), { force: true });
      }
    }
    for (const server of servers) await pushImage(server.url, 'bench/observed-small', 'latest');
    for (let rep = 0; rep < settings.repeat; rep++) {
      for (const server of ordered(servers, rep)) {
        const url = `${server.url}/v2/bench/observed-small/manifests/latest`;
        if (rep === 0) await manifestRate(url, settings.warmupSeconds, settings.connections);
        // The server's CPU per GET too: robust where the rate is not, on a machine others load.
        const cpuBefore = cpuSeconds(server.pid);
        const result = await manifestRate(url, settings.getSeconds, settings.connections);
        const cpuMicros = ((cpuSeconds(server.pid) - cpuBefore) * 1e6) / Math.max(1, result.requests);
        samples.add('manifest', server.label, result.requestsPerSecond);
        samples.add('cpu:manifest', server.label, cpuMicros);
        log(
          `  ${server.label.padEnd(9)} manifest GET by tag #${rep + 1}: ${result.requestsPerSecond.toFixed(0)} req/s, ${cpuMicros.toFixed(0)} µs of server CPU per GET (${result.errors} errors)`,
        );
        if (result.errors > 0) throw new Error(`${server.label}: ${result.errors} manifest GETs failed`);
      }
    }
  } finally {
    for (const server of servers) await server.stop();
  }
  const row = (key: string, metric: string, unit: string, min?: number) =>
    judge(
      sampleRow(
        `observability:${key}`,
        metric,
        unit,
        samples.get(key, ON),
        samples.get(key, OFF),
        min === undefined ? { kind: 'none' } : { kind: 'ratio', min },
      ),
    );
  // Server CPU per unit of work beside the rates: less sensitive to other load on a shared machine.
  const rows = [
    row('download', `download ${settings.blobLabel}, audit + metrics on vs off`, 'MiB/s', 0.95),
    row('manifest', `manifest GET by tag, ${settings.connections} conns, audit + metrics on vs off`, 'req/s', 0.95),
    row('cpu:download', 'audit + metrics on vs off: download (info)', 'CPU s/GiB'),
    row('cpu:manifest', 'audit + metrics on vs off: manifest GET by tag (info)', 'CPU µs/req'),
  ];
  return { rows, table: renderTable(rows) };
}
