// The one log line per request (log.requests): who asked what and how it went. Besides the
// method, URL, status and time: the client's address, the identity that signed (its account and
// ARN), the user agent, the bytes in and out, and for `POST /` the API action (ecr:PutImage,
// kms:Encrypt, iam:CreateUser, sts:AssumeRole, …) rather than just "POST /". Health probes
// (/healthz, /readyz) are not logged: a load balancer asks every few seconds.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../iam/authenticator.js';
import type { Principal } from '../domain/principal.js';
import { clientAddress } from './facts.js';

type Headers = FastifyRequest['headers'];

/**
 * The principal each request was authenticated as, kept on its headers object (the same object
 * the faces sign and the hooks see) under a symbol no header name can be: a WeakMap entry per
 * request (an ephemeron the collector traces) was 0.7% of a manifest GET's CPU profile.
 */
const IDENTITY = Symbol('berth.identity');
type Noted = { [IDENTITY]?: Principal };

/** Remembers who `headers`' request is, for its log line; returns `principal`. */
export function noted<P extends Principal>(headers: object, principal: P): P {
  (headers as Noted)[IDENTITY] = principal;
  return principal;
}

/** Who the request with these headers was authenticated as, if a face noted it. */
export function identityOf(headers: object): Principal | undefined {
  return (headers as Noted)[IDENTITY];
}

/** Makes `authenticator` note every principal its SigV4 check finds (every face's signed requests go through it). */
export function noteSignedIdentities(authenticator: Authenticator): Authenticator {
  const sigV4 = authenticator.sigV4.bind(authenticator);
  authenticator.sigV4 = async (request, service, now) => {
    return noted(request.headers, await sigV4(request, service, now));
  };
  return authenticator;
}

const SERVICES: [string, string][] = [
  ['AmazonEC2ContainerRegistry_V20150921.', 'ecr'],
  ['TrentService.', 'kms'],
  ['SpencerFrontendService.', 'ecr-public'],
  ['BerthPublicRegistry.', 'ecr-public'],
];

const QUERY_VERSIONS: Record<string, string> = { '2010-05-08': 'iam', '2011-06-15': 'sts' };

/** The API action a `POST /` names: X-Amz-Target (JSON faces) or the form's Action and Version (IAM, STS). */
export function apiAction(request: FastifyRequest): string | undefined {
  if (request.method !== 'POST' || request.url !== '/') return undefined;
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') {
    const service = SERVICES.find(([prefix]) => target.startsWith(prefix));
    return service ? `${service[1]}:${target.slice(service[0].length)}` : target;
  }
  if (Buffer.isBuffer(request.body) && request.body.length <= 64 * 1024) {
    const form = new URLSearchParams(request.body.toString('utf8'));
    const action = form.get('Action');
    if (action) return `${QUERY_VERSIONS[form.get('Version') ?? ''] ?? 'query'}:${action}`;
  }
  return undefined;
}

const HEALTH = new Set(['/healthz', '/readyz']);

function header(headers: Headers | Record<string, unknown>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? String(value[0]) : value === undefined ? undefined : String(value);
}

/** Bytes a socket had read and written when the request began (HTTP/1.1: one request at a time per connection). */
const started = new WeakMap<FastifyRequest, { read: number; written: number }>();

export function addRequestLog(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const socket = request.raw.socket;
    if (request.raw.httpVersionMajor < 2 && socket)
      started.set(request, { read: socket.bytesRead, written: socket.bytesWritten });
  });
  app.addHook('onResponse', async (request, reply) => {
    const path = request.url.split('?', 1)[0]!;
    if (HEALTH.has(path)) return;
    const socket = request.raw.socket;
    const at = started.get(request);
    const length = (value: string | undefined) =>
      value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
    const bytesIn =
      length(header(request.headers, 'content-length')) ??
      (at && socket ? Math.max(0, socket.bytesRead - at.read) : undefined);
    const bytesOut =
      length(header(reply.getHeaders() as Record<string, unknown>, 'content-length')) ??
      (at && socket ? Math.max(0, socket.bytesWritten - at.written) : undefined);
    const principal = identityOf(request.headers);
    const action = apiAction(request);
    request.log.info(
      {
        method: request.method,
        url: request.url,
        ...(action && { action }),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        client: clientAddress(request.ip),
        ...(principal &&
          (principal.kind === 'anonymous'
            ? { principal: 'anonymous' }
            : { account: principal.accountId, principal: principal.arn })),
        ...(header(request.headers, 'user-agent') !== undefined && {
          userAgent: header(request.headers, 'user-agent'),
        }),
        ...(bytesIn !== undefined && { bytesIn }),
        ...(bytesOut !== undefined && { bytesOut }),
      },
      'request',
    );
  });
}
