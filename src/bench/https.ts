// The HTTPS phase of `npm run bench`: Berth (`--tls-cert`/`--tls-key`) and the reference (its
// `http.tls` settings) with the same self-signed certificate (openssl, ECDSA P-256), measured as
// the plain-HTTP phases measure them: the download of a blob (servers alternating per repetition)
// and the manifest GET rate by tag, each repeated, medians reported beside plain HTTP's.
import { MiB, type Body, trustCertificate } from './http.js';
import { judge, type Judged, renderTable, sampleRow } from './report.js';
import { ordered, Samples, withCpu } from './samples.js';
import { selfSignedCertificate, type Server, startBerth, startReference } from './servers.js';
import { download, manifestRate, monolithicUpload, pushImage } from './workloads.js';
import { readFileSync, rmSync } from 'node:fs';

export interface HttpsSettings {
  repeat: number;
  mono: Body[];
  blobLabel: string;
  getSeconds: number;
  warmupSeconds: number;
  connections: number;
  /** Whether the reference is installed. */
  reference: boolean;
}

/** Runs the phase on fresh servers and stops them; rows keyed https:download and https:manifest. */
export async function runHttps(
  settings: HttpsSettings,
  log: (message: string) => void,
): Promise<{ rows: Judged[]; table: string }> {
  const tls = selfSignedCertificate();
  trustCertificate(readFileSync(tls.cert, 'utf8'));
  const servers: Server[] = [await startBerth({ tls })];
  if (settings.reference) servers.push(await startReference(tls));
  log(`  HTTPS servers: ${servers.map((s) => `${s.label} ${s.url.replace(/\/\/.*@/, '//')}`).join(', ')}`);
  const samples = new Samples();
  try {
    for (let rep = 0; rep < settings.repeat; rep++) {
      const body = settings.mono[rep]!;
      for (const server of ordered(servers, rep)) {
        await monolithicUpload(server.url, 'bench/tls', body);
        const { value: seconds, cpu } = await withCpu(server, () => download(server.url, 'bench/tls', body));
        samples.add('download', server.label, body.size / MiB / seconds);
        samples.add('cpu:download', server.label, cpu / (body.size / 1024 / MiB));
        log(
          `  ${server.label.padEnd(9)} HTTPS download #${rep + 1}: ${settings.blobLabel} in ${seconds.toFixed(2)} s, server CPU ${cpu.toFixed(2)} s`,
        );
        rmSync(server.blobFile(body.digest), { force: true });
      }
    }
    for (const server of servers) await pushImage(server.url, 'bench/tls-small', 'latest');
    for (let rep = 0; rep < settings.repeat; rep++) {
      for (const server of ordered(servers, rep)) {
        const url = `${server.url}/v2/bench/tls-small/manifests/latest`;
        if (rep === 0) await manifestRate(url, settings.warmupSeconds, settings.connections);
        const result = await manifestRate(url, settings.getSeconds, settings.connections);
        samples.add('manifest', server.label, result.requestsPerSecond);
        log(
          `  ${server.label.padEnd(9)} HTTPS manifest GET by tag #${rep + 1}: ${result.requestsPerSecond.toFixed(0)} req/s (${result.errors} errors)`,
        );
        if (result.errors > 0) throw new Error(`${server.label}: ${result.errors} HTTPS manifest GETs failed`);
      }
    }
  } finally {
    for (const server of servers) await server.stop();
  }
  const row = (key: string, metric: string, unit: string, min: number) =>
    judge(
      sampleRow(`https:${key}`, metric, unit, samples.get(key, 'berth'), samples.get(key, 'reference'), {
        kind: 'ratio',
        min,
      }),
    );
  const rows = [
    row('download', `HTTPS download ${settings.blobLabel} (GET)`, 'MiB/s', 1),
    row('manifest', `HTTPS manifest GET by tag, ${settings.connections} conns`, 'req/s', 8),
    judge(
      sampleRow(
        'https:cpu:download',
        'HTTPS download',
        'CPU s/GiB',
        samples.get('cpu:download', 'berth'),
        samples.get('cpu:download', 'reference'),
        { kind: 'none' },
      ),
    ),
  ];
  return { rows, table: renderTable(rows) };
}
