// Events end to end: rules and webhook targets set through the events API (EventBridge's PutRule
// and PutTargets, signed as the SDK signs), the registry's changes delivered to a receiver that is
// down for a while, then up and losing its first acknowledgements: it still gets every event,
// exactly once in effect (by event id), each with a valid signature, in ECR's shapes and in
// Docker Distribution's envelope. The AWS CLI v2 on the same API: events-awscli.once.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { callApi } from '../../testing/api-client.js';
import { pushImage } from '../../testing/registry-client.js';
import { freePort, startBerth, type TestBerth } from '../../testing/server.js';
import { eventually, WebhookReceiver } from '../../testing/webhook-receiver.js';
import { verifySignature } from '../../events/signing.js';
import { DOCKER_EVENTS_MEDIA_TYPE } from '../../events/docker-envelope.js';

const SECRET = 'a-secret-of-the-receiver-0123456789';
let server: TestBerth;
let receiver: WebhookReceiver;

async function events(action: string, input: object): Promise<Record<string, any>> {
  const res = await callApi(server.berth.app, action, input, { target: `AWSEvents.${action}`, service: 'events' });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as Record<string, any>;
}

const target = (id: string, path: string, format?: string) => ({
  Id: id,
  Arn: receiver.url(path),
  HttpParameters: {
    HeaderParameters: {
      'Berth-Signing-Secret': SECRET,
      'X-Team': 'platform',
      ...(format && { 'Berth-Format': format }),
    },
  },
});

before(async () => {
  receiver = new WebhookReceiver(await freePort(), { loseFirstAnswer: true });
  server = await startBerth({
    settings: { events: { allowHttpLoopback: true, pollMilliseconds: 50, retryBaseMilliseconds: 200 } },
  });
});
after(async () => {
  await receiver.down();
  await server.close();
});

describe('events to webhooks', () => {
  test('a receiver down for a while, then up and losing acknowledgements: every event exactly once in effect, signed', async () => {
    const imagePattern =
      '{"source":["aws.ecr"],"detail-type":["ECR Image Action"],"detail":{"repository-name":[{"prefix":"web"}]}}';
    await events('PutRule', { Name: 'images', EventPattern: imagePattern });
    const repoPattern = '{"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventName":["CreateRepository"]}}';
    await events('PutRule', { Name: 'repos', EventPattern: repoPattern });
    await events('PutRule', { Name: 'docker', EventPattern: '{"detail":{"action-type":["PUSH"]}}' });
    assert.equal(
      (await events('PutTargets', { Rule: 'images', Targets: [target('hook', '/images')] })).FailedEntryCount,
      0,
    );
    await events('PutTargets', { Rule: 'repos', Targets: [target('hook', '/repos')] });
    await events('PutTargets', { Rule: 'docker', Targets: [target('registry', '/docker', 'docker-distribution')] });
    assert.deepEqual(
      (await events('ListRules', { NamePrefix: 're' })).Rules.map((r: { Name: string }) => r.Name),
      ['repos'],
    );
    const missing = await callApi(
      server.berth.app,
      'DescribeRule',
      { Name: 'missing' },
      { target: 'AWSEvents.DescribeRule', service: 'events' },
    );
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().__type, 'ResourceNotFoundException');
    const withTargets = await callApi(
      server.berth.app,
      'DeleteRule',
      { Name: 'images' },
      { target: 'AWSEvents.DeleteRule', service: 'events' },
    );
    assert.equal(withTargets.statusCode, 400);
    assert.equal(withTargets.json().__type, 'ValidationException', 'a rule with targets is not deleted');
    const app = server.berth.app;
    assert.equal((await callApi(app, 'CreateRepository', { repositoryName: 'web' })).statusCode, 200);
    const v1 = await pushImage(app, 'web', 'v1');
    const v2 = await pushImage(app, 'web', 'v2');
    await pushImage(app, 'other', 'v1'); // matches no rule's repository prefix, but the docker rule's PUSH
    const deleted = await callApi(app, 'BatchDeleteImage', { repositoryName: 'web', imageIds: [{ imageTag: 'v1' }] });
    assert.equal(deleted.statusCode, 200, deleted.body);

    // Down: deliveries are attempted, fail, and wait for their next attempt.
    await eventually(
      async () => (await server.berth.store.events.deliveries('PENDING')).some((d) => d.attempts >= 2),
      20_000,
      'failed attempts',
    );
    const waiting = await server.berth.store.events.deliveries('PENDING');
    assert.match(waiting.find((d) => d.attempts > 0)!.lastError!, /ECONNREFUSED/);
    // images: PUSH v1, PUSH v2, DELETE v1; repos: CreateRepository; docker: PUSH of web:v1, web:v2, other:v1.
    assert.equal(waiting.length, 7);

    await receiver.up();
    await eventually(
      async () => (await server.berth.store.events.deliveries('DELIVERED')).length === 7,
      30_000,
      'every delivery',
    );
    assert.equal((await server.berth.store.events.deliveries('PENDING')).length, 0);
    // Each first answer was lost: each event came (at least) twice, and counts once by its id.
    assert.ok(receiver.all.length >= 14, `${receiver.all.length} requests`);
    const byPath = (path: string) => [...receiver.unique.values()].filter((r) => r.path === path);
    for (const received of receiver.all) {
      assert.ok(
        verifySignature(SECRET, String(received.headers['berth-signature']), received.body, { maxAgeSeconds: 300 }),
      );
      assert.equal(received.headers['x-team'], 'platform');
      assert.equal(received.headers['berth-signing-secret'], undefined);
    }
    const images = byPath('/images').map((r) => JSON.parse(r.body));
    assert.deepEqual(
      images
        .map((e) => [e['detail-type'], e.detail['action-type'], e.detail['image-tag'], e.detail['image-digest']])
        .sort(),
      [
        ['ECR Image Action', 'DELETE', 'v1', v1.digest],
        ['ECR Image Action', 'PUSH', 'v1', v1.digest],
        ['ECR Image Action', 'PUSH', 'v2', v2.digest],
      ].sort(),
    );
    const pushV2 = images.find((e) => e.detail['image-tag'] === 'v2');
    assert.deepEqual(Object.keys(pushV2).sort(), [
      'account',
      'detail',
      'detail-type',
      'id',
      'region',
      'resources',
      'source',
      'time',
      'version',
    ]);
    assert.equal(pushV2.source, 'aws.ecr');
    assert.equal(pushV2.version, '0');
    assert.equal(pushV2.account, server.berth.accountId);
    assert.equal(pushV2.region, 'us-east-1');
    assert.match(pushV2.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(pushV2.detail, {
      result: 'SUCCESS',
      'repository-name': 'web',
      'image-digest': v2.digest,
      'action-type': 'PUSH',
      'image-tag': 'v2',
      'manifest-media-type': 'application/vnd.oci.image.manifest.v1+json',
      // As ECR tells it: the config's media type for an image.
      'artifact-media-type': 'application/vnd.oci.image.config.v1+json',
    });
    const [created] = byPath('/repos').map((r) => JSON.parse(r.body));
    assert.equal(created['detail-type'], 'AWS API Call via CloudTrail');
    assert.equal(created.detail.eventSource, 'ecr.amazonaws.com');
    assert.equal(created.detail.eventName, 'CreateRepository');
    assert.deepEqual(created.detail.requestParameters, { repositoryName: 'web' });
    assert.match(created.detail.userIdentity.arn, /^arn:aws:iam::\d{12}:/);
    assert.ok(['Root', 'IAMUser'].includes(created.detail.userIdentity.type), created.detail.userIdentity.type);

    const docker = byPath('/docker');
    assert.equal(docker.length, 3);
    for (const r of docker) assert.equal(r.headers['content-type'], DOCKER_EVENTS_MEDIA_TYPE);
    const envelopes = docker.map((r) => JSON.parse(r.body) as { events: Array<Record<string, any>> });
    assert.deepEqual(
      envelopes.map((e) => [e.events[0]!.action, e.events[0]!.target.repository, e.events[0]!.target.tag]).sort(),
      [
        ['push', 'other', 'v1'],
        ['push', 'web', 'v1'],
        ['push', 'web', 'v2'],
      ],
    );
    const first = envelopes[0]!.events[0]!;
    assert.deepEqual(Object.keys(first).sort(), ['action', 'actor', 'id', 'request', 'source', 'target', 'timestamp']);
    assert.match(first.target.digest, /^sha256:[0-9a-f]{64}$/);
  });
  test('lifecycle expiry is EXPIRED; the pull-through cache and the scanner send theirs through the outbox', async () => {
    await events('PutRule', {
      Name: 'others',
      EventPattern: JSON.stringify({
        $or: [
          { detail: { 'action-type': ['EXPIRED'] } },
          { 'detail-type': ['ECR Pull Through Cache Action', 'ECR Image Scan'] },
        ],
      }),
    });
    await events('PutTargets', { Rule: 'others', Targets: [target('hook', '/others')] });
    const app = server.berth.app;
    const old = await pushImage(app, 'expiring', 'old');
    await new Promise((r) => setTimeout(r, 5));
    await pushImage(app, 'expiring', 'new');
    const repository = (await server.berth.store.repositories.get(server.berth.accountId, 'expiring'))!;
    await server.berth.store.lifecycle.putPolicy(
      repository.id,
      JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
            action: { type: 'expire' },
          },
        ],
      }),
      Date.now(),
    );
    await server.berth.services.lifecycle.runner.run(repository);
    // Their rows, as the cache's and the scanner's changes write them in their transactions.
    const { eventOutbox, store } = server.berth;
    const cached = await eventOutbox.pullThroughCache(server.berth.accountId, {
      repositoryName: 'docker-hub/library/alpine',
      repositoryPrefix: 'docker-hub',
      upstreamRegistryUrl: 'registry-1.docker.io',
      digest: old.digest,
      tag: '3.20',
      syncStatus: 'SUCCESS',
    });
    const scanned = await eventOutbox.imageScanned(server.berth.accountId, {
      repositoryName: 'expiring',
      digest: old.digest,
      tags: ['new'],
      scanStatus: 'COMPLETE',
      findingSeverityCounts: { HIGH: 1 },
    });
    await store.events.enqueue([...cached, ...scanned], Date.now());
    const others = () =>
      [...receiver.unique.values()].filter((r) => r.path === '/others').map((r) => JSON.parse(r.body));
    await eventually(() => others().length === 3, 20_000, 'the three events');
    const byType = new Map(others().map((e) => [e['detail-type'], e]));
    const expired = byType.get('ECR Image Action');
    assert.deepEqual(
      [expired.detail['action-type'], expired.detail['image-tag'], expired.detail['image-digest']],
      ['EXPIRED', 'old', old.digest],
    );
    const cache = byType.get('ECR Pull Through Cache Action');
    assert.deepEqual(cache.resources, [
      `arn:aws:ecr:us-east-1:${server.berth.accountId}:repository/docker-hub/library/alpine`,
    ]);
    assert.equal(cache.detail['sync-status'], 'SUCCESS');
    assert.equal(cache.detail['ecr-repository-prefix'], 'docker-hub');
    const scan = byType.get('ECR Image Scan');
    assert.deepEqual(scan.detail['finding-severity-counts'], { HIGH: 1 });
    assert.deepEqual(scan.detail['image-tags'], ['new']);
  });
  test('a scan the scan worker finishes sends ECR Image Scan with the image tags and its findings by severity', async () => {
    await events('PutRule', { Name: 'scans', EventPattern: '{"detail-type":["ECR Image Scan"]}' });
    await events('PutTargets', { Rule: 'scans', Targets: [target('hook', '/scans')] });
    const image = await pushImage(server.berth.app, 'scanned/app', 'v1');
    const started = await callApi(
      server.berth.app,
      'StartImageScan',
      { repositoryName: 'scanned/app', imageId: { imageTag: 'v1' } },
      { target: 'AmazonEC2ContainerRegistry_V20150921.StartImageScan', service: 'ecr' },
    );
    assert.equal(started.statusCode, 200, started.body);
    await server.berth.scans.drain();
    const scans = () => [...receiver.unique.values()].filter((r) => r.path === '/scans').map((r) => JSON.parse(r.body));
    await eventually(() => scans().length === 1, 20_000, 'the scan event');
    const [event] = scans();
    assert.equal(event.detail['repository-name'], 'scanned/app');
    assert.equal(event.detail['image-digest'], image.digest);
    assert.deepEqual(event.detail['image-tags'], ['v1']);
    assert.ok(['COMPLETE', 'FAILED'].includes(event.detail['scan-status']), event.detail['scan-status']);
  });

  test('a replication to another account of this region is an ECR Replication Action in that account', async () => {
    const B = '444455556666';
    await server.berth.identities.createAccount(B);
    const { store } = server.berth;
    await store.events.putRule({
      accountId: B,
      name: 'replicas',
      pattern: '{"detail-type":["ECR Replication Action"]}',
      state: 'ENABLED',
      description: null,
      createdAt: Date.now(),
    });
    await store.events.putTargets([
      {
        accountId: B,
        ruleName: 'replicas',
        id: 'hook',
        url: receiver.url('/replicas'),
        secret: SECRET,
        format: 'eventbridge',
        headers: {},
      },
    ]);
    const A = server.berth.accountId;
    await store.replication.putRules(
      A,
      [
        {
          destinations: [{ region: 'us-east-1', registryId: B }],
          repositoryFilters: [{ filter: 'repl/', filterType: 'PREFIX_MATCH' }],
        },
      ],
      Date.now(),
    );
    const image = await pushImage(server.berth.app, 'repl/app', 'v1');
    await server.berth.replication.drain();
    const replicas = () =>
      [...receiver.unique.values()].filter((r) => r.path === '/replicas').map((r) => JSON.parse(r.body));
    await eventually(() => replicas().length === 1, 20_000, 'the replication event');
    const [event] = replicas();
    assert.equal(event.account, B);
    assert.deepEqual(event.resources, [`arn:aws:ecr:us-east-1:${B}:repository/repl/app`]);
    assert.deepEqual(event.detail, {
      result: 'SUCCESS',
      'repository-name': 'repl/app',
      'image-digest': image.digest,
      'source-account': A,
      'action-type': 'REPLICATE',
      'source-region': 'us-east-1',
      'image-tag': 'v1',
    });
  });
});
