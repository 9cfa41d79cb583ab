// The events API with the AWS CLI v2, unmodified: rules with their patterns (checked), webhook
// targets (HTTPS, or loopback HTTP when allowed; a signing secret each, never listed back), and
// the model's exception names. Once tier: the backend changes nothing here (events.test.ts runs
// the deliveries on both).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runProgram } from '../../testing/cli.js';
import { freePort, startBerth, type TestBerth, ADMIN_ENV } from '../../testing/server.js';
import { AWS_CLI, requireAwsCli } from '../../testing/tools.js';
import { WebhookReceiver } from '../../testing/webhook-receiver.js';

const SECRET = 'a-secret-of-the-receiver-0123456789';
let server: TestBerth;
let receiver: WebhookReceiver;

const env = {
  ...ADMIN_ENV,
  AWS_REGION: 'us-east-1',
};

async function aws(...args: string[]): Promise<Record<string, any>> {
  const res = await runProgram(AWS_CLI, ['events', ...args, '--endpoint-url', server.url, '--output', 'json'], env);
  assert.equal(res.code, 0, res.stderr);
  return res.stdout.trim() ? (JSON.parse(res.stdout) as Record<string, any>) : {};
}

async function awsFails(...args: string[]): Promise<string> {
  const res = await runProgram(AWS_CLI, ['events', ...args, '--endpoint-url', server.url], env);
  assert.notEqual(res.code, 0, res.stdout);
  return res.stderr;
}

const target = (id: string, path: string, format?: string) =>
  JSON.stringify([
    {
      Id: id,
      Arn: receiver.url(path),
      HttpParameters: {
        HeaderParameters: {
          'Berth-Signing-Secret': SECRET,
          'X-Team': 'platform',
          ...(format && { 'Berth-Format': format }),
        },
      },
    },
  ]);

before(async () => {
  receiver = new WebhookReceiver(await freePort());
  server = await startBerth({
    settings: { events: { allowHttpLoopback: true, pollMilliseconds: 50, retryBaseMilliseconds: 200 } },
  });
});
after(async () => {
  await server.close();
});

describe('the events API with the AWS CLI v2', () => {
  test('rules and targets with the AWS CLI v2: patterns checked, webhooks only on HTTPS or loopback, secrets never listed', async (t) => {
    if (!requireAwsCli(t)) return;
    const images =
      '{"source":["aws.ecr"],"detail-type":["ECR Image Action"],"detail":{"repository-name":[{"prefix":"web"}]}}';
    const put = await aws('put-rule', '--name', 'images', '--event-pattern', images, '--description', 'web images');
    assert.equal(put.RuleArn, `arn:aws:events:us-east-1:${server.berth.accountId}:rule/images`);
    const hook = JSON.parse(target('hook', '/images'))[0];
    const refused = await aws(
      'put-targets',
      '--rule',
      'images',
      '--targets',
      JSON.stringify([
        hook,
        {
          Id: 'plain',
          Arn: 'http://example.com/hook',
          HttpParameters: { HeaderParameters: { 'Berth-Signing-Secret': SECRET } },
        },
        { Id: 'nosecret', Arn: 'https://example.com/hook' },
      ]),
    );
    assert.equal(refused.FailedEntryCount, 2);
    assert.deepEqual(
      refused.FailedEntries.map((e: { TargetId: string; ErrorCode: string }) => [e.TargetId, e.ErrorCode]),
      [
        ['plain', 'ValidationException'],
        ['nosecret', 'ValidationException'],
      ],
    );
    const listed = await aws('list-targets-by-rule', '--rule', 'images');
    assert.deepEqual(
      listed.Targets.map((t: { Id: string }) => t.Id),
      ['hook'],
    );
    assert.equal(listed.Targets[0].Arn, receiver.url('/images'));
    assert.equal(listed.Targets[0].HttpParameters.HeaderParameters['Berth-Signing-Secret'], '****');
    const described = await aws('describe-rule', '--name', 'images');
    assert.equal(described.EventPattern, images);
    assert.equal(described.State, 'ENABLED');
    assert.equal(described.Description, 'web images');
    assert.match(
      await awsFails('put-rule', '--name', 'bad', '--event-pattern', '{"source":[{"regex":"a"}]}'),
      /InvalidEventPatternException/,
    );
    const tested = await aws(
      'test-event-pattern',
      '--event-pattern',
      images,
      '--event',
      JSON.stringify({
        id: '1',
        'detail-type': 'ECR Image Action',
        source: 'aws.ecr',
        account: server.berth.accountId,
        time: '2026-01-01T00:00:00Z',
        region: 'us-east-1',
        resources: [],
        detail: { 'repository-name': 'web/app' },
      }),
    );
    assert.equal(tested.Result, true);
  });
});
