// The duty cycle of background work beside requests: while requests are served, a unit of work is
// followed by a rest in proportion (busyPercent of the time working); when none are, only a yield.
// And the activity that says so: requests in flight, or one ended within the last second.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { RequestActivity } from './activity.js';
import { Pacer } from './pacer.js';

/** A clock the test moves: the unit's length is what the test says, whatever the machine's load. */
function manualClock() {
  let now = 0;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

async function timed(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

test('while requests are served, a unit of 40 ms is followed by a rest of 120 ms at busyPercent 25', async () => {
  const clock = manualClock();
  const pacer = new Pacer({ busy: () => true }, 25, clock.now);
  pacer.start();
  clock.advance(40);
  const rested = await timed(() => pacer.pause());
  assert.ok(rested >= 110, `rested ${rested} ms`);
  assert.ok(rested < 1000, `rested ${rested} ms`);
  // The next unit is measured from the end of the rest: a short one rests little.
  clock.advance(2);
  assert.ok((await timed(() => pacer.pause())) < 100);
});

test('with no request served, or at busyPercent 100, a pause only yields to the event loop', async () => {
  const clock = manualClock();
  for (const pacer of [
    new Pacer({ busy: () => false }, 25, clock.now),
    new Pacer({ busy: () => true }, 100, clock.now),
  ]) {
    pacer.start();
    clock.advance(500);
    // A rest would be 1.5 s; a yield lets what the event loop has waiting run first.
    let waitingRan = false;
    setImmediate(() => {
      waitingRan = true;
    });
    const took = await timed(() => pacer.pause());
    assert.ok(took < 100, `paused ${took} ms`);
    assert.ok(waitingRan, 'the pause yielded to the event loop');
  }
});

test('the activity is busy while a request is in flight and for a second after the last one ends', () => {
  const clock = manualClock();
  const activity = new RequestActivity(1000, clock.now);
  assert.equal(activity.busy(), false);
  const first = activity.begin();
  const second = activity.begin();
  first();
  first(); // ending twice counts once
  clock.advance(5000);
  assert.equal(activity.busy(), true, 'one request still in flight');
  second();
  clock.advance(999);
  assert.equal(activity.busy(), true, 'one ended within the second');
  clock.advance(2);
  assert.equal(activity.busy(), false);
});
