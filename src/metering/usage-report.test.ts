// The usage report's arithmetic: storage samples integrated to GB-months (a sample holds until
// the next, from the one in force at the range's start), split by day; shares of shared blobs;
// archive apart; transfer dimensions; ECR's tiered prices applied per account and month.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigSchema } from '../config/schema.js';
import type { BlobLinkFact, StorageSample, TransferCount } from '../domain/records/metering.js';
import { GB, tieredCost } from './prices.js';
import { storageSamples } from './storage-sampler.js';
import { usageReport } from './usage-report.js';

const prices = ConfigSchema.parse({}).metering.prices;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 1);

const link = (repositoryId: string, digest: string, size: number, refs: [number, number] = [1, 0]): BlobLinkFact => ({
  repositoryId,
  repositoryName: repositoryId,
  digest,
  size,
  activeRefs: refs[0],
  archivedRefs: refs[1],
});

function sampleOf(repositoryId: string, sampledAt: number, attributedBytes: number, archiveBytes = 0): StorageSample {
  return {
    sampledAt,
    accountId: '111111111111',
    repositoryId,
    repositoryName: repositoryId,
    physicalBytes: attributedBytes,
    sharedBytes: 0,
    attributedBytes,
    archiveBytes,
    imageCount: 1,
    tagCount: 1,
  };
}

describe('storage samples', () => {
  it('count a shared blob once per account, split equally among its repositories; archive-only blobs apart', () => {
    const samples = storageSamples(
      '111111111111',
      T0,
      [
        link('a', 'shared', 300),
        link('b', 'shared', 300),
        link('c', 'shared', 300),
        link('a', 'own', 100),
        link('a', 'cold', 40, [0, 2]),
      ],
      ['a', 'b', 'c', 'd'].map((id) => ({ repositoryId: id, repositoryName: id, images: 1, tags: 0 })),
    );
    const a = samples.find((s) => s.repositoryId === 'a')!;
    assert.deepEqual([a.physicalBytes, a.sharedBytes, a.attributedBytes, a.archiveBytes], [140, 300, 240, 40]);
    assert.equal(samples.find((s) => s.repositoryId === 'd')!.attributedBytes, 0, 'a repository with no blobs');
    assert.equal(
      samples.reduce((n, s) => n + s.attributedBytes, 0),
      440,
      'the shares add up to the account bytes',
    );
  });
});

describe('usage report', () => {
  it('integrates samples to GB-months: each holds until the next, from the one in force at the start', () => {
    const report = usageReport({
      from: T0,
      to: T0 + 730 * HOUR,
      now: T0 + 10_000 * HOUR,
      by: 'repository',
      prices,
      // 1 GB from before the range for 365 h, then 3 GB (1 of it archive) for the other 365 h.
      samples: [sampleOf('a', T0 - HOUR, GB), sampleOf('a', T0 + 365 * HOUR, 3 * GB, GB)],
      transfer: [],
    });
    const row = report.rows[0]!;
    assert.ok(Math.abs(row.standardGbMonth - 1.5) < 1e-9, `${row.standardGbMonth}`);
    assert.ok(Math.abs(row.archiveGbMonth - 0.5) < 1e-9, `${row.archiveGbMonth}`);
    assert.equal(row.storedBytes, 3 * GB, 'the latest sample');
    assert.ok(Math.abs(row.estimatedCostUsd - 0.2) < 1e-9, `${row.estimatedCostUsd}: 2 GB-months at $0.10`);
  });

  it('stops at now, and splits by day', () => {
    const report = usageReport({
      from: T0,
      to: T0 + 30 * DAY,
      now: T0 + 2 * DAY,
      by: 'day',
      prices,
      samples: [sampleOf('a', T0, GB), sampleOf('b', T0 + 12 * HOUR, GB)],
      transfer: [],
    });
    assert.deepEqual(
      report.rows.map((r) => r.day),
      ['2026-01-01', '2026-01-02'],
    );
    const gbHours = (r: (typeof report.rows)[number]) => (r.standardGbMonth * 730).toFixed(6);
    // Day 1: a for 12 h (b's sample, the next time, ends it), b for 12 h; day 2: b only.
    assert.deepEqual(report.rows.map(gbHours), ['24.000000', '24.000000']);
  });

  it('sums transfer by listener, endpoint, caller and visibility, and prices it by the tiers', () => {
    const count = (overrides: Partial<TransferCount>): TransferCount => ({
      node: '',
      hour: T0,
      accountId: '111111111111',
      repositoryId: 'a',
      repositoryName: 'a',
      listener: 'main',
      endpoint: 'public-network',
      principal: 'arn:aws:iam::111111111111:root',
      bytes: 11 * GB,
      requests: 3,
      ...overrides,
    });
    const report = usageReport({
      from: T0,
      to: T0 + DAY,
      now: T0 + DAY,
      by: 'repository',
      prices,
      samples: [],
      transfer: [
        count({}),
        count({ principal: 'anonymous', bytes: GB, requests: 1 }),
        count({
          accountId: 'public:111111111111',
          repositoryId: 'p',
          repositoryName: 'p',
          listener: 'public',
          principal: 'anonymous',
          bytes: 600 * GB,
        }),
      ],
    });
    const a = report.rows.find((r) => r.repository === 'a')!;
    const p = report.rows.find((r) => r.repository === 'p')!;
    assert.equal(a.transferOutBytes, 12 * GB);
    assert.equal(a.anonymousBytes, GB);
    assert.equal(a.mainListenerBytes, 12 * GB);
    assert.equal(a.requests, 4);
    // 12 GB: the first free, 11 at $0.09.
    assert.ok(Math.abs(a.estimatedCostUsd - 11 * 0.09) < 1e-9, `${a.estimatedCostUsd}`);
    assert.equal(p.publicListenerBytes, 600 * GB);
    assert.equal(p.visibility, 'public');
    // ECR Public: 500 GB anonymous free, then $0.09.
    assert.ok(Math.abs(p.estimatedCostUsd - 100 * 0.09) < 1e-9, `${p.estimatedCostUsd}`);
    const account = report.accounts[0]!;
    assert.equal(account.transferOutBytes, 612 * GB);
  });

  it('applies tiers cumulatively', () => {
    assert.equal(tieredCost(0.5, prices.transferOut), 0);
    assert.ok(Math.abs(tieredCost(10 * 1024 + 1, prices.transferOut) - ((10 * 1024 - 1) * 0.09 + 0.085)) < 1e-9);
    assert.ok(Math.abs(tieredCost(200 * 1024, prices.archiveStorage) - (150 * 1024 * 0.1 + 50 * 1024 * 0.07)) < 1e-6);
  });
});
