// `aws cloudtrail lookup-events` with the AWS CLI v2, unmodified, against a listening Berth: the
// DeleteRepository calls the CLI made are found by event name, through the server's pages (the
// CLI follows NextToken with --page-size 1), each with its CloudTrailEvent.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callApi } from '../../testing/api-client.js';
import { runProgram } from '../../testing/cli.js';
import { startBerth, TEST_ADMIN, type TestBerth, ADMIN_ENV } from '../../testing/server.js';
import { AWS_CLI, requireAwsCli } from '../../testing/tools.js';

let server: TestBerth;

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
});
after(() => server?.close());

describe('aws cloudtrail lookup-events', () => {
  it('finds the DeleteRepository calls, a page at a time', async (t) => {
    if (!requireAwsCli(t)) return;
    const env = {
      ...ADMIN_ENV,
      AWS_REGION: 'us-east-1',
    };
    const aws = async (...args: string[]) => {
      const res = await runProgram(AWS_CLI, [...args, '--endpoint-url', server.url, '--output', 'json'], env);
      assert.equal(res.code, 0, res.stderr);
      return res.stdout.trim() ? (JSON.parse(res.stdout) as Record<string, any>) : {};
    };
    // The CLI's own call last; the others through the SDK's signer (each CLI start costs seconds).
    const names = ['cli/one', 'cli/two', 'cli/three'];
    for (const name of names) {
      const res = await callApi(server.berth.app, 'CreateRepository', { repositoryName: name });
      assert.equal(res.statusCode, 200, res.body);
    }
    for (const name of names.slice(0, 2)) {
      const res = await callApi(server.berth.app, 'DeleteRepository', { repositoryName: name });
      assert.equal(res.statusCode, 200, res.body);
    }
    await aws('ecr', 'delete-repository', '--repository-name', names[2]!);

    const found = await aws(
      'cloudtrail',
      'lookup-events',
      '--lookup-attributes',
      'AttributeKey=EventName,AttributeValue=DeleteRepository',
      '--page-size',
      '1',
    );
    const events = found.Events as Record<string, any>[];
    assert.equal(events.length, 3, JSON.stringify(found));
    assert.deepEqual(
      events.map((e) => e.Resources[0].ResourceName),
      [...names].reverse(),
      'newest first',
    );
    for (const event of events) {
      assert.equal(event.EventName, 'DeleteRepository');
      assert.equal(event.EventSource, 'ecr.amazonaws.com');
      assert.equal(event.AccessKeyId, TEST_ADMIN.accessKeyId);
      assert.equal(event.ReadOnly, 'false');
      const detail = JSON.parse(event.CloudTrailEvent);
      assert.equal(detail.eventName, 'DeleteRepository');
      assert.equal(detail.requestParameters.repositoryName, event.Resources[0].ResourceName);
      assert.equal(detail.recipientAccountId, server.berth.accountId);
    }

    assert.match(JSON.parse(events[0]!.CloudTrailEvent).userAgent, /^aws-cli\/2/);

    // --max-items stops after one and hands back the CLI's token; the next call goes on from it.
    const first = await aws(
      'cloudtrail',
      'lookup-events',
      '--lookup-attributes',
      'AttributeKey=EventName,AttributeValue=DeleteRepository',
      '--max-items',
      '1',
    );
    assert.equal(first.Events.length, 1);
    assert.ok(first.NextToken);
    const rest = await aws(
      'cloudtrail',
      'lookup-events',
      '--lookup-attributes',
      'AttributeKey=EventName,AttributeValue=DeleteRepository',
      '--starting-token',
      first.NextToken,
    );
    assert.deepEqual(
      [...first.Events, ...rest.Events].map((e: Record<string, any>) => e.EventId),
      events.map((e) => e.EventId),
    );
  });
});
