// Reads of one key that arrive together share a query, but never one that began before they
// arrived: each sees the store as of a moment after its arrival.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SharedReads } from './shared-reads.js';

/** A store whose queries end when the test says so, and which answers with its value at query start. */
function controlledStore() {
  let value = 'v0';
  const pending: (() => void)[] = [];
  let queries = 0;
  return {
    set: (v: string) => {
      value = v;
    },
    get queries() {
      return queries;
    },
    load: () => {
      queries++;
      const snapshot = value;
      return new Promise<string>((resolve) => pending.push(() => resolve(snapshot)));
    },
    failing: () => {
      queries++;
      return new Promise<string>((_, reject) => pending.push(() => reject(new Error('connection lost'))));
    },
    /** Ends the oldest running query and lets its callbacks run. */
    async finishOne() {
      pending.shift()!();
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
  };
}

test('reads arriving during a query share the next one, which sees writes made before they arrived', async () => {
  const store = controlledStore();
  const reads = new SharedReads<string>();
  const first = reads.read('k', store.load);
  store.set('v1'); // a write acknowledged after the first query began
  const second = reads.read('k', store.load);
  const third = reads.read('k', store.load);
  assert.equal(store.queries, 1, 'the later reads wait instead of starting their own query');
  await store.finishOne();
  assert.equal(await first, 'v0');
  assert.equal(store.queries, 2, 'one query for both waiting reads');
  await store.finishOne();
  assert.equal(await second, 'v1', 'a read never gets a snapshot older than its own arrival');
  assert.equal(await third, 'v1');
});

test('other keys are not shared, and a finished key starts afresh', async () => {
  const store = controlledStore();
  const reads = new SharedReads<string>();
  const a = reads.read('a', store.load);
  const b = reads.read('b', store.load);
  assert.equal(store.queries, 2);
  await store.finishOne();
  await store.finishOne();
  await Promise.all([a, b]);
  const again = reads.read('a', store.load);
  assert.equal(store.queries, 3, 'nothing runs for the key, so the read queries at once');
  await store.finishOne();
  assert.equal(await again, 'v0');
});

test('a failed query fails only its own readers; the next batch queries anew', async () => {
  const store = controlledStore();
  const reads = new SharedReads<string>();
  const failed = reads.read('k', store.failing);
  const waiting = reads.read('k', store.load);
  await store.finishOne();
  await assert.rejects(failed, /connection lost/);
  await store.finishOne();
  assert.equal(await waiting, 'v0');
  assert.equal(store.queries, 2);
});
