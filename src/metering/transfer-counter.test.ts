// The transfer counter: a response adds to a counter in memory (per hour, repository, listener
// and caller); a flush hands the node's counts over in one batch; a flush that fails keeps them,
// added to what came meanwhile, for the next.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TransferCount } from '../domain/records/metering.js';
import type { MeteringIndex } from '../metadata/store.js';
import { TransferCounter } from './transfer-counter.js';

const HOUR = 3_600_000;
const repo = { id: 'r1', accountId: '111111111111', name: 'team/app' };

test('counts in memory per hour and series, flushes in one batch, and keeps a failed batch for the next', async () => {
  const batches: TransferCount[][] = [];
  let failing = false;
  const metering = {
    async addTransfer(counts: readonly TransferCount[]) {
      if (failing) throw new Error('database down');
      batches.push(counts.map((c) => ({ ...c })));
    },
  } as unknown as MeteringIndex;
  let now = 10 * HOUR + 5;
  const errors: unknown[] = [];
  const counter = new TransferCounter(
    { metering },
    { node: 'n1', endpoint: 'public-network', flushMs: 1000, now: () => now, onError: (err) => errors.push(err) },
  );
  const main = counter.forListener('main');
  const pub = counter.forListener('public');
  main.served(repo, 'anonymous', 100);
  main.served(repo, 'anonymous', 50);
  main.served(repo, 'arn:aws:iam::111111111111:root', 7);
  pub.served(repo, 'anonymous', 1);
  now = 11 * HOUR;
  main.served(repo, 'anonymous', 3);
  assert.equal(counter.pending(), 4);
  assert.equal(batches.length, 0, 'nothing is written until a flush');

  failing = true;
  await counter.flush();
  assert.equal(errors.length, 1);
  main.served(repo, 'anonymous', 1000);
  failing = false;
  await counter.flush();
  assert.equal(batches.length, 1);
  assert.equal(counter.pending(), 0);
  const find = (hour: number, listener: string, principal: string) =>
    batches[0]!.find((c) => c.hour === hour && c.listener === listener && c.principal === principal);
  assert.deepEqual(
    [find(10 * HOUR, 'main', 'anonymous')?.bytes, find(10 * HOUR, 'main', 'anonymous')?.requests],
    [150, 2],
  );
  assert.equal(find(10 * HOUR, 'public', 'anonymous')?.bytes, 1);
  assert.deepEqual(
    [find(11 * HOUR, 'main', 'anonymous')?.bytes, find(11 * HOUR, 'main', 'anonymous')?.requests],
    [1003, 2],
  );
  assert.equal(find(10 * HOUR, 'main', 'arn:aws:iam::111111111111:root')?.endpoint, 'public-network');
  assert.equal(find(10 * HOUR, 'main', 'anonymous')?.node, 'n1');
  await counter.flush();
  assert.equal(batches.length, 1, 'an empty flush writes nothing');
});

test('a series counted again and again goes on counting in the batch after a flush, never in the one written', async () => {
  const written: TransferCount[][] = [];
  // Keeps the very objects handed over (no copies): a count changed after its flush shows.
  const metering = {
    async addTransfer(counts: readonly TransferCount[]) {
      written.push([...counts]);
    },
  } as unknown as MeteringIndex;
  const counter = new TransferCounter(
    { metering },
    { node: 'n1', endpoint: 'public-network', flushMs: 1000, now: () => 10 * HOUR },
  );
  const main = counter.forListener('main');
  main.served(repo, 'anonymous', 10);
  main.served(repo, 'anonymous', 10);
  await counter.flush();
  main.served(repo, 'anonymous', 5);
  main.served(repo, 'anonymous', 5);
  main.served(repo, 'arn:aws:iam::111111111111:root', 1);
  main.served(repo, 'anonymous', 5);
  await counter.flush();
  assert.deepEqual(
    written.map((batch) => batch.map((c) => [c.principal, c.bytes, c.requests])),
    [
      [['anonymous', 20, 2]],
      [
        ['anonymous', 15, 3],
        ['arn:aws:iam::111111111111:root', 1, 1],
      ],
    ],
  );
});
