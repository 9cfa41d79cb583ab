// The rows of the registry run's tables, from its samples: each figure against the reference with
// the target, the server CPU per unit of work, and (with a baseline build) each figure
// against the baseline.
import { againstBaseline, BASELINE } from './baseline.js';
import { sizeLabel, VOLUME } from './phases.js';
import { judge, type Judged, type Row, sampleRow, type Target } from './report.js';
import type { Samples } from './samples.js';
import { enabled, mib, PLAIN, plainCli, settings } from './settings.js';

export interface RegistryRows {
  rows: Judged[];
  costs: Judged[];
  baselineRows: Judged[];
}

export function registryRows(samples: Samples, baseline: string | undefined): RegistryRows {
  const row = (
    key: string,
    metric: string,
    unit: string,
    target: Target,
    against = 'reference',
    measured = 'berth',
  ): Row => sampleRow(key, metric, unit, samples.get(key, measured), samples.get(key, against), target);
  const blob = mib(settings.blobBytes);
  const rss = sizeLabel(settings.rssBytes);
  const plain = plainCli !== undefined;
  const rows = [
    enabled('upload') && row('upload', `monolithic upload ${blob} (POST + PUT)`, 'MiB/s', { kind: 'ratio', min: 3 }),
    enabled('chunked') &&
      row('chunked', `chunked upload ${blob} (${mib(settings.chunkBytes)} PATCH)`, 'MiB/s', { kind: 'ratio', min: 3 }),
    enabled('download') &&
      row('download', `download ${blob} (GET), Berth-managed encryption`, 'MiB/s', { kind: 'ratio', min: 0.9 }),
    enabled('download') &&
      row(
        'download',
        `download ${blob} (GET), storage-managed encryption (encryptedVolume)`,
        'MiB/s',
        { kind: 'ratio', min: 1 },
        'reference',
        VOLUME,
      ),
    enabled('upload') &&
      row(
        'upload',
        `monolithic upload ${blob}, storage-managed encryption (info)`,
        'MiB/s',
        { kind: 'none' },
        'reference',
        VOLUME,
      ),
    enabled('manifest') &&
      row('manifest', `manifest GET by tag, ${settings.connections} conns`, 'req/s', { kind: 'ratio', min: 8 }),
    enabled('rss') && row('rss', `peak RSS during ${rss} upload`, 'MiB', { kind: 'max', value: 150 }),
    enabled('rss') && row('rssUpload', `monolithic upload ${rss} (info)`, 'MiB/s', { kind: 'none' }),
    plain &&
      enabled('upload') &&
      row('upload', `encrypted vs plain Berth: monolithic upload ${blob}`, 'MiB/s', { kind: 'ratio', min: 0.7 }, PLAIN),
    plain &&
      enabled('chunked') &&
      row('chunked', `encrypted vs plain Berth: chunked upload ${blob}`, 'MiB/s', { kind: 'ratio', min: 0.7 }, PLAIN),
    plain &&
      enabled('download') &&
      row('download', `encrypted vs plain Berth: download ${blob}`, 'MiB/s', { kind: 'ratio', min: 0.7 }, PLAIN),
    plain &&
      enabled('rss') &&
      row('rss', `encrypted vs plain Berth: peak RSS, ${rss} upload (info)`, 'MiB', { kind: 'none' }, PLAIN),
  ]
    .filter((r): r is Row => r !== false)
    .map(judge);

  const costs = [
    enabled('upload') && row('cpu:upload', 'monolithic upload', 'CPU s/GiB', { kind: 'none' }),
    enabled('upload') &&
      row(
        'cpu:upload',
        'monolithic upload, storage-managed encryption',
        'CPU s/GiB',
        { kind: 'none' },
        'reference',
        VOLUME,
      ),
    enabled('chunked') && row('cpu:chunked', 'chunked upload', 'CPU s/GiB', { kind: 'none' }),
    enabled('download') && row('cpu:download', 'download', 'CPU s/GiB', { kind: 'none' }),
    enabled('download') &&
      row('cpu:download', 'download, storage-managed encryption', 'CPU s/GiB', { kind: 'none' }, 'reference', VOLUME),
    enabled('manifest') && row('cpu:manifest', 'manifest GET by tag', 'CPU µs/req', { kind: 'none' }),
    enabled('rss') && row('cpu:rssUpload', `monolithic upload ${rss}`, 'CPU s/GiB', { kind: 'none' }),
  ]
    .filter((r): r is Row => r !== false)
    .map(judge);

  // This Berth against the baseline build, figure by figure (issue 19's ±5%).
  const base = (key: string, metric: string, unit: string, target: Target) =>
    row(key, `Berth vs baseline: ${metric}`, unit, target, BASELINE);
  const baselineRows: Judged[] = baseline
    ? [
        enabled('upload') && base('upload', `monolithic upload ${blob}`, 'MiB/s', againstBaseline()),
        enabled('chunked') && base('chunked', `chunked upload ${blob}`, 'MiB/s', againstBaseline()),
        enabled('download') && base('download', `download ${blob}`, 'MiB/s', againstBaseline()),
        enabled('manifest') && base('manifest', 'manifest GET by tag', 'req/s', againstBaseline()),
        enabled('rss') && base('rss', `peak RSS during ${rss} upload`, 'MiB', againstBaseline(true)),
        enabled('rss') && base('rssUpload', `monolithic upload ${rss}`, 'MiB/s', againstBaseline()),
        ...costs
          .filter((cost) => !cost.metric.includes('storage-managed'))
          .map((cost) => base(cost.key, `${cost.metric} (info)`, cost.unit, { kind: 'none' })),
      ]
        .filter((r): r is Row => r !== false)
        .map(judge)
    : [];
  return { rows, costs, baselineRows };
}
