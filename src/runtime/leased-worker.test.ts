// The leased worker loop on its own, with an in-memory queue for the leased store: lanes run
// items at once, a round takes items until none is due and then waits for the poll (or a wake),
// a failing item ends the round but not the loop, a hold-off ends a round early, and stop waits
// for what runs and ends the loop.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { exponentialBackoffMs, LeasedWorker, renewingLease } from './leased-worker.js';

function queue(items: number[]) {
  const ran: number[] = [];
  let inFlight = 0;
  let mostAtOnce = 0;
  return {
    items,
    ran,
    mostAtOnce: () => mostAtOnce,
    claim: async () => items.shift(),
    run: async (item: number) => {
      inFlight++;
      mostAtOnce = Math.max(mostAtOnce, inFlight);
      await sleep(20);
      inFlight--;
      if (item < 0) throw new Error(`item ${item} failed`);
      ran.push(item);
    },
  };
}

describe('the leased worker loop', () => {
  it('drains what is due, a lane count at a time, and runs one on its own', async () => {
    const q = queue([1, 2, 3, 4, 5]);
    const worker = new LeasedWorker({ pollMs: 60_000, lanes: 2, claim: q.claim, run: q.run });
    assert.equal(await worker.runOne(), true);
    assert.deepEqual(q.ran, [1]);
    assert.equal(await worker.drain(), 4);
    assert.deepEqual([...q.ran].sort(), [1, 2, 3, 4, 5]);
    assert.equal(q.mostAtOnce(), 2, 'two lanes ran at once');
    assert.equal(await worker.runOne(), false, 'nothing is due');
  });

  it('polls once idle, looks at once when woken, survives a failing item, and stops', async () => {
    const q = queue([1, -2, 3]);
    let claims = 0;
    const worker = new LeasedWorker({
      pollMs: 400,
      claim: () => {
        claims++;
        return q.claim();
      },
      run: q.run,
    });
    assert.equal(worker.active, false);
    worker.wake();
    await sleep(30);
    assert.equal(claims, 0, 'a worker not started is not woken');
    worker.start();
    assert.equal(worker.active, true);
    try {
      await sleep(80);
      assert.deepEqual(q.ran, [1], 'the failing item ended the round');
      await sleep(500);
      assert.deepEqual(q.ran, [1, 3], 'the next poll went on');
      const idle = claims;
      q.items.push(4);
      worker.wake();
      await sleep(100);
      assert.deepEqual(q.ran, [1, 3, 4], 'woken, it looked before the poll');
      assert.ok(claims > idle);
    } finally {
      await worker.stop();
    }
    assert.equal(worker.active, false);
    const stoppedAt = claims;
    q.items.push(5);
    worker.wake();
    await sleep(500);
    assert.equal(claims, stoppedAt, 'a stopped worker neither polls nor wakes');
    assert.equal(await worker.drain(), 0, 'nor drains');
  });

  it('ends a round when told to hold off, and begins the next once the hold-off passed', async () => {
    const q = queue([1, 2, 3]);
    let holdUntil = 0;
    const rounds: number[] = [];
    const worker = new LeasedWorker({
      pollMs: 60_000,
      claim: q.claim,
      run: async (item) => {
        await q.run(item);
        if (item === 1) holdUntil = Date.now() + 150;
      },
      holdOffMs: () => Math.max(0, holdUntil - Date.now()),
      roundEnded: (began) => rounds.push(began),
    });
    worker.start();
    try {
      await sleep(80);
      assert.deepEqual(q.ran, [1], 'held off after the first');
      assert.equal(rounds.length, 0, 'a held-off round did not run dry');
      await sleep(250);
      assert.deepEqual(q.ran, [1, 2, 3], 'the next round began after the hold-off, not at the poll');
      assert.equal(rounds.length, 1);
    } finally {
      await worker.stop();
    }
  });

  it('renews a lease while its work runs, and backs off exponentially to a ceiling', async () => {
    let renewals = 0;
    const result = await renewingLease(
      3000,
      async () => {
        renewals++;
      },
      async () => {
        await sleep(1500);
        return 'done';
      },
    );
    assert.equal(result, 'done');
    assert.equal(renewals, 1, 'every second (a third of the lease)');
    await sleep(700);
    assert.equal(renewals, 1, 'not after the work');
    assert.deepEqual(
      [0, 1, 2, 10].map((n) => exponentialBackoffMs(n, 1000, 5000)),
      [1000, 2000, 4000, 5000],
    );
  });
});
