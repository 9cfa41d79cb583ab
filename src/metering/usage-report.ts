// The usage report: storage samples integrated to GB-months and transfer counts summed, per
// repository or per day, with each account's totals and an estimated cost. Pure: usage.ts reads
// the rows and hands them here.
//
// A sample stands for its repository's storage from its time until the next sample (or the end
// of the range, or now): byte-milliseconds over the range, split at day boundaries (UTC), divided
// by a GB-month. The value in force when the range starts is the last sample before it.
import type { StorageSample, TransferCount } from '../domain/records/metering.js';
import { ANONYMOUS_CALLER } from '../domain/transfer-meter.js';
import { registryOfKey } from '../metadata/registry-key.js';
import {
  addQuantities,
  costAt,
  effectiveRates,
  GB,
  GB_MONTH_BYTE_MS,
  type MonthQuantities,
  NO_QUANTITIES,
  type Prices,
  type Rates,
} from './prices.js';

export type UsageGrouping = 'repository' | 'day';

const DAY_MS = 86_400_000;
export const PUBLIC_NETWORK = 'public-network';

export interface UsageFigures {
  /** Bytes stored at the latest sample (its attributed share: shared blobs split among their repositories). */
  storedBytes: number;
  physicalBytes: number;
  sharedBytes: number;
  archiveBytes: number;
  standardGbMonth: number;
  archiveGbMonth: number;
  transferOutBytes: number;
  mainListenerBytes: number;
  publicListenerBytes: number;
  publicNetworkBytes: number;
  privateEndpointBytes: number;
  anonymousBytes: number;
  authenticatedBytes: number;
  privateRepositoryBytes: number;
  publicRepositoryBytes: number;
  /** Responses counted (blob downloads and manifest GETs). */
  requests: number;
  estimatedCostUsd: number;
}

export interface UsageRow extends UsageFigures {
  accountId: string;
  /** By repository: its name and registry. */
  repository: string | null;
  visibility: 'private' | 'public' | null;
  /** By day: YYYY-MM-DD (UTC). */
  day: string | null;
}

export interface UsageReport {
  from: number;
  to: number;
  by: UsageGrouping;
  rows: UsageRow[];
  /** Each account's totals (a blob shared by repositories counted once). */
  accounts: (UsageFigures & { accountId: string })[];
}

function zeroFigures(): UsageFigures {
  return {
    storedBytes: 0,
    physicalBytes: 0,
    sharedBytes: 0,
    archiveBytes: 0,
    standardGbMonth: 0,
    archiveGbMonth: 0,
    transferOutBytes: 0,
    mainListenerBytes: 0,
    publicListenerBytes: 0,
    publicNetworkBytes: 0,
    privateEndpointBytes: 0,
    anonymousBytes: 0,
    authenticatedBytes: 0,
    privateRepositoryBytes: 0,
    publicRepositoryBytes: 0,
    requests: 0,
    estimatedCostUsd: 0,
  };
}

interface Cell {
  row: UsageRow;
  months: Map<string, MonthQuantities>;
  /** The latest sample time whose values the row's stored bytes show, by repository. */
  latest: Map<string, StorageSample>;
}

const dayOf = (at: number) => new Date(at - (at % DAY_MS)).toISOString().slice(0, 10);

export interface ReportInput {
  from: number;
  to: number;
  now: number;
  by: UsageGrouping;
  prices: Prices;
  /** Samples in the range and the last one before it, of the registries reported on. */
  samples: readonly StorageSample[];
  transfer: readonly TransferCount[];
}

export function usageReport(input: ReportInput): UsageReport {
  const { from, by, prices } = input;
  const end = Math.max(from, Math.min(input.to, input.now));
  const cells = new Map<string, Cell>();
  const accountMonths = new Map<string, MonthQuantities>();

  const cell = (registryKey: string, repositoryId: string, name: string, at: number): Cell => {
    const registry = registryOfKey(registryKey);
    const day = dayOf(at);
    const key = by === 'repository' ? `${registryKey}\n${repositoryId}` : `${registry.accountId}\n${day}`;
    let found = cells.get(key);
    if (!found) {
      found = {
        row: {
          accountId: registry.accountId,
          repository: by === 'repository' ? name : null,
          visibility: by === 'repository' ? registry.visibility : null,
          day: by === 'day' ? day : null,
          ...zeroFigures(),
        },
        months: new Map(),
        latest: new Map(),
      };
      cells.set(key, found);
    }
    return found;
  };
  const charge = (target: Cell, account: string, at: number, quantities: Partial<MonthQuantities>) => {
    const month = dayOf(at).slice(0, 7);
    const full = { ...NO_QUANTITIES, ...quantities };
    const mine = target.months.get(month) ?? { ...NO_QUANTITIES };
    addQuantities(mine, full);
    target.months.set(month, mine);
    const key = `${account}\n${month}`;
    const total = accountMonths.get(key) ?? { ...NO_QUANTITIES };
    addQuantities(total, full);
    accountMonths.set(key, total);
  };

  // Storage: each sample holds until the next sample time (samples of one run share their time).
  const times = [...new Set(input.samples.map((s) => s.sampledAt))].sort((a, b) => a - b);
  const next = new Map(times.map((t, i) => [t, times[i + 1] ?? end]));
  for (const sample of input.samples) {
    const registry = registryOfKey(sample.accountId);
    let start = Math.max(sample.sampledAt, from);
    const stop = Math.min(next.get(sample.sampledAt)!, end);
    // The sample in force at the range's start shows in the first cell (by day: the first day).
    const target = cell(sample.accountId, sample.repositoryId, sample.repositoryName, Math.max(sample.sampledAt, from));
    const seen = target.latest.get(sample.repositoryId);
    if (!seen || seen.sampledAt <= sample.sampledAt) target.latest.set(sample.repositoryId, sample);
    while (start < stop) {
      const dayEnd = Math.min(stop, start - (start % DAY_MS) + DAY_MS);
      const piece = by === 'day' ? cell(sample.accountId, sample.repositoryId, sample.repositoryName, start) : target;
      const ms = dayEnd - start;
      const standard = ((sample.attributedBytes - sample.archiveBytes) * ms) / GB_MONTH_BYTE_MS;
      const archive = (sample.archiveBytes * ms) / GB_MONTH_BYTE_MS;
      piece.row.standardGbMonth += standard;
      piece.row.archiveGbMonth += archive;
      if (piece !== target) {
        const seenHere = piece.latest.get(sample.repositoryId);
        if (!seenHere || seenHere.sampledAt <= sample.sampledAt) piece.latest.set(sample.repositoryId, sample);
      }
      charge(
        piece,
        registry.accountId,
        start,
        registry.visibility === 'public'
          ? { publicStorageGbMonth: standard + archive }
          : { standardGbMonth: standard, archiveGbMonth: archive },
      );
      start = dayEnd;
    }
  }

  for (const count of input.transfer) {
    const registry = registryOfKey(count.accountId);
    const target = cell(count.accountId, count.repositoryId, count.repositoryName, count.hour);
    const row = target.row;
    const anonymous = count.principal === ANONYMOUS_CALLER;
    const network = count.endpoint === PUBLIC_NETWORK;
    row.transferOutBytes += count.bytes;
    row.requests += count.requests;
    if (count.listener === 'public') row.publicListenerBytes += count.bytes;
    else row.mainListenerBytes += count.bytes;
    if (network) row.publicNetworkBytes += count.bytes;
    else row.privateEndpointBytes += count.bytes;
    if (anonymous) row.anonymousBytes += count.bytes;
    else row.authenticatedBytes += count.bytes;
    if (registry.visibility === 'public') row.publicRepositoryBytes += count.bytes;
    else row.privateRepositoryBytes += count.bytes;
    const gb = count.bytes / GB;
    charge(
      target,
      registry.accountId,
      count.hour,
      !network
        ? { endpointTransferGb: gb }
        : registry.visibility === 'public'
          ? anonymous
            ? { publicAnonymousGb: gb }
            : { publicAuthenticatedGb: gb }
          : { transferGb: gb },
    );
  }

  const rates = new Map<string, Rates>();
  for (const [key, month] of accountMonths) rates.set(key, effectiveRates(month, prices));
  const accounts = new Map<string, UsageFigures & { accountId: string }>();
  const rows: UsageRow[] = [];
  for (const { row, months, latest } of cells.values()) {
    for (const [month, quantities] of months)
      row.estimatedCostUsd += costAt(quantities, rates.get(`${row.accountId}\n${month}`)!);
    // By day, a day's stored bytes are its repositories' last samples of the day.
    for (const sample of latest.values()) {
      row.storedBytes += sample.attributedBytes;
      row.physicalBytes += sample.physicalBytes;
      row.sharedBytes += sample.sharedBytes;
      row.archiveBytes += sample.archiveBytes;
    }
    rows.push(row);
  }
  // Account totals: sums of the rows, except stored bytes: the latest sample's (by day, the last day's).
  for (const row of rows) {
    const total = accounts.get(row.accountId) ?? { accountId: row.accountId, ...zeroFigures() };
    for (const key of Object.keys(total) as (keyof UsageFigures | 'accountId')[]) {
      if (key === 'accountId' || key === 'storedBytes' || key === 'physicalBytes' || key === 'sharedBytes') continue;
      if (key === 'archiveBytes') continue;
      total[key] += row[key];
    }
    accounts.set(row.accountId, total);
  }
  const lastTime = new Map<string, number>();
  for (const sample of input.samples) {
    const account = registryOfKey(sample.accountId).accountId;
    lastTime.set(account, Math.max(lastTime.get(account) ?? 0, sample.sampledAt));
  }
  for (const sample of input.samples) {
    const account = registryOfKey(sample.accountId).accountId;
    if (sample.sampledAt !== lastTime.get(account)) continue;
    const total = accounts.get(account);
    if (!total) continue;
    total.storedBytes += sample.attributedBytes;
    total.physicalBytes += sample.physicalBytes;
    total.sharedBytes += sample.sharedBytes;
    total.archiveBytes += sample.archiveBytes;
  }
  rows.sort((a, b) =>
    a.accountId !== b.accountId
      ? a.accountId < b.accountId
        ? -1
        : 1
      : by === 'day'
        ? a.day! < b.day!
          ? -1
          : 1
        : `${a.visibility}/${a.repository}` < `${b.visibility}/${b.repository}`
          ? -1
          : 1,
  );
  return { from, to: input.to, by, rows, accounts: [...accounts.values()] };
}
