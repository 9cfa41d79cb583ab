// The S3 part of `npm run bench`: Berth on S3 storage (s3rver on loopback, in its own process, or
// the store BERTH_TEST_S3_* names) against Berth on the file system: monolithic and chunked
// uploads, the download, and the peak RSS during the S3 upload. No target: the rows say what an
// S3-protocol store costs here (s3rver writes every byte to disk again, and without UploadPartCopy
// the move of a finished upload passes its bytes through Berth once more). With a baseline build
// (BENCH_BASELINE_BERTH), that build runs on S3 too (its own s3rver) and is measured beside this
// Berth: rows of this Berth on S3 against it.
import { againstBaseline, baselineRow } from './baseline.js';
import type { Body } from './http.js';
import { judge, median, renderTable, type Judged, type Row } from './report.js';
import { ordered } from './samples.js';
import { startBerth } from './servers.js';
import { chunkedUpload, download, monolithicUpload, peakRssDuring } from './workloads.js';
import { berthS3Env, startS3 } from '../testing/s3.js';

export interface S3BenchSettings {
  repeat: number;
  chunkBytes: number;
  /** Per repetition, a body for the monolithic upload and download and another for the chunked upload (a blob stored already would not be moved). */
  mono: Body[];
  chunked: Body[];
  label: string;
  /** A baseline build's `dist/cli/main.js`, measured on S3 beside this Berth. */
  baselineCli?: string;
}

const MiB = 1024 * 1024;

export async function runS3(
  settings: S3BenchSettings,
  log: (line: string) => void,
): Promise<{ rows: Judged[]; table: string; baselineRows: Judged[] }> {
  // The default part size, as a deployment has it.
  const s3 = await startS3({ partSize: 16 * MiB });
  const baseS3 = settings.baselineCli ? await startS3({ partSize: 16 * MiB }) : undefined;
  const fs = await startBerth({ label: 'fs' });
  const onS3 = await startBerth({ label: 's3', env: berthS3Env(s3.settings) as Record<string, string> });
  const base = baseS3
    ? await startBerth({
        label: 'baseline-s3',
        env: berthS3Env(baseS3.settings) as Record<string, string>,
        cli: settings.baselineCli!,
      })
    : undefined;
  const samples = new Map<string, number[]>();
  const add = (key: string, value: number) => samples.set(key, [...(samples.get(key) ?? []), value]);
  try {
    for (let rep = 0; rep < settings.repeat; rep++) {
      const body = settings.mono[rep]!;
      const mib = body.size / MiB;
      for (const server of ordered([fs, onS3, ...(base ? [base] : [])], rep)) {
        const up = await peakRssDuring(server.pid, () => monolithicUpload(server.url, `bench/s3-mono-${rep}`, body));
        add(`${server.label}:upload`, mib / up.seconds);
        if (server !== fs) add(`${server.label}:rss`, up.peakMiB);
        const down = await download(server.url, `bench/s3-mono-${rep}`, body);
        add(`${server.label}:download`, mib / down);
        const chunked = await chunkedUpload(
          server.url,
          `bench/s3-chunked-${rep}`,
          settings.chunked[rep]!,
          settings.chunkBytes,
        );
        add(`${server.label}:chunked`, mib / chunked);
        log(
          `  ${server.label.padEnd(11)} upload ${(mib / up.seconds).toFixed(1)} MiB/s (VmHWM ${up.peakMiB.toFixed(0)} MiB), download ${(mib / down).toFixed(1)} MiB/s, chunked ${(mib / chunked).toFixed(1)} MiB/s`,
        );
      }
    }
  } finally {
    await fs.stop();
    await onS3.stop();
    await base?.stop();
    await s3.close();
    await baseS3?.close();
  }
  const row = (key: string, metric: string, unit: string): Row => {
    const a = samples.get(`s3:${key}`) ?? [];
    const b = samples.get(`fs:${key}`) ?? [];
    const ma = median(a);
    const mb = median(b);
    return {
      key: `s3:${key}`,
      metric,
      unit,
      berthSamples: a,
      referenceSamples: b,
      target: { kind: 'none' },
      ...(ma !== undefined && { berth: ma }),
      ...(mb !== undefined && { reference: mb }),
    };
  };
  const rssSamples = samples.get('s3:rss') ?? [];
  const rss = median(rssSamples);
  const rows = [
    row('upload', `monolithic upload ${settings.label}: S3 (s3rver) vs file system`, 'MiB/s'),
    row(
      'chunked',
      `chunked upload ${settings.label} (${settings.chunkBytes / MiB} MiB PATCH): S3 vs file system`,
      'MiB/s',
    ),
    row('download', `download ${settings.label}: S3 vs file system`, 'MiB/s'),
    {
      key: 's3:rss',
      metric: `peak RSS during the ${settings.label} upload to S3`,
      unit: 'MiB',
      berthSamples: rssSamples,
      referenceSamples: [],
      target: { kind: 'none' },
      ...(rss !== undefined && { berth: rss }),
    } satisfies Row,
  ].map(judge);
  const versus = (key: string, metric: string, unit: string, lowerIsBetter = false) =>
    baselineRow(
      `s3:${key}`,
      `Berth vs baseline: ${metric}`,
      unit,
      samples.get(`s3:${key}`) ?? [],
      samples.get(`baseline-s3:${key}`) ?? [],
      againstBaseline(lowerIsBetter),
    );
  const baselineRows = base
    ? [
        versus('upload', `monolithic upload ${settings.label} to S3`, 'MiB/s'),
        versus('chunked', `chunked upload ${settings.label} to S3`, 'MiB/s'),
        versus('download', `download ${settings.label} from S3`, 'MiB/s'),
        versus('rss', `peak RSS during the ${settings.label} upload to S3`, 'MiB', true),
      ]
    : [];
  return { rows, table: renderTable(rows, ['S3', 'filesystem']), baselineRows };
}
