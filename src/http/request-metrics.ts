// The requests of every face and action, for /metrics: a count by status class, a latency
// histogram and the bytes in and out. The labels are bounded: the face by its X-Amz-Target
// prefix, form Version or path; the action by its name only once the face answered it (an
// unknown operation is "unknown"), registry requests by method and resource kind, anything else
// by its route's pattern.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';

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

export function addRequestMetrics(app: FastifyInstance, registry: Registry): void {
  const requests = new Counter({
    name: 'berth_requests_total',
    help: 'Requests answered, by face, action and status class',
    labelNames: ['face', 'action', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'berth_request_duration_seconds',
    help: 'Time from a request to its response, by face and action',
    labelNames: ['face', 'action'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const bytesIn = new Counter({
    name: 'berth_request_bytes_total',
    help: 'Request body bytes received (by Content-Length), by face',
    labelNames: ['face'],
    registers: [registry],
  });
  const bytesOut = new Counter({
    name: 'berth_response_bytes_total',
    help: 'Response body bytes sent (by Content-Length), by face',
    labelNames: ['face'],
    registers: [registry],
  });
  // The label sets' children, made once each (labels are bounded), so a request hashes no labels.
  const children = new Map<string, { count: Counter; time: ReturnType<Histogram['labels']> }>();
  const faces = new Map<string, { in: Counter; out: Counter }>();
  const child = (face: string, action: string, status: string) => {
    const key = `${face}\0${action}\0${status}`;
    let found = children.get(key);
    if (!found) {
      found = {
        count: requests.labels(face, action, status) as unknown as Counter,
        time: latency.labels(face, action),
      };
      children.set(key, found);
    }
    return found;
  };
  const bytesOf = (face: string) => {
    let found = faces.get(face);
    if (!found) {
      found = { in: bytesIn.labels(face) as unknown as Counter, out: bytesOut.labels(face) as unknown as Counter };
      faces.set(face, found);
    }
    return found;
  };
  const STATUS = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];
  app.addHook('onResponse', (request, reply, done) => {
    done();
    const { face, action } = requestLabels(request, reply);
    const metrics = child(face, action, STATUS[Math.floor(reply.statusCode / 100)] ?? 'other');
    metrics.count.inc();
    metrics.time.observe(reply.elapsedTime / 1000);
    const received = length(request.headers['content-length']);
    const sent = length(reply.getHeader('content-length'));
    if (received > 0 || sent > 0) {
      const bytes = bytesOf(face);
      if (received > 0) bytes.in.inc(received);
      if (sent > 0) bytes.out.inc(sent);
    }
  });
}
