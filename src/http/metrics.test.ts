// GET /metrics through the real HTTP surface, its text parsed by a real Prometheus parser
// (parse-prometheus-text-format): requests by face and action with latency histograms and bytes,
// upload sessions and the job queue from the database, the audit trail's counts, the process's
// own metrics; behind a bearer token when metrics.token is set, absent when metrics.enabled is off.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { callApi, loggedIn, registryPassword } from '../testing/api-client.js';
import { pushImage, startUpload } from '../testing/registry-client.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../testing/server.js';

let server: TestBerth;

type Families = Map<string, ParsedFamily> & { text: string };

async function scrape(berth: TestBerth, headers: Record<string, string> = {}): Promise<Families> {
  const res = await berth.berth.app.inject({ url: '/metrics', headers });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const families = new Map(parsePrometheusTextFormat(res.body).map((family) => [family.name, family]));
  return Object.assign(families, { text: res.body });
}

/**
 * One label set's series of a histogram, parsed (the parser folds a histogram's buckets only
 * when its series carry no labels but le: the set's labels are taken off first).
 */
function histogram(families: Families, name: string, labels: Record<string, string>) {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const series = families.text
    .split('\n')
    .filter((line) => line.startsWith(`${name}_`) && pairs.every((pair) => line.includes(pair)))
    .map((line) => pairs.reduce((out, pair) => out.replace(new RegExp(`,?${pair}`), ''), line).replace('{,', '{'))
    .map((line) => line.replace('{}', ''));
  assert.ok(series.length > 0, `${name} has series for ${pairs.join(',')}`);
  const [family] = parsePrometheusTextFormat(`# HELP ${name} x\n# TYPE ${name} histogram\n${series.join('\n')}\n`);
  return family!.metrics[0]!;
}

function sample(families: Families, name: string, labels: Record<string, string> = {}) {
  const family = families.get(name);
  assert.ok(family, `${name} is served`);
  return family.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
}

const value = (families: Families, name: string, labels: Record<string, string> = {}) =>
  Number(sample(families, name, labels)?.value ?? Number.NaN);

before(async () => {
  server = await startBerth({ listen: false, settings: { auth: { mode: 'iam' } } });
});
after(() => server?.close());

describe('GET /metrics', () => {
  it('counts requests per face and action, their latency and bytes, and what waits in the database', async () => {
    const app = server.berth.app;
    const registry = loggedIn(app, await registryPassword(app));
    const image = await pushImage(registry, 'metered/app', 'v1', { layers: 1 });
    for (let i = 0; i < 3; i++) {
      const res = await registry.inject({ url: '/v2/metered/app/manifests/v1', headers: { accept: image.mediaType } });
      assert.equal(res.statusCode, 200);
    }
    const blob = await registry.inject({ url: `/v2/metered/app/blobs/${image.layers[0]!.digest}` });
    assert.equal(blob.statusCode, 200);
    assert.equal((await registry.inject({ url: '/v2/metered/app/manifests/none' })).statusCode, 404);
    await startUpload(registry, 'metered/app');
    const described = await callApi(app, 'DescribeRepositories', {}, { credentials: TEST_ADMIN });
    assert.equal(described.statusCode, 200);
    const unknown = await callApi(app, 'NoSuchAction', {}, { credentials: TEST_ADMIN });
    assert.equal(unknown.statusCode, 400);

    const m = await scrape(server);
    assert.equal(value(m, 'berth_requests_total', { face: 'oci', action: 'GET manifest', status: '2xx' }), 3);
    assert.equal(value(m, 'berth_requests_total', { face: 'oci', action: 'GET manifest', status: '4xx' }), 1);
    assert.ok(value(m, 'berth_requests_total', { face: 'oci', action: 'PUT manifest', status: '2xx' }) >= 1);
    assert.equal(value(m, 'berth_requests_total', { face: 'ecr', action: 'DescribeRepositories', status: '2xx' }), 1);
    assert.equal(value(m, 'berth_requests_total', { face: 'ecr', action: 'unknown', status: '4xx' }), 1);
    assert.equal(m.get('berth_requests_total')!.type, 'COUNTER');

    const latency = histogram(m, 'berth_request_duration_seconds', { face: 'oci', action: 'GET manifest' });
    assert.equal(m.get('berth_request_duration_seconds')!.type, 'HISTOGRAM');
    assert.equal(Number(latency?.count), 4);
    assert.ok(Number(latency?.sum) > 0);
    assert.equal(Number(latency?.buckets?.['+Inf']), 4);
    // Cumulative buckets: every bound of the histogram, each counting at least what the one below it does.
    const bounds = Object.entries(latency?.buckets ?? {}).map(([le, n]) => [Number(le), Number(n)] as const);
    assert.equal(bounds.length, 17);
    bounds.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < bounds.length; i++) assert.ok(bounds[i]![1] >= bounds[i - 1]![1], `bucket le=${bounds[i]![0]}`);
    const sum = Number(latency?.sum);
    assert.ok(
      bounds.every(([le, n]) => n === 4 || le < sum),
      'a bucket short of all 4 lies below the sum of the 4',
    );

    assert.ok(value(m, 'berth_response_bytes_total', { face: 'oci' }) >= image.layers[0]!.size);
    assert.ok(value(m, 'berth_request_bytes_total', { face: 'oci' }) >= image.layers[0]!.size);
    assert.ok(value(m, 'berth_upload_sessions') >= 1);
    for (const name of [
      'berth_jobs_due',
      'berth_jobs_oldest_due_seconds',
      'berth_replication_pending',
      'berth_replication_oldest_seconds',
      'berth_gc_deletions_pending',
      'berth_audit_events_pending',
      'berth_audit_events_written_total',
      'berth_log_lines_dropped_total',
      'process_cpu_user_seconds_total',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ])
      assert.ok(Number.isFinite(value(m, name)), `${name} has a value`);
    await server.berth.audit.flush();
    assert.ok(value(await scrape(server), 'berth_audit_events_written_total') >= 10);
  });

  it('wants the bearer token when metrics.token is set, and is gone when metrics.enabled is off', async () => {
    const token = 'scrape-me-0123456789';
    const guarded = await startBerth({ listen: false, settings: { metrics: { token } } });
    const off = await startBerth({ listen: false, settings: { metrics: { enabled: false } } });
    try {
      const refused = await guarded.berth.app.inject({ url: '/metrics' });
      assert.equal(refused.statusCode, 401);
      assert.match(String(refused.headers['www-authenticate']), /^Bearer/);
      const wrong = await guarded.berth.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}x` } });
      assert.equal(wrong.statusCode, 401);
      assert.ok((await scrape(guarded, { authorization: `Bearer ${token}` })).has('berth_requests_total'));
      assert.equal((await off.berth.app.inject({ url: '/metrics' })).statusCode, 404);
    } finally {
      await guarded.close();
      await off.close();
    }
  });
});
