// The scale-out part of `npm run bench`: Berth on PostgreSQL against Berth on SQLite (manifest
// GETs by tag and a monolithic upload, each within 0.8× is the target), and two nodes on one
// PostgreSQL database and one data directory against one node (more manifest GETs is the target).
import pg from 'pg';
import type { Body } from './http.js';
import { judge, median, renderTable, type Judged, type Row } from './report.js';
import { startBerth } from './servers.js';
import { manifestRate, monolithicUpload, pushImage } from './workloads.js';

export interface ScaleOutSettings {
  repeat: number;
  connections: number;
  getSeconds: number;
  warmupSeconds: number;
  upload: Body;
  uploadLabel: string;
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

export async function runScaleOut(
  adminUrl: string,
  settings: ScaleOutSettings,
  log: (line: string) => void,
): Promise<{ rows: Judged[]; table: string }> {
  const name = `berth_bench_${process.pid}`;
  await withAdmin(adminUrl, async (c) => {
    await c.query(`drop database if exists ${name} with (force)`);
    await c.query(`create database ${name}`);
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const env = { BERTH_METADATA_URL: url.toString(), BERTH_METADATA_POOL_SIZE: '16' };
  const sqlite = await startBerth({ label: 'sqlite' });
  const postgres = await startBerth({ label: 'postgres', env });
  const samples = {
    getSqlite: [] as number[],
    getPg: [] as number[],
    upSqlite: [] as number[],
    upPg: [] as number[],
    oneNode: [] as number[],
    twoNodes: [] as number[],
  };
  try {
    for (const server of [sqlite, postgres]) await pushImage(server.url, 'bench/small', 'latest');
    const manifest = (server: { url: string }) => `${server.url}/v2/bench/small/manifests/latest`;
    for (let rep = 0; rep < settings.repeat; rep++) {
      for (const [server, into] of [
        [sqlite, samples.getSqlite],
        [postgres, samples.getPg],
      ] as const) {
        await manifestRate(manifest(server), settings.warmupSeconds, settings.connections);
        const result = await manifestRate(manifest(server), settings.getSeconds, settings.connections);
        into.push(result.requestsPerSecond);
        log(
          `  ${server.label.padEnd(8)} manifest GET by tag: ${result.requestsPerSecond.toFixed(0)} req/s (${result.errors} errors)`,
        );
      }
      for (const [server, into] of [
        [sqlite, samples.upSqlite],
        [postgres, samples.upPg],
      ] as const) {
        const seconds = await monolithicUpload(server.url, `bench/scale-${rep}`, settings.upload);
        into.push(settings.upload.size / (1024 * 1024) / seconds);
        log(`  ${server.label.padEnd(8)} monolithic upload ${settings.uploadLabel}: ${seconds.toFixed(2)} s`);
      }
    }
    // A second node on the same database and data directory: together they take the load that
    // one node took alone (each with as many connections as the one node had).
    const second = await startBerth({ label: 'postgres-2', env, dataDir: postgres.dataDir });
    try {
      for (let rep = 0; rep < settings.repeat; rep++) {
        await manifestRate(manifest(postgres), settings.warmupSeconds, settings.connections);
        samples.oneNode.push(
          (await manifestRate(manifest(postgres), settings.getSeconds, settings.connections)).requestsPerSecond,
        );
        await Promise.all(
          [postgres, second].map((node) => manifestRate(manifest(node), settings.warmupSeconds, settings.connections)),
        );
        const both = await Promise.all(
          [postgres, second].map((node) => manifestRate(manifest(node), settings.getSeconds, settings.connections)),
        );
        samples.twoNodes.push(both.reduce((sum, r) => sum + r.requestsPerSecond, 0));
        log(
          `  one node ${samples.oneNode.at(-1)!.toFixed(0)} req/s, two nodes ${samples.twoNodes.at(-1)!.toFixed(0)} req/s (${both.map((r) => r.requestsPerSecond.toFixed(0)).join(' + ')})`,
        );
      }
    } finally {
      await second.stop();
    }
  } finally {
    await sqlite.stop();
    await postgres.stop();
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
      samples.getPg,
      samples.getSqlite,
      0.8,
    ),
    row(
      'pg:upload',
      `monolithic upload ${settings.uploadLabel}: PostgreSQL vs SQLite`,
      'MiB/s',
      samples.upPg,
      samples.upSqlite,
      0.8,
    ),
    row(
      'pg:nodes',
      'manifest GET by tag on PostgreSQL: two nodes vs one',
      'req/s',
      samples.twoNodes,
      samples.oneNode,
      1,
    ),
  ].map(judge);
  return { rows, table: renderTable(rows, ['measured', 'baseline']) };
}
