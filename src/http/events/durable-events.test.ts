// Every change's events are outbox rows written in the change's own transaction (issue 24), seen
// through the HTTP API: a tag deleted on /v2, an image removed by BatchDeleteImage (into the trash),
// a repository created and deleted, and a replication completed each have their rows once the
// change commits, even when the node fails right after the commit (a failure injected after the
// store's call returns: nothing after it runs); and a change refused (protected, not empty, taken,
// unknown) writes none. The receiver is never up: the rows stay in the outbox to be counted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { privateRegistry } from '../../domain/registry.js';
import { callApi } from '../../testing/api-client.js';
import { pushImage } from '../../testing/registry-client.js';
import { freePort, startBerth, type TestBerth } from '../../testing/server.js';

let server: TestBerth;
const REPLICA_ACCOUNT = '555566667777';

/** What the outbox holds for an account, in every status: each event's kind and what it names. */
async function outbox(accountId = server.berth.accountId): Promise<string[]> {
  const rows = [];
  for (const status of ['PENDING', 'DELIVERED', 'DEAD'] as const)
    rows.push(...(await server.berth.store.events.deliveries(status, accountId)));
  return rows
    .map((row) => {
      const event = JSON.parse(row.event) as { 'detail-type': string; detail: Record<string, string> };
      const { detail } = event;
      if (event['detail-type'] === 'AWS API Call via CloudTrail')
        return `${detail.eventName} ${(detail.requestParameters as unknown as { repositoryName: string }).repositoryName}`;
      return `${detail['action-type']} ${detail['repository-name']}:${detail['image-tag'] ?? detail['image-digest']}`;
    })
    .sort();
}

/** Makes the next call of `object[method]` fail once it has returned: the change committed, the node "died". */
function failAfterCommit<T extends object, K extends keyof T>(object: T, method: K): { calls: number } {
  const original = object[method] as (...args: unknown[]) => Promise<unknown>;
  const seen = { calls: 0 };
  object[method] = (async (...args: unknown[]) => {
    object[method] = original as T[K];
    await original.apply(object, args);
    seen.calls++;
    throw new Error('injected: the node stopped right after the commit');
  }) as T[K];
  return seen;
}

const ecr = (action: string, input: object) => callApi(server.berth.app, action, input);

before(async () => {
  // Nothing listens on the target's port: every event stays in the outbox, retried.
  const url = `http://127.0.0.1:${await freePort()}/hook`;
  server = await startBerth({
    settings: {
      registry: { trashDays: 1 },
      // The replication worker looks once at start: the test drains it itself.
      replication: { pollMilliseconds: 60_000 },
      events: { allowHttpLoopback: true, pollMilliseconds: 50, retryBaseMilliseconds: 60_000 },
    },
  });
  await server.berth.identities.createAccount(REPLICA_ACCOUNT);
  for (const accountId of [server.berth.accountId, REPLICA_ACCOUNT]) {
    await server.berth.store.events.putRule({
      accountId,
      name: 'everything',
      pattern: '{"source":["aws.ecr"]}',
      state: 'ENABLED',
      description: null,
      createdAt: Date.now(),
    });
    await server.berth.store.events.putTargets([
      {
        accountId,
        ruleName: 'everything',
        id: 'hook',
        url,
        secret: 's'.repeat(16),
        format: 'eventbridge',
        headers: {},
      },
    ]);
  }
});
after(async () => {
  await server?.close();
});

describe("events in their change's transaction", () => {
  test('a change that committed has its events in the outbox even when the node fails right after the commit', async () => {
    const { store } = server.berth;
    const created = failAfterCommit(store.repositories, 'create');
    assert.equal((await ecr('CreateRepository', { repositoryName: 'durable/app' })).statusCode, 500);
    assert.equal(created.calls, 1);
    assert.ok(await store.repositories.get(server.berth.accountId, 'durable/app'), 'created');
    assert.deepEqual(await outbox(), ['CreateRepository durable/app']);

    await pushImage(server.berth.app, 'durable/app', 'v1');
    const v2 = await pushImage(server.berth.app, 'durable/app', 'v2');
    const before = await outbox();
    const untagged = failAfterCommit(store.tags, 'delete');
    const tagDelete = await server.berth.app.inject({ method: 'DELETE', url: '/v2/durable/app/manifests/v1' });
    assert.equal(tagDelete.statusCode, 500);
    assert.equal(untagged.calls, 1);
    const discarded = failAfterCommit(store.trash, 'discard');
    const batch = await ecr('BatchDeleteImage', { repositoryName: 'durable/app', imageIds: [{ imageTag: 'v2' }] });
    assert.equal(batch.statusCode, 500);
    assert.equal(discarded.calls, 1);
    assert.equal(
      (await server.berth.services.trash.list(privateRegistry(server.berth.accountId)))[0]?.manifest.digest,
      v2.digest,
      'in the trash',
    );
    const deleted = failAfterCommit(store.repositories, 'delete');
    assert.equal((await ecr('DeleteRepository', { repositoryName: 'durable/app', force: true })).statusCode, 500);
    assert.equal(deleted.calls, 1);
    assert.deepEqual(
      (await outbox()).filter((e) => !before.includes(e)),
      ['DELETE durable/app:v1', 'DELETE durable/app:v2', 'DeleteRepository durable/app'],
    );

    await store.replication.putRules(
      server.berth.accountId,
      [
        {
          destinations: [{ region: 'us-east-1', registryId: REPLICA_ACCOUNT }],
          repositoryFilters: [{ filter: 'replicated/', filterType: 'PREFIX_MATCH' }],
        },
      ],
      Date.now(),
    );
    await pushImage(server.berth.app, 'replicated/app', 'v1');
    const finished = failAfterCommit(store.replication, 'finish');
    await server.berth.replication.drain();
    assert.equal(finished.calls, 1);
    assert.ok(
      (await outbox(REPLICA_ACCOUNT)).includes('REPLICATE replicated/app:v1'),
      (await outbox(REPLICA_ACCOUNT)).join(', '),
    );
  });

  test('a change refused writes no event', async () => {
    const app = server.berth.app;
    assert.equal((await ecr('CreateRepository', { repositoryName: 'refused/app' })).statusCode, 200);
    const image = await pushImage(app, 'refused/app', 'prod-1');
    const before = await outbox();
    const taken = await ecr('CreateRepository', { repositoryName: 'refused/app' });
    assert.equal(taken.statusCode, 400);
    assert.equal(taken.json().__type, 'RepositoryAlreadyExistsException');
    const notEmpty = await ecr('DeleteRepository', { repositoryName: 'refused/app' });
    assert.equal(notEmpty.statusCode, 400);
    assert.equal(notEmpty.json().__type, 'RepositoryNotEmptyException');
    const unknown = await app.inject({ method: 'DELETE', url: '/v2/refused/app/manifests/missing' });
    assert.equal(unknown.statusCode, 404);
    await server.berth.services.protections.add(server.berth.accountId, 'refused/app', 'prod-*');
    assert.equal((await app.inject({ method: 'DELETE', url: '/v2/refused/app/manifests/prod-1' })).statusCode, 405);
    const protectedImage = await ecr('BatchDeleteImage', {
      repositoryName: 'refused/app',
      imageIds: [{ imageDigest: image.digest }],
    });
    assert.equal(protectedImage.statusCode, 200);
    assert.equal(protectedImage.json().failures[0].failureCode, 'ImageInaccessible');
    assert.deepEqual(await outbox(), before, 'nothing of the refused changes');
  });
});
