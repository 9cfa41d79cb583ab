// The scan worker's scheduling with a store and a scanner of its own: scans wait for asking to
// settle, and a round of scans stops between two scans when pushes start again (so a burst of
// pushes does not share the node's cores with scans), then finishes once asking settled.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { ImageScan } from '../domain/records/scanning.js';
import type { Scanner } from './scanner.js';
import { ScanWorker } from './scan-worker.js';

function scanOf(n: number): ImageScan {
  return {
    id: `scan-${n}`,
    accountId: '123456789012',
    repositoryName: 'r',
    digest: `sha256:${String(n).padStart(64, '0')}`,
    status: 'IN_PROGRESS',
    description: null,
    requestedAt: 0,
    completedAt: null,
    inventory: null,
    findings: [],
    advisoriesAt: null,
    sbomDigest: null,
  } as ImageScan;
}

describe('the scan worker', () => {
  it('waits for asking to settle, and stops a round between scans when pushes start again', async () => {
    const waiting: ImageScan[] = [];
    const started: Array<{ id: string; at: number }> = [];
    const store = {
      scanning: {
        claim: async () => waiting.shift(),
        finish: async () => true,
      },
    };
    const scanner = {
      scan: async (scan: ImageScan) => {
        started.push({ id: scan.id, at: Date.now() });
        await sleep(200);
        return {
          status: 'COMPLETE',
          description: null,
          inventory: null,
          findings: [],
          advisoriesAt: null,
          sbomDigest: null,
        };
      },
    } as unknown as Scanner;
    const worker = new ScanWorker(store as never, scanner, {
      node: 'n1',
      leaseMs: 60_000,
      pollMs: 600_000,
      settleMs: 300,
      maxDeferMs: 10_000,
    });
    worker.start();
    try {
      await sleep(20);
      // Three pushes asked for scans.
      waiting.push(...[1, 2, 3].map(scanOf));
      const asked = Date.now();
      worker.wake();
      await sleep(150);
      assert.equal(started.length, 0, 'no scan before asking settled');
      await sleep(250);
      assert.equal(started.length, 1, 'the round began once asking was quiet');
      assert.ok(started[0]!.at - asked >= 290);
      // A push arrives while the first scan runs: the round stops after it.
      const pushed = Date.now();
      worker.wake();
      await sleep(250);
      assert.equal(started.length, 1, 'no further scan while pushes arrive');
      await sleep(750);
      assert.equal(started.length, 3, 'the rest ran once asking settled again');
      assert.ok(started[1]!.at - pushed >= 290);
    } finally {
      await worker.stop();
    }
  });
});
