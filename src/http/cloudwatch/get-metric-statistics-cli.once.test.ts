// `aws cloudwatch get-metric-statistics` and `list-metrics` with the AWS CLI v2, unmodified (it
// speaks the query protocol, signed for monitoring), against a listening Berth: the pulls of a
// repository are the Sum of RepositoryPullCount.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loggedIn, registryPassword } from '../../testing/api-client.js';
import { runProgram } from '../../testing/cli.js';
import { pushImage } from '../../testing/registry-client.js';
import { startBerth, type TestBerth, ADMIN_ENV } from '../../testing/server.js';
import { AWS_CLI, requireAwsCli } from '../../testing/tools.js';

let server: TestBerth;

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
});
after(() => server?.close());

const env = {
  ...ADMIN_ENV,
  AWS_REGION: 'us-east-1',
};
const aws = async (...args: string[]) => {
  const res = await runProgram(AWS_CLI, [...args, '--endpoint-url', server.url, '--output', 'json'], env);
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout) as Record<string, any>;
};

describe('aws cloudwatch', () => {
  it('get-metric-statistics sums RepositoryPullCount; list-metrics names the repository', async (t) => {
    if (!requireAwsCli(t)) return;
    const app = server.berth.app;
    const registry = loggedIn(app, await registryPassword(app));
    const image = await pushImage(registry, 'cli/watched', 'v1');
    for (let i = 0; i < 3; i++) {
      const res = await registry.inject({ url: '/v2/cli/watched/manifests/v1', headers: { accept: image.mediaType } });
      assert.equal(res.statusCode, 200);
    }
    const now = Date.now();
    const stats = await aws(
      'cloudwatch',
      'get-metric-statistics',
      '--namespace',
      'AWS/ECR',
      '--metric-name',
      'RepositoryPullCount',
      '--dimensions',
      'Name=RepositoryName,Value=cli/watched',
      '--start-time',
      new Date(now - 3_600_000).toISOString(),
      '--end-time',
      new Date(now + 3_600_000).toISOString(),
      '--period',
      '7200',
      '--statistics',
      'Sum',
      'SampleCount',
    );
    assert.equal(stats.Label, 'RepositoryPullCount');
    assert.equal(stats.Datapoints.length, 1, JSON.stringify(stats));
    assert.equal(stats.Datapoints[0].Sum, 3);
    assert.equal(stats.Datapoints[0].SampleCount, 3);
    assert.equal(stats.Datapoints[0].Unit, 'Count');
    const listed = await aws('cloudwatch', 'list-metrics', '--namespace', 'AWS/ECR');
    assert.deepEqual(listed.Metrics.map((m: Record<string, any>) => [m.MetricName, m.Dimensions[0].Value]).sort(), [
      ['RepositoryPullCount', 'cli/watched'],
      ['RepositoryPushCount', 'cli/watched'],
    ]);
  });

  it('list-metrics pages by NextToken (500 a page), and the CLI follows the tokens', async (t) => {
    if (!requireAwsCli(t)) return;
    // 600 repositories pulled this minute: more than a page of RepositoryPullCount.
    const minute = Date.now() - (Date.now() % 60_000);
    const names = Array.from({ length: 600 }, (_, i) => `paged/r${String(i).padStart(3, '0')}`);
    await server.berth.store.audit.addCounts(
      names.map((repositoryName) => ({
        accountId: server.berth.accountId,
        repositoryName,
        metric: 'RepositoryPullCount' as const,
        minute,
        count: 1,
      })),
    );
    const pulls = ['cloudwatch', 'list-metrics', '--namespace', 'AWS/ECR', '--metric-name', 'RepositoryPullCount'];
    const first = await aws(...pulls, '--no-paginate');
    assert.equal(first.Metrics.length, 500);
    assert.equal(typeof first.NextToken, 'string');
    const second = await aws(...pulls, '--no-paginate', '--next-token', first.NextToken);
    assert.equal(second.NextToken, undefined, 'the last page has no token');
    const paged = [...first.Metrics, ...second.Metrics].map((m: Record<string, any>) => m.Dimensions[0].Value);
    assert.equal(new Set(paged).size, paged.length, 'no repository twice');
    for (const name of names) assert.ok(paged.includes(name), name);
    // The CLI's own paging follows NextToken to the end.
    const all = await aws(...pulls);
    assert.equal(all.Metrics.length, paged.length);
    const bad = await runProgram(
      AWS_CLI,
      [...pulls, '--no-paginate', '--next-token', 'nonsense', '--endpoint-url', server.url],
      env,
    );
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /InvalidParameterValue/);
  });
});
