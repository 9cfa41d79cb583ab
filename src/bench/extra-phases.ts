// The registry run's phases beyond the main table, each on servers of its own: scale-out
// (PostgreSQL vs SQLite, two nodes vs one), S3 storage, HTTPS, metering on vs off, and the audit
// trail and metrics on vs off. Each gives rows (judged, for the list of missed targets), a table
// to print and what goes into results.json.
import type { Body } from './http.js';
import { runHttps } from './https.js';
import { runMetering } from './metering.js';
import { runObservability } from './observability.js';
import type { Judged } from './report.js';
import { runS3 } from './s3.js';
import { runScaleOut } from './scale-out.js';
import { enabled, log, mib, settings } from './settings.js';

/** A phase's outcome: its rows and the text printed before its table. */
export interface ExtraPhase {
  key: 'scaleOut' | 's3' | 'https' | 'metering' | 'observability';
  heading: string;
  rows: Judged[];
  table: string;
}

export interface ExtraInputs {
  mono: Body[];
  chunked: Body[];
  makeUpload: () => Body;
  /** The reference registry is installed. */
  reference: boolean;
  baseline: string | undefined;
  /** Where CPU profiles go (BENCH_PROFILE=1); the observability phase profiles both of its servers. */
  profileDir?: string;
}

/** Runs the enabled extra phases in order; rows against the baseline build go into `baselineRows`. */
export async function runExtraPhases(inputs: ExtraInputs, baselineRows: Judged[]): Promise<ExtraPhase[]> {
  const { mono, chunked, baseline, profileDir } = inputs;
  const { repeat, getSeconds, warmupSeconds, connections } = settings;
  const blob = mib(settings.blobBytes);
  const out: ExtraPhase[] = [];
  const postgresUrl = process.env.BENCH_POSTGRES_URL || process.env.BERTH_TEST_POSTGRES_URL;
  if (enabled('postgres') && postgresUrl) {
    log('scale-out: Berth on PostgreSQL vs SQLite, and two nodes vs one');
    const scaleOut = await runScaleOut(
      postgresUrl,
      {
        repeat,
        connections,
        getSeconds,
        warmupSeconds,
        upload: inputs.makeUpload(),
        uploadLabel: blob,
        ...(baseline && { baselineCli: baseline }),
      },
      log,
    );
    baselineRows.push(...scaleOut.baselineRows);
    const heading = 'scale-out (measured vs baseline: PostgreSQL vs SQLite, two nodes vs one):';
    out.push({ key: 'scaleOut', heading, rows: scaleOut.rows, table: scaleOut.table });
  }
  if (enabled('s3')) {
    log('S3: Berth on S3 storage (s3rver on loopback) vs Berth on the file system');
    const s3 = await runS3(
      {
        repeat,
        chunkBytes: settings.chunkBytes,
        mono,
        chunked,
        label: blob,
        ...(baseline && { baselineCli: baseline }),
      },
      log,
    );
    baselineRows.push(...s3.baselineRows);
    const heading = 'S3 storage (s3rver on loopback; no target: what the S3 protocol costs here):';
    out.push({ key: 's3', heading, rows: s3.rows, table: s3.table });
  }
  if (enabled('https')) {
    log('HTTPS: Berth (--tls-cert) and the reference (http.tls), the same self-signed certificate');
    const tls = await runHttps(
      { repeat, mono, blobLabel: blob, getSeconds, warmupSeconds, connections, reference: inputs.reference },
      log,
    );
    const heading = 'over HTTPS (the same figures, TLS on both servers):';
    out.push({ key: 'https', heading, rows: tls.rows, table: tls.table });
  }
  if (enabled('metering')) {
    log('metering: two Berths, metering on and off');
    const metering = await runMetering({ repeat, mono, blobLabel: blob, getSeconds, warmupSeconds, connections }, log);
    out.push({ key: 'metering', heading: 'metering on vs off (target ≥ 0.95×):', ...metering });
  }
  if (enabled('observability')) {
    log('observability: Berth with the audit trail and metrics on (the defaults) vs off');
    const observed = await runObservability(
      { repeat, mono, blobLabel: blob, getSeconds, warmupSeconds, connections, ...(profileDir && { profileDir }) },
      log,
    );
    const heading = 'audit trail + metrics on vs off (the "reference" column is Berth with both off; target ≥ 0.95×):';
    out.push({ key: 'observability', heading, rows: observed.rows, table: observed.table });
  }
  return out;
}
