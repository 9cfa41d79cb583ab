// Settings reach the services through the composition root (app/): registry.createRepositoryOnPush decides whether a
// push may create a repository, and the answer is the OCI error envelope.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startBerth } from '../testing/server.js';

describe('createRepositoryOnPush', () => {
  it('false: a push to a new repository is 404 NAME_UNKNOWN; to an existing one it proceeds', async () => {
    const test = await startBerth({ settings: { registry: { createRepositoryOnPush: false } }, listen: false });
    try {
      const { app, store, accountId } = test.berth;
      const refused = await app.inject({ method: 'POST', url: '/v2/team/new/blobs/uploads/' });
      assert.equal(refused.statusCode, 404);
      assert.match(String(refused.headers['content-type']), /^application\/json/);
      const body = refused.json() as { errors: { code: string; message: string; detail?: { name?: string } }[] };
      assert.equal(body.errors.length, 1);
      assert.equal(body.errors[0]!.code, 'NAME_UNKNOWN');
      assert.equal(body.errors[0]!.detail?.name, 'team/new');
      assert.equal(await store.repositories.get(accountId, 'team/new'), undefined, 'nothing was created');
      await store.repositories.ensure(accountId, 'team/new');
      const accepted = await app.inject({ method: 'POST', url: '/v2/team/new/blobs/uploads/' });
      assert.equal(accepted.statusCode, 202);
    } finally {
      await test.close();
    }
  });

  it('true (the default): a push creates the repository', async () => {
    const test = await startBerth({ listen: false });
    try {
      const { app, store, accountId } = test.berth;
      assert.equal(test.berth.config.registry.createRepositoryOnPush, true);
      const accepted = await app.inject({ method: 'POST', url: '/v2/team/new/blobs/uploads/' });
      assert.equal(accepted.statusCode, 202);
      assert.equal((await store.repositories.get(accountId, 'team/new'))?.name, 'team/new');
    } finally {
      await test.close();
    }
  });
});
