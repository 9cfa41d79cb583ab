// The advisory database an operator imports (OSV records from a directory or a zip, such as
// osv.dev's per-ecosystem all.zip), the lookup the matching uses, and the evaluation again of
// every finished scan's stored inventory when advisories change (continuous scanning: the
// layers are not read again).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import type { AdvisoryRow } from '../domain/records/scanning.js';
import type { MetadataStore } from '../metadata/store.js';
import { type AdvisoryLookup, evaluate } from './findings.js';
import { type OsvRecord, packagesOf, parseOsv } from './osv.js';
import type { Inventory } from './packages.js';

/** The lookup over the store's advisories. */
export function storeLookup(store: Pick<MetadataStore, 'scanning'>): AdvisoryLookup {
  return async (ecosystem, names) => {
    const rows = await store.scanning.advisories(ecosystem, names);
    const byId = new Map<string, OsvRecord>();
    for (const row of rows) if (!byId.has(row.id)) byId.set(row.id, JSON.parse(row.record) as OsvRecord);
    return [...byId.values()];
  };
}

/** The rows of one record: one per package of the imported ecosystems it names. */
export function advisoryRows(record: OsvRecord): AdvisoryRow[] {
  const text = JSON.stringify(record);
  return packagesOf(record).map((p) => ({
    id: record.id,
    ecosystem: p.ecosystem,
    packageName: p.name,
    modified: record.modified ?? '',
    record: text,
  }));
}

/** The JSON files of a zip (its central directory read from the buffered archive). */
function* zipJsonFiles(zip: Buffer): Generator<{ name: string; bytes: Buffer }> {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--)
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < count && zip.readUInt32LE(at) === 0x02014b50; n++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const next = at + 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const local = zip.readUInt32LE(at + 42);
    at = next;
    if (!name.endsWith('.json')) continue;
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    if (method === 0) yield { name, bytes: data };
    else if (method === 8) yield { name, bytes: inflateRawSync(data) };
  }
}

async function* directoryJsonFiles(dir: string): AsyncGenerator<{ name: string; bytes: Buffer }> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* directoryJsonFiles(path);
    else if (entry.name.endsWith('.json')) yield { name: path, bytes: await readFile(path) };
    else if (entry.name.endsWith('.zip')) yield* zipJsonFiles(await readFile(path));
  }
}

export interface ImportReport {
  files: number;
  records: number;
  /** Rows written (one per advisory and package). */
  rows: number;
  /** Files that were not OSV records of the imported ecosystems. */
  ignored: number;
  /** Finished scans evaluated again. */
  reevaluated: number;
}

/** Imports the OSV records under `source` (a directory of .json and .zip files, or one .zip or .json). */
export async function importAdvisories(
  store: Pick<MetadataStore, 'scanning'>,
  source: string,
  at = Date.now(),
): Promise<ImportReport> {
  const files = (await stat(source)).isDirectory()
    ? directoryJsonFiles(source)
    : source.endsWith('.zip')
      ? zipJsonFiles(await readFile(source))
      : [{ name: source, bytes: await readFile(source) }];
  const report: ImportReport = { files: 0, records: 0, rows: 0, ignored: 0, reevaluated: 0 };
  let batch: AdvisoryRow[] = [];
  for await (const file of files) {
    report.files++;
    let value: unknown;
    try {
      value = JSON.parse(file.bytes.toString('utf8'));
    } catch {
      report.ignored++;
      continue;
    }
    const records = (Array.isArray(value) ? value : [value]).map(parseOsv).filter((r) => r !== undefined);
    const rows = records.flatMap(advisoryRows);
    if (rows.length === 0) {
      report.ignored++;
      continue;
    }
    report.records += records.length;
    batch.push(...rows);
    if (batch.length >= 500) {
      report.rows += await store.scanning.putAdvisories(batch, at);
      batch = [];
    }
  }
  if (batch.length > 0) report.rows += await store.scanning.putAdvisories(batch, at);
  report.reevaluated = await reevaluateAll(store, at);
  return report;
}

/** Evaluates every finished scan's stored inventory against the advisories now imported; how many. */
export async function reevaluateAll(store: Pick<MetadataStore, 'scanning'>, at = Date.now()): Promise<number> {
  const lookup = storeLookup(store);
  let done = 0;
  for (let after: string | undefined; ; ) {
    const page = await store.scanning.completed(after, 100);
    if (page.length === 0) return done;
    for (const scan of page) {
      const inventory = JSON.parse(scan.inventory as string) as Inventory;
      await store.scanning.updateFindings(scan.id, await evaluate(inventory, lookup), at);
      done++;
    }
    after = page[page.length - 1]?.id;
  }
}
