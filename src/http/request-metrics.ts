// The requests of every face and action, for /metrics: a count by status class, a latency
// histogram and the bytes in and out. The labels are bounded: the face by its X-Amz-Target
// prefix, form Version or path; the action by its name only once the face answered it (an
// unknown operation is "unknown"), registry requests by method and resource kind, anything else
// by its route's pattern.
// A request adds to plain numbers kept per label set (no label validation, hashing or object per
// request, as prom-client's labelled children do on every inc and observe); prom-client's
// registry renders them when /metrics is scraped, as its own counters and histograms would.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';

const TARGETS: [string, string][] = [
  ['AmazonEC2ContainerRegistry_V20150921.', 'ecr'],
  ['TrentService.', 'kms'],
  ['SpencerFrontendService.', 'ecr-public'],
  ['BerthPublicRegistry.', 'ecr-public'],
  ['secretsmanager.', 'secretsmanager'],
  ['com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.', 'cloudtrail'],
];
const QUERY_FACES: Record<string, string> = { '2010-05-08': 'iam', '2011-06-15': 'sts', '2010-08-01': 'cloudwatch' };

/** Seconds: from a cached manifest GET (sub-millisecond) to a large blob (minutes). */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

function registryKind(path: string): string {
  if (path === '/v2/' || path === '/v2') return 'base';
  if (path === '/v2/_catalog') return 'catalog';
  if (path.endsWith('/tags/list')) return 'tags';
  if (path.includes('/manifests/')) return 'manifest';
  if (path.includes('/blobs/uploads')) return 'upload';
  if (path.includes('/blobs/')) return 'blob';
  if (path.includes('/referrers/')) return 'referrers';
  return 'unknown';
}

/** The face and action labels of a finished request. */
export function requestLabels(request: FastifyRequest, reply: FastifyReply): { face: string; action: string } {
  const url = request.url;
  if (url.startsWith('/v2')) {
    const path = url.split('?', 1)[0]!;
    return { face: 'oci', action: `${request.method} ${registryKind(path)}` };
  }
  if (request.method === 'POST' && (url === '/' || url.startsWith('/?'))) {
    const target = request.headers['x-amz-target'];
    const answered = reply.getHeader('x-amzn-errortype') !== 'UnknownOperationException';
    if (typeof target === 'string') {
      const found = TARGETS.find(([prefix]) => target.startsWith(prefix));
      if (!found) return { face: 'aws-json', action: 'unknown' };
      return { face: found[1], action: answered ? target.slice(found[0].length) : 'unknown' };
    }
    const body = request.body;
    if (Buffer.isBuffer(body) && body.length <= 64 * 1024) {
      const form = new URLSearchParams(body.toString('utf8'));
      const face = QUERY_FACES[form.get('Version') ?? ''];
      if (face) return { face, action: reply.statusCode < 400 ? (form.get('Action') ?? 'unknown') : 'unknown' };
    }
    return { face: 'aws', action: 'unknown' };
  }
  const route = request.routeOptions.url;
  return { face: 'http', action: `${request.method} ${route ?? 'unmatched'}` };
}

function length(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : 0;
  return Number.isFinite(n) && n > 0 ? n : 0;
}

const STATUS = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

/** One face and action's numbers: requests by status class, and the latency histogram. */
interface Series {
  face: string;
  action: string;
  /** By STATUS's index; the last for a status beyond it. */
  statuses: number[];
  /** Requests per bucket (not cumulative; the last counts those above every bound). */
  buckets: number[];
  sum: number;
  count: number;
}

/** One face's bytes. */
interface Bytes {
  in: number;
  out: number;
}

type Value = { labels: Record<string, string | number>; value: number; metricName?: string };

/** A metric prom-client's registry renders (the shape its own metrics' get() returns). */
interface Rendered {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  get(): { name: string; help: string; type: string; aggregator: string; values: Value[] };
}

function rendered(name: string, help: string, type: Rendered['type'], values: () => Value[]): Rendered {
  return {
    name,
    help,
    type,
    aggregator: 'sum',
    get: () => ({ name, help, type, aggregator: 'sum', values: values() }),
  };
}

export function addRequestMetrics(app: FastifyInstance, registry: Registry): void {
  // Bounded labels: a series per face and action seen, a byte count per face.
  const series = new Map<string, Series>();
  const bytes = new Map<string, Bytes>();
  /** The series of registry requests by method and resource kind: no label string made per request. */
  const registrySeries = new Map<string, Map<string, Series>>();
  const seriesOf = (face: string, action: string): Series => {
    const key = `${face}\0${action}`;
    let found = series.get(key);
    if (!found) {
      found = {
        face,
        action,
        statuses: new Array(STATUS.length + 1).fill(0),
        buckets: new Array(BUCKETS.length + 1).fill(0),
        sum: 0,
        count: 0,
      };
      series.set(key, found);
    }
    return found;
  };
  const bytesOf = (face: string): Bytes => {
    let found = bytes.get(face);
    if (!found) {
      found = { in: 0, out: 0 };
      bytes.set(face, found);
    }
    return found;
  };
  const ociBytes = bytesOf('oci');
  const labelled = (request: FastifyRequest, reply: FastifyReply): Series => {
    const url = request.url;
    if (url.startsWith('/v2')) {
      const query = url.indexOf('?');
      const kind = registryKind(query === -1 ? url : url.slice(0, query));
      let byKind = registrySeries.get(request.method);
      if (!byKind) {
        byKind = new Map();
        registrySeries.set(request.method, byKind);
      }
      let found = byKind.get(kind);
      if (!found) {
        found = seriesOf('oci', `${request.method} ${kind}`);
        byKind.set(kind, found);
      }
      return found;
    }
    const { face, action } = requestLabels(request, reply);
    return seriesOf(face, action);
  };

  registry.registerMetric(
    rendered('berth_requests_total', 'Requests answered, by face, action and status class', 'counter', () => {
      const values: Value[] = [];
      for (const s of series.values())
        s.statuses.forEach((value, i) => {
          if (value > 0)
            values.push({ labels: { face: s.face, action: s.action, status: STATUS[i] ?? 'other' }, value });
        });
      return values;
    }) as never,
  );
  registry.registerMetric(
    rendered(
      'berth_request_duration_seconds',
      'Time from a request to its response, by face and action',
      'histogram',
      () => {
        const values: Value[] = [];
        for (const s of series.values()) {
          if (s.count === 0) continue;
          const labels = { face: s.face, action: s.action };
          let cumulative = 0;
          BUCKETS.forEach((le, i) => {
            cumulative += s.buckets[i]!;
            values.push({
              labels: { ...labels, le },
              value: cumulative,
              metricName: 'berth_request_duration_seconds_bucket',
            });
          });
          values.push({
            labels: { ...labels, le: '+Inf' },
            value: s.count,
            metricName: 'berth_request_duration_seconds_bucket',
          });
          values.push({ labels, value: s.sum, metricName: 'berth_request_duration_seconds_sum' });
          values.push({ labels, value: s.count, metricName: 'berth_request_duration_seconds_count' });
        }
        return values;
      },
    ) as never,
  );
  const byteCounter = (name: string, help: string, read: (b: Bytes) => number) =>
    registry.registerMetric(
      rendered(name, help, 'counter', () =>
        [...bytes].filter(([, b]) => read(b) > 0).map(([face, b]) => ({ labels: { face }, value: read(b) })),
      ) as never,
    );
  byteCounter('berth_request_bytes_total', 'Request body bytes received (by Content-Length), by face', (b) => b.in);
  byteCounter('berth_response_bytes_total', 'Response body bytes sent (by Content-Length), by face', (b) => b.out);

  app.addHook('onResponse', (request, reply, done) => {
    done();
    const s = labelled(request, reply);
    s.statuses[Math.min(Math.floor(reply.statusCode / 100), STATUS.length)]! += 1;
    const seconds = reply.elapsedTime / 1000;
    let bucket = 0;
    while (bucket < BUCKETS.length && seconds > BUCKETS[bucket]!) bucket++;
    s.buckets[bucket]! += 1;
    s.sum += seconds;
    s.count++;
    const received = length(request.headers['content-length']);
    const sent = length(reply.getHeader('content-length'));
    if (received > 0 || sent > 0) {
      const b = s.face === 'oci' ? ociBytes : bytesOf(s.face);
      b.in += received;
      b.out += sent;
    }
  });
}
