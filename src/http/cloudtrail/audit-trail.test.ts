// The audit trail through the real HTTP surface: registry pushes, pulls and deletes and API
// calls of every face recorded as CloudTrail events (names as CloudTrail logs them for docker
// clients, the caller's identity, redacted parameters, the error's code), found again with
// LookupEvents by attribute, time and page, per account; retention; and the lookup's refusals by
// CloudTrail's exception names. (The AWS CLI's own run: lookup-events-cli.once.test.ts.)
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { HIDDEN } from '../../audit/redact.js';
import { callApi, loggedIn, registryPassword } from '../../testing/api-client.js';
import { type Credentials, signHeaders } from '../../testing/aws-signer.js';
import { pushImage } from '../../testing/registry-client.js';
import { startBerth, TEST_ADMIN, type TestBerth, tempDir } from '../../testing/server.js';
import { CLOUDTRAIL_TARGET_PREFIX } from './face.js';

let server: TestBerth;
const OTHER = '333333333333';
let otherRoot: Credentials;

interface LookedUp {
  EventId: string;
  EventName: string;
  ReadOnly: string;
  Username?: string;
  AccessKeyId?: string;
  EventSource: string;
  EventTime: number;
  Resources: { ResourceType: string; ResourceName: string }[];
  CloudTrailEvent: string;
}

async function lookup(input: object, credentials: Credentials = TEST_ADMIN) {
  const res = await callApi(server.berth.app, 'LookupEvents', input, {
    target: `${CLOUDTRAIL_TARGET_PREFIX}.LookupEvents`,
    service: 'cloudtrail',
    credentials,
  });
  return { status: res.statusCode, body: res.json() as { Events?: LookedUp[]; NextToken?: string; __type?: string } };
}

async function eventsNamed(name: string, credentials: Credentials = TEST_ADMIN): Promise<LookedUp[]> {
  const res = await lookup({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: name }] }, credentials);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.Events!;
}

const detail = (event: LookedUp) => JSON.parse(event.CloudTrailEvent) as Record<string, any>;

before(async () => {
  server = await startBerth({ listen: false, settings: { auth: { mode: 'iam' }, audit: { flushIntervalMs: 60_000 } } });
  await server.berth.identities.createAccount(OTHER);
  otherRoot = await server.berth.identities.createAccessKeyFor(OTHER);
});
after(() => server?.close());

describe('the audit trail', () => {
  it('records registry pushes, pulls and deletes under the names CloudTrail logs for docker clients', async () => {
    const app = server.berth.app;
    const registry = loggedIn(app, await registryPassword(app));
    const image = await pushImage(registry, 'audited/app', 'v1');
    const pulled = await registry.inject({
      method: 'GET',
      url: '/v2/audited/app/manifests/v1',
      headers: { accept: image.mediaType, 'user-agent': 'docker/27.0 go/1.22' },
    });
    assert.equal(pulled.statusCode, 200);
    assert.equal((await registry.inject({ url: `/v2/audited/app/blobs/${image.layers[0]!.digest}` })).statusCode, 200);
    assert.equal((await registry.inject({ url: '/v2/audited/app/manifests/missing' })).statusCode, 404);
    const deleted = await registry.inject({ method: 'DELETE', url: `/v2/audited/app/manifests/${image.digest}` });
    assert.equal(deleted.statusCode, 202);

    const puts = await eventsNamed('PutImage');
    const put = puts.find((e) => e.Resources[0]?.ResourceName === 'audited/app');
    assert.ok(put, JSON.stringify(puts));
    assert.equal(put.EventSource, 'ecr.amazonaws.com');
    assert.equal(put.ReadOnly, 'false');
    assert.equal(put.Username, 'root');
    assert.equal(put.AccessKeyId, TEST_ADMIN.accessKeyId);
    assert.deepEqual(put.Resources, [{ ResourceType: 'AWS::ECR::Repository', ResourceName: 'audited/app' }]);
    const event = detail(put);
    assert.equal(event.eventName, 'PutImage');
    assert.equal(event.eventID, put.EventId);
    assert.equal(event.recipientAccountId, server.berth.accountId);
    assert.equal(event.awsRegion, 'us-east-1');
    assert.equal(event.userIdentity.type, 'Root');
    assert.equal(event.userIdentity.accessKeyId, TEST_ADMIN.accessKeyId);
    assert.equal(event.userIdentity.arn, `arn:aws:iam::${server.berth.accountId}:root`);
    assert.deepEqual(event.requestParameters, { repositoryName: 'audited/app', imageTag: 'v1' });
    assert.match(event.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(event.sourceIPAddress, '127.0.0.1');

    const gets = (await eventsNamed('BatchGetImage')).map(detail);
    const ok = gets.find((e) => e.requestParameters.imageTag === 'v1');
    assert.ok(ok);
    assert.equal(ok.userAgent, 'docker/27.0 go/1.22');
    assert.equal(ok.readOnly, true);
    assert.equal(ok.errorCode, undefined);
    const missing = gets.find((e) => e.requestParameters.imageTag === 'missing');
    assert.equal(missing?.errorCode, 'MANIFEST_UNKNOWN');
    assert.ok(missing?.errorMessage);

    const layer = (await eventsNamed('GetDownloadUrlForLayer')).map(detail);
    assert.ok(layer.some((e) => e.requestParameters.layerDigest === image.layers[0]!.digest));
    for (const name of ['InitiateLayerUpload', 'BatchDeleteImage'])
      assert.ok((await eventsNamed(name)).length > 0, `${name} is recorded`);
  });

  it('records each of many pulls as an event of its own, the pulls of one client written as one row', async () => {
    const app = server.berth.app;
    const registry = loggedIn(app, await registryPassword(app));
    await pushImage(registry, 'audited/pulled', 'v1');
    await server.berth.audit.flush();
    const rows = server.berth.audit.rowsWritten;
    for (let i = 0; i < 20; i++) {
      const pulled = await registry.inject({
        url: '/v2/audited/pulled/manifests/v1',
        headers: { 'user-agent': 'ci/1' },
      });
      assert.equal(pulled.statusCode, 200);
    }
    await server.berth.audit.flush();
    assert.equal(server.berth.audit.rowsWritten - rows, 1);
    const res = await lookup({
      LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'audited/pulled' }],
      MaxResults: 50,
    });
    const pulls = res.body.Events!.filter((e) => e.EventName === 'BatchGetImage');
    assert.equal(pulls.length, 20);
    assert.equal(new Set(pulls.map((e) => e.EventId)).size, 20);
    const details = pulls.map(detail);
    assert.equal(new Set(details.map((e) => e.requestID)).size, 20);
    for (const e of details) assert.equal(e.userAgent, 'ci/1');
    // Each is found by its own id, with its own request id.
    const one = await lookup({ LookupAttributes: [{ AttributeKey: 'EventId', AttributeValue: pulls[7]!.EventId }] });
    assert.deepEqual(one.body.Events, [pulls[7]]);
  });

  it('finds the pulls recorded before a restart: a clean stop writes the runs gathered so far', async () => {
    const dataDir = tempDir();
    try {
      const first = await startBerth({ listen: false, dataDir, settings: { audit: { flushIntervalMs: 60_000 } } });
      try {
        const registry = loggedIn(first.berth.app, await registryPassword(first.berth.app));
        await pushImage(registry, 'restarted/app', 'v1');
        for (let i = 0; i < 5; i++)
          assert.equal((await registry.inject({ url: '/v2/restarted/app/manifests/v1' })).statusCode, 200);
        assert.ok(first.berth.audit.pending >= 5, 'the pulls wait for a flush');
      } finally {
        await first.close();
      }
      const second = await startBerth({ listen: false, dataDir });
      try {
        const res = await callApi(
          second.berth.app,
          'LookupEvents',
          { LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'restarted/app' }] },
          { target: `${CLOUDTRAIL_TARGET_PREFIX}.LookupEvents`, service: 'cloudtrail', credentials: TEST_ADMIN },
        );
        const events = (res.json() as { Events: LookedUp[] }).Events;
        assert.equal(events.filter((e) => e.EventName === 'BatchGetImage').length, 5);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('records API calls of every face with secrets, passwords and key material redacted', async () => {
    const app = server.berth.app;
    const secretValue = 'pa55-word-never-kept';
    const created = await callApi(
      app,
      'CreateSecret',
      { Name: 'audited/db', SecretString: secretValue },
      { target: 'secretsmanager.CreateSecret', service: 'secretsmanager', credentials: TEST_ADMIN },
    );
    assert.equal(created.statusCode, 200, created.body);
    const repo = await callApi(app, 'CreateRepository', { repositoryName: 'audited/api' }, { credentials: TEST_ADMIN });
    assert.equal(repo.statusCode, 200, repo.body);
    const again = await callApi(
      app,
      'CreateRepository',
      { repositoryName: 'audited/api' },
      { credentials: TEST_ADMIN },
    );
    assert.equal(again.statusCode, 400);

    const [secret] = await eventsNamed('CreateSecret');
    assert.ok(secret);
    assert.equal(secret.EventSource, 'secretsmanager.amazonaws.com');
    assert.ok(!secret.CloudTrailEvent.includes(secretValue), secret.CloudTrailEvent);
    assert.equal(detail(secret).requestParameters.SecretString, HIDDEN);
    assert.equal(detail(secret).requestParameters.Name, 'audited/db');
    assert.deepEqual(secret.Resources, [{ ResourceType: 'AWS::SecretsManager::Secret', ResourceName: 'audited/db' }]);

    const creates = (await eventsNamed('CreateRepository')).map(detail);
    assert.equal(creates.length, 2);
    assert.equal(creates[0]!.errorCode, 'RepositoryAlreadyExistsException', 'newest first: the refused one');
    assert.equal(creates[1]!.errorCode, undefined);

    // IAM over the query protocol: a user's password is never kept either.
    const form = new URLSearchParams({
      Action: 'CreateUser',
      Version: '2010-05-08',
      UserName: 'audited-user',
    }).toString();
    const headers = await signHeaders(
      {
        method: 'POST',
        url: '/',
        host: 'localhost:80',
        body: form,
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      },
      { service: 'iam', credentials: TEST_ADMIN },
    );
    const iam = await app.inject({ method: 'POST', url: '/', headers, payload: form });
    assert.equal(iam.statusCode, 200, iam.body);
    const [user] = await eventsNamed('CreateUser');
    assert.equal(user?.EventSource, 'iam.amazonaws.com');
    assert.deepEqual(user?.Resources, [{ ResourceType: 'AWS::IAM::User', ResourceName: 'audited-user' }]);
  });

  it('looks up by each attribute, by time and a page at a time; each account sees its own', async () => {
    const app = server.berth.app;
    for (const name of ['paged/a', 'paged/b', 'paged/c']) {
      const res = await callApi(app, 'CreateRepository', { repositoryName: name }, { credentials: TEST_ADMIN });
      assert.equal(res.statusCode, 200, res.body);
    }
    const byResource = await lookup({
      LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'paged/b' }],
    });
    assert.deepEqual(
      byResource.body.Events!.map((e) => e.EventName),
      ['CreateRepository'],
    );
    const id = byResource.body.Events![0]!.EventId;
    const byId = await lookup({ LookupAttributes: [{ AttributeKey: 'EventId', AttributeValue: id }] });
    assert.deepEqual(
      byId.body.Events!.map((e) => e.EventId),
      [id],
    );
    for (const [key, value] of [
      ['ReadOnly', 'false'],
      ['Username', 'root'],
      ['AccessKeyId', TEST_ADMIN.accessKeyId],
      ['EventSource', 'ecr.amazonaws.com'],
      ['ResourceType', 'AWS::ECR::Repository'],
    ]) {
      const res = await lookup({ LookupAttributes: [{ AttributeKey: key, AttributeValue: value }], MaxResults: 50 });
      assert.ok(
        res.body.Events!.some((e) => e.EventId === id),
        `${key}=${value} finds the event`,
      );
    }

    const attribute = { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateRepository' }] };
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await lookup({ ...attribute, MaxResults: 2, ...(token && { NextToken: token }) });
      assert.equal(page.status, 200, JSON.stringify(page.body));
      assert.ok(page.body.Events!.length <= 2);
      seen.push(...page.body.Events!.map((e) => e.EventId));
      token = page.body.NextToken;
    } while (token);
    const all = await lookup(attribute);
    assert.deepEqual(
      seen,
      all.body.Events!.map((e) => e.EventId),
    );
    assert.ok(seen.length >= 5);
    const times = all.body.Events!.map((e) => e.EventTime);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      'newest first',
    );

    const future = Date.now() / 1000 + 3600;
    const none = await lookup({ ...attribute, StartTime: future, EndTime: future + 60 });
    assert.deepEqual(none.body.Events, []);

    // Another account's root sees its own calls only.
    assert.deepEqual(await eventsNamed('CreateRepository', otherRoot), []);
    const mine = await eventsNamed('LookupEvents', otherRoot);
    assert.ok(mine.length > 0);
    assert.ok(mine.every((e) => detail(e).recipientAccountId === OTHER));
  });

  it('refuses bad lookups by CloudTrail exception names, with a 400', async () => {
    const attribute = { AttributeKey: 'EventName', AttributeValue: 'PutImage' };
    const cases: [object, string][] = [
      [{ LookupAttributes: [attribute, attribute] }, 'InvalidLookupAttributesException'],
      [{ LookupAttributes: [{ AttributeKey: 'Colour', AttributeValue: 'x' }] }, 'InvalidLookupAttributesException'],
      [{ MaxResults: 51 }, 'InvalidMaxResultsException'],
      [{ MaxResults: 0 }, 'InvalidMaxResultsException'],
      [{ StartTime: 2_000_000_000, EndTime: 1_000_000_000 }, 'InvalidTimeRangeException'],
      [{ NextToken: 'not-a-token' }, 'InvalidNextTokenException'],
      [{ EventCategory: 'insight' }, 'InvalidEventCategoryException'],
      [{ MaxResults: 'ten' }, 'ValidationException'],
    ];
    for (const [input, type] of cases) {
      const res = await lookup(input);
      assert.equal(res.status, 400, JSON.stringify(input));
      assert.equal(res.body.__type, type, JSON.stringify(input));
    }
    // A token of one lookup does not page another.
    for (const name of ['t/1', 't/2'])
      await callApi(server.berth.app, 'CreateRepository', { repositoryName: name }, { credentials: TEST_ADMIN });
    const first = await lookup({ MaxResults: 1 });
    assert.ok(first.body.NextToken);
    const other = await lookup({ LookupAttributes: [attribute], NextToken: first.body.NextToken });
    assert.equal(other.body.__type, 'InvalidNextTokenException');
  });

  it('deletes events past audit.retentionDays (the purge job)', async () => {
    const old = Date.now() - 91 * 86_400_000;
    const { eventIdAt } = await import('../../audit/event.js');
    await server.berth.store.audit.insert([
      {
        eventId: eventIdAt(old),
        eventTime: old,
        accountId: server.berth.accountId,
        eventName: 'OldCall',
        eventSource: 'ecr.amazonaws.com',
        readOnly: true,
        username: 'root',
        accessKeyId: null,
        resourceType: null,
        resourceName: null,
        identity: null,
        sourceIp: '192.0.2.1',
        userAgent: null,
        requestId: 'old-request',
        parameters: null,
        errorCode: null,
        errorMessage: null,
      },
    ]);
    const range = { StartTime: old / 1000 - 1, EndTime: old / 1000 + 1 };
    assert.equal((await lookup(range)).body.Events!.length, 1);
    assert.ok((await server.berth.audit.purge(Date.now())) >= 1);
    assert.deepEqual((await lookup(range)).body.Events, []);
    assert.ok(await server.berth.store.jobs.get('purge-audit-events'), 'the purge is a scheduled job');
  });
});

describe('event ids', () => {
  it('are version 7 UUIDs, in the order of their times', async () => {
    const { eventIdAt } = await import('../../audit/event.js');
    const ids = [1_000, 2_000, Date.now(), Date.now() + 1].map(eventIdAt);
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual([...ids].sort(), ids);
  });
});
