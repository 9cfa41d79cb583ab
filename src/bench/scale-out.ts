// The scale-out part of `npm run bench`: Berth on PostgreSQL against Berth on SQLite (manifest
// GETs by tag and a monolithic upload, each within 0.8× is the target), and two nodes on one
// PostgreSQL database and one data directory against one node (1.3× the manifest GETs is the target).
// With a baseline build (BENCH_BASELINE_BERTH), that build runs on PostgreSQL too (its own database),
// one node and two, measured beside this Berth's: rows of this Berth against it.
import pg from 'pg';
import { againstBaseline, baselineRow } from './baseline.js';
import type { Body } from './http.js';
import { judge, median, renderTable, type Judged, type Row } from './report.js';
import { ordered, Samples, withCpu } from './samples.js';
import { startBerth } from './servers.js';
import { manifestRate, monolithicUpload, pushImage } from './workloads.js';

export interface ScaleOutSettings {
  repeat: number;
  connections: number;
  getSeconds: number;
  warmupSeconds: number;
  upload: Body;
  uploadLabel: string;
  /** A baseline build's `dist/cli/main.js`, measured on PostgreSQL beside this Berth. */
  baselineCli?: string;
}

async function withAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

type Berth = Awaited<ReturnType<typeof startBerth>>;

/** Creates a database afresh (one per Berth build on PostgreSQL); returns its URL. */
async function createDatabase(adminUrl: string, name: string): Promise<string> {
  await withAdmin(adminUrl, async (c) => {
    await c.query(`drop database if exists ${name} with (force)`);
    await c.query(`create database ${name}`);
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function runScaleOut(
  adminUrl: string,
  settings: ScaleOutSettings,
  log: (line: string) => void,
): Promise<{ rows: Judged[]; table: string; baselineRows: Judged[] }> {
  const names = [
    `berth_bench_${process.pid}`,
    ...(settings.baselineCli ? [`berth_bench_${process.pid}_baseline`] : []),
  ];
  const envOf = (metadataUrl: string) => ({ BERTH_METADATA_URL: metadataUrl, BERTH_METADATA_POOL_SIZE: '16' });
  const samples = new Samples();
  const started: Berth[] = [];
  const start = async (...args: Parameters<typeof startBerth>) => {
    const server = await startBerth(...args);
    started.push(server);
    return server;
  };
  try {
    // One at a time: CREATE DATABASE copies template1, which must have no other session.
    const envs = [];
    for (const name of names) envs.push(envOf(await createDatabase(adminUrl, name)));
    const [envPg, envBase] = envs;
    const sqlite = await start({ label: 'sqlite' });
    const postgres = await start({ label: 'postgres', env: envPg! });
    const base =
      settings.baselineCli && envBase
        ? await start({ label: 'baseline-postgres', env: envBase, cli: settings.baselineCli })
        : undefined;
    const measured = [sqlite, postgres, ...(base ? [base] : [])];
    for (const server of measured) await pushImage(server.url, 'bench/small', 'latest');
    const manifest = (server: { url: string }) => `${server.url}/v2/bench/small/manifests/latest`;
    for (let rep = 0; rep < settings.repeat; rep++) {
      for (const server of ordered(measured, rep)) {
        await manifestRate(manifest(server), settings.warmupSeconds, settings.connections);
        const { value: result, cpu } = await withCpu(server, () =>
          manifestRate(manifest(server), settings.getSeconds, settings.connections),
        );
        samples.add('manifest', server.label, result.requestsPerSecond);
        samples.add('cpu:manifest', server.label, (cpu / result.requests) * 1e6);
        log(
          `  ${server.label.padEnd(8)} manifest GET by tag: ${result.requestsPerSecond.toFixed(0)} req/s (${result.errors} errors), server CPU ${((cpu / result.requests) * 1e6).toFixed(0)} µs/req`,
        );
      }
      for (const server of ordered(measured, rep)) {
        const seconds = await monolithicUpload(server.url, `bench/scale-${rep}`, settings.upload);
        samples.add('upload', server.label, settings.upload.size / (1024 * 1024) / seconds);
        log(`  ${server.label.padEnd(8)} monolithic upload ${settings.uploadLabel}: ${seconds.toFixed(2)} s`);
      }
    }
    // A second node on the same database and data directory: together they take the load that
    // one node took alone (each with as many connections as the one node had).
    const pairs: [Berth, Berth][] = [];
    for (const first of [postgres, ...(base ? [base] : [])]) {
      const env = first === base ? envBase! : envPg!;
      const second = await start({
        label: `${first.label}-2`,
        env,
        dataDir: first.dataDir,
        ...(first === base && { cli: settings.baselineCli! }),
      });
      pairs.push([first, second]);
    }
    for (let rep = 0; rep < settings.repeat; rep++) {
      for (const [first, second] of ordered(pairs, rep)) {
        await manifestRate(manifest(first), settings.warmupSeconds, settings.connections);
        const one = (await manifestRate(manifest(first), settings.getSeconds, settings.connections)).requestsPerSecond;
        samples.add('oneNode', first.label, one);
        await Promise.all(
          [first, second].map((node) => manifestRate(manifest(node), settings.warmupSeconds, settings.connections)),
        );
        const both = await Promise.all(
          [first, second].map((node) => manifestRate(manifest(node), settings.getSeconds, settings.connections)),
        );
        const two = both.reduce((sum, r) => sum + r.requestsPerSecond, 0);
        samples.add('twoNodes', first.label, two);
        log(
          `  ${first.label}: one node ${one.toFixed(0)} req/s, two nodes ${two.toFixed(0)} req/s (${both.map((r) => r.requestsPerSecond.toFixed(0)).join(' + ')})`,
        );
      }
    }
  } finally {
    for (const server of started.reverse()) await server.stop();
    for (const name of names)
      await withAdmin(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`)).catch(() => undefined);
  }
  const row = (key: string, metric: string, unit: string, a: number[], b: number[], min: number): Row => {
    const ma = median(a);
    const mb = median(b);
    return {
      key,
      metric,
      unit,
      berthSamples: a,
      referenceSamples: b,
      target: { kind: 'ratio', min },
      ...(ma !== undefined && { berth: ma }),
      ...(mb !== undefined && { reference: mb }),
    };
  };
  const rows = [
    row(
      'pg:manifest',
      `manifest GET by tag, ${settings.connections} conns: PostgreSQL vs SQLite`,
      'req/s',
      samples.get('manifest', 'postgres'),
      samples.get('manifest', 'sqlite'),
      0.8,
    ),
    {
      ...row(
        'pg:cpu:manifest',
        'manifest GET by tag, server CPU µs/req: PostgreSQL vs SQLite (lower is better)',
        'CPU µs/req',
        samples.get('cpu:manifest', 'postgres'),
        samples.get('cpu:manifest', 'sqlite'),
        0,
      ),
      target: { kind: 'none' as const },
    },
    row(
      'pg:upload',
      `monolithic upload ${settings.uploadLabel}: PostgreSQL vs SQLite`,
      'MiB/s',
      samples.get('upload', 'postgres'),
      samples.get('upload', 'sqlite'),
      0.8,
    ),
    row(
      'pg:nodes',
      'manifest GET by tag on PostgreSQL: two nodes vs one',
      'req/s',
      samples.get('twoNodes', 'postgres'),
      samples.get('oneNode', 'postgres'),
      1.3,
    ),
  ].map(judge);
  const versus = (key: string, metric: string, unit: string) =>
    baselineRow(
      `pg:${key}`,
      `Berth vs baseline: ${metric}`,
      unit,
      samples.get(key, 'postgres'),
      samples.get(key, 'baseline-postgres'),
      againstBaseline(),
    );
  const baselineRows = settings.baselineCli
    ? [
        versus('manifest', `manifest GET by tag on PostgreSQL, ${settings.connections} conns`, 'req/s'),
        versus('upload', `monolithic upload ${settings.uploadLabel} on PostgreSQL`, 'MiB/s'),
        versus('twoNodes', 'manifest GET by tag on PostgreSQL, two nodes', 'req/s'),
      ]
    : [];
  return { rows, table: renderTable(rows, ['measured', 'baseline']), baselineRows };
}
