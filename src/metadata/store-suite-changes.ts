// The shared metadata suite's part for the change feed (MetadataStore.changes, change-epoch.ts):
// reads leave the epoch as it is; a write to tags moves it on once it is settled. (Through the
// HTTP surface, with retags, deletions and two nodes: http/oci/manifest-lookups.test.ts.)
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, it } from 'node:test';
import type { MetadataStore } from './store.js';

export function runChangeFeedSuite(getStore: () => MetadataStore): void {
  let store: MetadataStore;
  before(() => {
    store = getStore();
  });

  describe('change feed', () => {
    it('a read keeps the epoch; a write to tags moves it on', async () => {
      // PostgreSQL's feed starts once its LISTEN connection is up.
      let epoch = store.changes.current();
      for (let waited = 0; epoch === undefined && waited < 5000; waited += 20) {
        await sleep(20);
        epoch = store.changes.current();
      }
      assert.notEqual(epoch, undefined, 'the feed follows changes');
      const repositoryId = randomUUID();
      assert.equal(await store.tags.resolve(repositoryId, 'latest'), undefined);
      assert.equal(store.changes.current(), epoch, 'a read changes nothing');
      assert.equal(await store.tags.delete(repositoryId, 'latest'), false);
      const after = store.changes.current();
      assert.notEqual(after, undefined, 'settled once the statement is over');
      assert.notEqual(after, epoch, 'a write to tags moves the epoch on');
    });
  });
}
