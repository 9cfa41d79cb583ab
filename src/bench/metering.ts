// The metering phase of `npm run bench` (BENCH_ONLY=metering): two Berths alike but for
// metering.enabled, measured the same way (servers alternating per repetition): the download of
// a blob and the manifest GET rate by tag. Metering counts each response in memory and flushes
// in batches, so the metered Berth should keep ≥ 0.95× of the other's rates.
import { rmSync } from 'node:fs';
import { MiB, type Body } from './http.js';
import { judge, type Judged, renderTable, sampleRow } from './report.js';
import { ordered, Samples, withCpu } from './samples.js';
import { type Server, startBerth } from './servers.js';
import { download, manifestRate, monolithicUpload, pushImage } from './workloads.js';

export interface MeteringSettings {
  repeat: number;
  mono: Body[];
  blobLabel: string;
  getSeconds: number;
  warmupSeconds: number;
  connections: number;
}

const UNMETERED = 'unmetered';

/** Runs the phase on fresh servers and stops them; rows keyed metering:download and metering:manifest. */
export async function runMetering(
  settings: MeteringSettings,
  log: (message: string) => void,
): Promise<{ rows: Judged[]; table: string }> {
  const servers: Server[] = [
    await startBerth(),
    await startBerth({ label: UNMETERED, env: { BERTH_METERING_ENABLED: 'false' } }),
  ];
  log(`  metering servers: ${servers.map((s) => `${s.label} (pid ${s.pid})`).join(', ')}`);
  const samples = new Samples();
  try {
    for (let rep = 0; rep < settings.repeat; rep++) {
      const body = settings.mono[rep]!;
      for (const server of ordered(servers, rep)) {
        await monolithicUpload(server.url, 'bench/metering', body);
        const { value: seconds, cpu } = await withCpu(server, () => download(server.url, 'bench/metering', body));
        samples.add('download', server.label, body.size / MiB / seconds);
        samples.add('cpu:download', server.label, cpu / (body.size / 1024 / MiB));
        log(`  ${server.label.padEnd(9)} download #${rep + 1}: ${settings.blobLabel} in ${seconds.toFixed(2)} s`);
        rmSync(server.blobFile(body.digest), { force: true });
      }
    }
    for (const server of servers) await pushImage(server.url, 'bench/metering-small', 'latest');
    for (let rep = 0; rep < settings.repeat; rep++) {
      for (const server of ordered(servers, rep)) {
        const url = `${server.url}/v2/bench/metering-small/manifests/latest`;
        if (rep === 0) await manifestRate(url, settings.warmupSeconds, settings.connections);
        const { value: result, cpu } = await withCpu(server, () =>
          manifestRate(url, settings.getSeconds, settings.connections),
        );
        samples.add('manifest', server.label, result.requestsPerSecond);
        samples.add('cpu:manifest', server.label, (cpu / result.requests) * 1e6);
        log(
          `  ${server.label.padEnd(9)} manifest GET by tag #${rep + 1}: ${result.requestsPerSecond.toFixed(0)} req/s (${result.errors} errors)`,
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
        `metering:${key}`,
        metric,
        unit,
        samples.get(key, 'berth'),
        samples.get(key, UNMETERED),
        min === undefined ? { kind: 'none' } : { kind: 'ratio', min },
      ),
    );
  // Server CPU per unit of work beside the rates: less sensitive to other load on a shared machine.
  const rows = [
    row('download', `metering on vs off: download ${settings.blobLabel} (GET)`, 'MiB/s', 0.95),
    row('manifest', `metering on vs off: manifest GET by tag, ${settings.connections} conns`, 'req/s', 0.95),
    row('cpu:download', 'metering on vs off: download (info)', 'CPU s/GiB'),
    row('cpu:manifest', 'metering on vs off: manifest GET by tag (info)', 'CPU µs/req'),
  ];
  return { rows, table: renderTable(rows, ['metered', 'unmetered']) };
}
