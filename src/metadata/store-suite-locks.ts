// The shared metadata suite's part for named locks (LockIndex): one holder of a name at a time,
// names apart from each other, and a failing holder releases its lock. (Across nodes: two servers
// on one PostgreSQL database, registry/upload-completion-nodes.once.test.ts.)
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, it } from 'node:test';
import type { MetadataStore } from './store.js';

export function runLockIndexSuite(getStore: () => MetadataStore): void {
  let store: MetadataStore;
  before(() => {
    store = getStore();
  });

  describe('named locks', () => {
    it('lets one holder of a name in at a time, and holders of other names meanwhile', async () => {
      const name = `lock ${randomUUID()}`;
      const events: string[] = [];
      const holder = (label: string, lock: string) =>
        store.locks.exclusive(lock, async () => {
          events.push(`${label} in`);
          await sleep(40);
          events.push(`${label} out`);
          return label;
        });
      const results = await Promise.all([holder('first', name), holder('second', name), holder('other', `${name}!`)]);
      assert.deepEqual(results, ['first', 'second', 'other']);
      const first = events.filter((e) => !e.startsWith('other'));
      assert.ok(
        (first[0] === 'first in' && first[1] === 'first out') ||
          (first[0] === 'second in' && first[1] === 'second out'),
        `one holder of a name at a time: ${events.join(', ')}`,
      );
      assert.ok(
        events.indexOf('other in') < Math.max(events.indexOf('first out'), events.indexOf('second out')),
        'another name does not wait',
      );
    });

    it('releases the lock when its holder fails', async () => {
      const name = `lock ${randomUUID()}`;
      await assert.rejects(
        store.locks.exclusive(name, async () => {
          throw new Error('holder failed');
        }),
        /holder failed/,
      );
      assert.equal(await store.locks.exclusive(name, async () => 'next'), 'next');
    });
  });
}
