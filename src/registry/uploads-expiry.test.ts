// Abandoned uploads are removed with their bytes by the expire-uploads job; live ones stay.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startBerth } from '../testing/server.js';

it('the expire-uploads job removes uploads untouched for longer than the expiry, bytes and session', async () => {
  const server = await startBerth({ listen: false, settings: { registry: { uploadExpiryHours: 1 } } });
  try {
    const { app, store, scheduler } = server.berth;
    const open = async () => {
      const res = await app.inject({ method: 'POST', url: '/v2/expiry/app/blobs/uploads/' });
      assert.equal(res.statusCode, 202);
      const location = res.headers.location as string;
      const patch = await app.inject({
        method: 'PATCH',
        url: location,
        headers: { 'content-type': 'application/octet-stream' },
        payload: Buffer.alloc(1000, 1),
      });
      assert.equal(patch.statusCode, 202);
      return { location, id: location.split('/').pop()! };
    };
    const stale = await open();
    const live = await open();
    await store.uploads.touch(stale.id, Date.now() - 2 * 3_600_000);
    // Make the job due now: lease it as if the interval had passed, and record a run due at 0. Jobs
    // due as early (purge-trash has the same interval: the database picks either) stay leased to the test.
    let claimed: string | undefined;
    do claimed = await store.jobs.claim('test', Date.now() + 3_600_000, Date.now() + 3_600_001);
    while (claimed !== undefined && claimed !== 'expire-uploads');
    assert.equal(claimed, 'expire-uploads');
    await store.jobs.complete('expire-uploads', 'test', 0, 0, null);
    assert.deepEqual(await scheduler.tick(), ['expire-uploads']);

    assert.equal((await app.inject({ method: 'GET', url: stale.location })).statusCode, 404);
    assert.equal(existsSync(join(server.dataDir, 'storage', 'uploads', stale.id)), false, 'bytes removed');
    const status = await app.inject({ method: 'GET', url: live.location });
    assert.equal(status.statusCode, 204);
    assert.equal(status.headers.range, '0-999');
  } finally {
    await server.close();
  }
});
