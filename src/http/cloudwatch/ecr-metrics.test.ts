// CloudWatch's GetMetricStatistics and ListMetrics over the query protocol, through the real
// HTTP surface: pulls and pushes of a repository counted per minute by the audit trail's hook
// (manifest GETs and PUTs over /v2, BatchGetImage and PutImage over the ECR API; not HEADs, not
// refusals), summed over periods; each account its own; authorized as cloudwatch:<Action>; bad
// input refused by the query protocol's error codes with a 400. (The AWS CLI's own run:
// get-metric-statistics-cli.once.test.ts.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loggedIn, registryPassword } from '../../testing/api-client.js';
import { type Credentials, signHeaders } from '../../testing/aws-signer.js';
import { pushImage } from '../../testing/registry-client.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../../testing/server.js';

let server: TestBerth;
const OTHER = '444444444444';
let otherRoot: Credentials;
let none: Credentials;
let reader: Credentials;

async function query(
  action: string,
  params: Record<string, string>,
  credentials: Credentials | null = TEST_ADMIN,
): Promise<{ status: number; code: string | undefined; body: string }> {
  const host = 'localhost:80';
  const body = new URLSearchParams({ Action: action, Version: '2010-08-01', ...params }).toString();
  const headers = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  const signed = credentials
    ? await signHeaders({ method: 'POST', url: '/', host, headers, body }, { service: 'monitoring', credentials })
    : { host, ...headers };
  const res = await server.berth.app.inject({ method: 'POST', url: '/', headers: signed, payload: body });
  return { status: res.statusCode, code: /<Code>([^<]+)<\/Code>/.exec(res.body)?.[1], body: res.body };
}

const minute = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

function statistics(repository: string, metric: string, from: number, to: number, period = 60) {
  return {
    Namespace: 'AWS/ECR',
    MetricName: metric,
    'Dimensions.member.1.Name': 'RepositoryName',
    'Dimensions.member.1.Value': repository,
    StartTime: iso(from),
    EndTime: iso(to),
    Period: String(period),
    'Statistics.member.1': 'Sum',
    'Statistics.member.2': 'SampleCount',
  };
}

/** The datapoints' [Sum, SampleCount] in time order. */
function datapoints(xml: string): { at: string; sum: number; samples: number }[] {
  return [...xml.matchAll(/<member>(.*?)<\/member>/g)]
    .map((m) => ({
      at: /<Timestamp>([^<]+)<\/Timestamp>/.exec(m[1]!)?.[1] ?? '',
      sum: Number(/<Sum>([^<]+)<\/Sum>/.exec(m[1]!)?.[1]),
      samples: Number(/<SampleCount>([^<]+)<\/SampleCount>/.exec(m[1]!)?.[1]),
    }))
    .sort((a, b) => a.at.localeCompare(b.at));
}

before(async () => {
  server = await startBerth({ listen: false, settings: { auth: { mode: 'iam' } } });
  const A = server.berth.accountId;
  await server.berth.identities.createAccount(OTHER);
  otherRoot = await server.berth.identities.createAccessKeyFor(OTHER);
  await server.berth.identities.createUser(A, 'cw-none');
  none = await server.berth.identities.createAccessKeyFor(A, 'cw-none');
  await server.berth.identities.createUser(A, 'cw-reader');
  reader = await server.berth.identities.createAccessKeyFor(A, 'cw-reader');
  await server.berth.userPolicies.putUserPolicy(
    A,
    'cw-reader',
    'metrics',
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['cloudwatch:GetMetricStatistics', 'cloudwatch:ListMetrics'], Resource: '*' },
      ],
    }),
  );
});
after(() => server?.close());

describe("CloudWatch: ECR's RepositoryPullCount and RepositoryPushCount", () => {
  it('counts served pulls and pushes per repository, summed over the periods asked', async () => {
    const app = server.berth.app;
    const registry = loggedIn(app, await registryPassword(app));
    const started = Date.now() - (Date.now() % minute);
    const image = await pushImage(registry, 'watched/app', 'v1');
    await pushImage(registry, 'watched/app', 'v2');
    await pushImage(registry, 'watched/other', 'v1');
    for (let i = 0; i < 4; i++) {
      const res = await registry.inject({ url: '/v2/watched/app/manifests/v1', headers: { accept: image.mediaType } });
      assert.equal(res.statusCode, 200);
    }
    // Not pulls: a HEAD, a manifest that is not there.
    assert.equal((await registry.inject({ method: 'HEAD', url: '/v2/watched/app/manifests/v1' })).statusCode, 200);
    assert.equal((await registry.inject({ url: '/v2/watched/app/manifests/nope' })).statusCode, 404);

    const range = [started - 5 * minute, started + 5 * minute] as const;
    const pulls = await query('GetMetricStatistics', statistics('watched/app', 'RepositoryPullCount', ...range, 600));
    assert.equal(pulls.status, 200, pulls.body);
    assert.match(
      pulls.body,
      /<GetMetricStatisticsResponse xmlns="http:\/\/monitoring.amazonaws.com\/doc\/2010-08-01\/">/,
    );
    assert.match(pulls.body, /<Label>RepositoryPullCount<\/Label>/);
    assert.deepEqual(
      datapoints(pulls.body).map((d) => [d.sum, d.samples]),
      [[4, 4]],
    );
    assert.match(pulls.body, /<Unit>Count<\/Unit>/);
    const pushes = await query('GetMetricStatistics', statistics('watched/app', 'RepositoryPushCount', ...range, 600));
    assert.deepEqual(
      datapoints(pushes.body).map((d) => d.sum),
      [2],
    );
    // Per minute: the counts fall in the minutes they happened in (one or two, at a minute's edge).
    const perMinute = datapoints(
      (await query('GetMetricStatistics', statistics('watched/app', 'RepositoryPullCount', ...range))).body,
    );
    assert.equal(
      perMinute.reduce((n, d) => n + d.sum, 0),
      4,
    );
    for (const d of perMinute) assert.equal(Date.parse(d.at) % minute, 0);

    const listed = await query('ListMetrics', { Namespace: 'AWS/ECR', MetricName: 'RepositoryPushCount' });
    assert.equal(listed.status, 200, listed.body);
    const names = [...listed.body.matchAll(/<Value>([^<]+)<\/Value>/g)].map((m) => m[1]);
    assert.deepEqual(names, ['watched/app', 'watched/other']);
    const filtered = await query('ListMetrics', {
      'Dimensions.member.1.Name': 'RepositoryName',
      'Dimensions.member.1.Value': 'watched/other',
    });
    assert.equal(
      [...filtered.body.matchAll(/<MetricName>([^<]+)<\/MetricName>/g)].map((m) => m[1]).join(),
      'RepositoryPushCount',
    );

    // Another account sees none of it; another namespace or metric has no datapoints.
    const elsewhere = await query(
      'GetMetricStatistics',
      statistics('watched/app', 'RepositoryPullCount', ...range, 600),
      otherRoot,
    );
    assert.deepEqual(datapoints(elsewhere.body), []);
    const ec2 = await query('GetMetricStatistics', {
      ...statistics('watched/app', 'RepositoryPullCount', ...range, 600),
      Namespace: 'AWS/EC2',
    });
    assert.deepEqual(datapoints(ec2.body), []);
  });

  it('is authorized as cloudwatch:<Action> on "*"', async () => {
    const now = Date.now();
    const params = statistics('watched/app', 'RepositoryPullCount', now - 600_000, now, 600);
    const unsigned = await query('GetMetricStatistics', params, null);
    assert.deepEqual([unsigned.status, unsigned.code], [403, 'MissingAuthenticationToken']);
    for (const action of ['GetMetricStatistics', 'ListMetrics']) {
      const refused = await query(action, action === 'ListMetrics' ? {} : params, none);
      assert.deepEqual([refused.status, refused.code], [403, 'AccessDenied'], refused.body);
      assert.match(refused.body, new RegExp(`cloudwatch:${action}`));
      const served = await query(action, action === 'ListMetrics' ? {} : params, reader);
      assert.equal(served.status, 200, served.body);
    }
  });

  it('refuses bad input by the query protocol codes, with a 400', async () => {
    const now = Date.now();
    const good = statistics('watched/app', 'RepositoryPullCount', now - 600_000, now, 600);
    const { 'Statistics.member.1': _s, 'Statistics.member.2': _c, ...noStatistics } = good;
    const { MetricName: _m, ...noMetric } = good;
    const cases: [Record<string, string>, string][] = [
      [noStatistics, 'MissingParameter'],
      [noMetric, 'MissingParameter'],
      [{ ...good, Period: '61' }, 'InvalidParameterValue'],
      [{ ...good, Period: 'often' }, 'InvalidParameterValue'],
      [{ ...good, StartTime: iso(now), EndTime: iso(now - 600_000) }, 'InvalidParameterValue'],
      [{ ...good, StartTime: 'yesterday' }, 'InvalidParameterValue'],
      [{ ...good, 'Statistics.member.1': 'p99' }, 'InvalidParameterValue'],
      [{ ...good, StartTime: iso(now - 30 * 86_400_000), Period: '60' }, 'InvalidParameterCombination'],
    ];
    for (const [params, code] of cases) {
      const res = await query('GetMetricStatistics', params);
      assert.deepEqual([res.status, res.code], [400, code], `${JSON.stringify(params)}: ${res.body}`);
    }
    // Recorded by the audit trail as CloudWatch's, and counted by /metrics under its face.
    await server.berth.audit.flush();
    const events = await server.berth.store.audit.lookup({
      accountId: server.berth.accountId,
      attribute: { key: 'EventSource', value: 'monitoring.amazonaws.com' },
      startTime: now - 60_000,
      endTime: Date.now() + 1000,
      limit: 50,
    });
    assert.ok(events.some((e) => e.eventName === 'GetMetricStatistics'));
    const scraped = await server.berth.app.inject({ url: '/metrics' });
    assert.match(scraped.body, /berth_requests_total\{face="cloudwatch",action="unknown",status="4xx"\}/);
    const unknown = await query('PutMetricData', { Namespace: 'x' });
    assert.deepEqual([unknown.status, unknown.code], [400, 'InvalidAction']);
  });
});
