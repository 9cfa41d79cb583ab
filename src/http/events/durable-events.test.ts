// Every change's events are outbox rows written in the change's own transaction (issue 24), seen
// through the HTTP API: a tag deleted on /v2, an image removed by BatchDeleteImage (into the trash),
// a repository created and deleted, a replication completed, an image the pull-through cache
// stored from its upstream and a scan finished each have their rows once the change commits, even when the node fails right after the commit (a failure injected after the
// store's call returns: nothing after it runs); and a change refused (protected, not empty, taken,
// unknown) writes none. The receiver is never up: the rows stay in the outbox to be counted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { privateRegistry } from '../../domain/registry.js';
import { callApi } from '../../testing/api-client.js';
import { FakeUpstream } from '../../testing/fake-upstream.js';
import { pushImage } from '../../testing/registry-client.js';
import { freePort, startBerth, type TestBerth } from '../../testing/server.js';

let server: TestBerth;
let upstream: FakeUpstream;
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
      if (event['detail-type'] === 'ECR Pull Through Cache Action')
        return `CACHED ${detail['repository-name']}:${detail['image-tag']} ${detail['sync-status']}`;
      if (event['detail-type'] === 'ECR Image Scan')
        return `SCANNED ${detail['repository-name']}@${detail['image-digest']} ${detail['scan-status']}`;
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
  upstream = new FakeUpstream();
  await upstream.start();
  // Nothing listens on the target's port: every event stays in the outbox, retried.
  const url = `http://127.0.0.1:${await freePort()}/hook`;
  server = await startBerth({
    settings: {
      registry: { trashDays: 1 },
      // The replication worker looks once at start: the test drains it itself.
      replication: { pollMilliseconds: 60_000 },
      events: { allowHttpLoopback: true, pollMilliseconds: 50, retryBaseMilliseconds: 60_000 },
      pullThroughCache: { allowedHosts: [upstream.host], plainHttpLoopback: true },
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
  await upstream?.close();
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

  test('an image the pull-through cache stored has its event even when the node fails right after the commit', async () => {
    const created = await ecr('CreatePullThroughCacheRule', {
      ecrRepositoryPrefix: 'up',
      upstreamRegistryUrl: upstream.host,
    });
    assert.equal(created.statusCode, 200, created.body);
    const image = upstream.add('lib/durable', '1', [1024]);
    const stored = failAfterCommit(server.berth.store.manifests, 'put');
    await ecr('BatchGetImage', { repositoryName: 'up/lib/durable', imageIds: [{ imageTag: '1' }] });
    assert.equal(stored.calls, 1, 'the image was stored');
    const repository = await server.berth.store.repositories.get(server.berth.accountId, 'up/lib/durable');
    assert.equal((await server.berth.store.tags.resolve(repository!.id, '1'))?.digest, image.digest);
    assert.deepEqual(
      (await outbox()).filter((e) => e.includes('up/lib/durable')),
      ['CACHED up/lib/durable:1 SUCCESS', 'PUSH up/lib/durable:1'],
    );
  });

  test('a finished scan has its event, with the status it stored, even when the node fails right after the commit', async () => {
    const image = await pushImage(server.berth.app, 'durable/scanned', 'v1');
    const started = await callApi(
      server.berth.app,
      'StartImageScan',
      { repositoryName: 'durable/scanned', imageId: { imageTag: 'v1' } },
      { target: 'AmazonEC2ContainerRegistry_V20150921.StartImageScan', service: 'ecr' },
    );
    assert.equal(started.statusCode, 200, started.body);
    const finished = failAfterCommit(server.berth.store.scanning, 'finish');
    await server.berth.scans.drain();
    assert.equal(finished.calls, 1);
    const scan = await server.berth.store.scanning.get(server.berth.accountId, 'durable/scanned', image.digest);
    assert.ok(scan?.status === 'COMPLETE' || scan?.status === 'FAILED', scan?.status);
    assert.deepEqual(
      (await outbox()).filter((e) => e.startsWith('SCANNED')),
      [`SCANNED durable/scanned@${image.digest} ${scan.status}`],
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
