// Pulls through the public listener are audited: recorded as ECR Public's events
// (ecr-public.amazonaws.com) in the account whose alias the path names, the repository named
// without the alias, anonymous pulls as an unknown identity and signed pushes as their caller.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MediaTypes } from '../../domain/media-types.js';
import { callApi } from '../../testing/api-client.js';
import { bearerToken, publicApi, publicPassword, pushPublicImage } from '../../testing/public-registry.js';
import { startBerth, type TestBerth } from '../../testing/server.js';
import { CLOUDTRAIL_TARGET_PREFIX } from './face.js';

let server: TestBerth;

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' }, audit: { flushIntervalMs: 60_000 } } });
});
after(() => server?.close());

async function lookup(input: object) {
  const res = await callApi(server.berth.app, 'LookupEvents', input, {
    target: `${CLOUDTRAIL_TARGET_PREFIX}.LookupEvents`,
    service: 'cloudtrail',
  });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { Events: { EventName: string; CloudTrailEvent: string }[] }).Events.map(
    (e) => JSON.parse(e.CloudTrailEvent) as Record<string, any>,
  );
}

describe('the audit trail on the public listener', () => {
  it('records anonymous pulls and signed pushes as ECR Public events of the alias owner', async () => {
    const app = server.berth.app;
    await publicApi(app, 'CreateRepository', { repositoryName: 'audited/pub' });
    const alias = (await publicApi(app, 'DescribeRegistries')).registries[0].aliases[0].name as string;
    const publicUrl = server.berth.publicUrl();
    const reference = `${alias}/audited/pub`;
    const pushToken = await bearerToken(publicUrl, `repository:${reference}:push,pull`, await publicPassword(app));
    await pushPublicImage(publicUrl, pushToken, reference, 'v1');
    const pullToken = await bearerToken(publicUrl, `repository:${reference}:pull`);
    const pulled = await fetch(`${publicUrl}/v2/${reference}/manifests/v1`, {
      headers: {
        authorization: `Bearer ${pullToken}`,
        accept: MediaTypes.ociManifest,
        'user-agent': 'public-puller/1',
      },
    });
    assert.equal(pulled.status, 200);
    await pulled.arrayBuffer();

    const events = await lookup({
      LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: 'ecr-public.amazonaws.com' }],
    });
    const pulls = events.filter((e) => e.eventName === 'BatchGetImage' && e.userAgent === 'public-puller/1');
    assert.equal(pulls.length, 1, JSON.stringify(events.map((e) => [e.eventName, e.userAgent])));
    const pull = pulls[0]!;
    assert.equal(pull.recipientAccountId, server.berth.accountId, 'the account the alias names');
    assert.deepEqual(pull.requestParameters, { repositoryName: 'audited/pub', imageTag: 'v1' });
    assert.equal(pull.userIdentity.type, 'Unknown', 'an anonymous pull');
    assert.equal(pull.readOnly, true);
    const push = events.find((e) => e.eventName === 'PutImage');
    assert.ok(push, 'the push through the public listener');
    assert.equal(push.userIdentity.type, 'Root', 'the signed pusher');
    assert.equal(push.requestParameters.repositoryName, 'audited/pub');
  });
});
