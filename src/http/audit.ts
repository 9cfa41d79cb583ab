// The audit trail's one hook on the HTTP host: every API call (POST /) and registry request
// (/v2/…) is handed to the trail when its response is done — a few fields and references, no
// parsing and no I/O on the request path (the trail describes registry requests by a lookup, and
// makes CloudTrail events when it flushes).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditCall } from '../audit/call.js';
import { clientIp } from './connections.js';
import { clientAddress } from './facts.js';
import { identityOf } from './request-log.js';

/** Request bodies kept for requestParameters at most (larger ones are recorded without them). */
const MAX_BODY = 64 * 1024;
/** Error bodies kept at most, to read their code and message from. */
const MAX_ERROR_BODY = 8 * 1024;

export interface AuditHookOptions {
  record(call: AuditCall): void;
  /** The account a registry request addresses (by its host). */
  registryAccount(request: FastifyRequest): string;
  /** The event source of registry requests on this listener. */
  registrySource: string;
}

const errorBodies = new WeakMap<FastifyRequest, string>();
/** The account a registry request turned out to address, when its face knows better than the host (the public registry's alias). */
const registryAccounts = new WeakMap<FastifyRequest, string>();

/** Notes the account a registry request addresses (the public listener's, by the alias in its path). */
export function noteRegistryAccount(request: FastifyRequest, accountId: string): void {
  registryAccounts.set(request, accountId);
}

function recorded(request: FastifyRequest): boolean {
  const url = request.url;
  return url.startsWith('/v2/') || (request.method === 'POST' && (url === '/' || url.startsWith('/?')));
}

export function addAuditHook(app: FastifyInstance, options: AuditHookOptions): void {
  // Callback hooks: no promise per request.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode >= 400 && recorded(request)) {
      if (typeof payload === 'string') errorBodies.set(request, payload.slice(0, MAX_ERROR_BODY));
      else if (Buffer.isBuffer(payload)) errorBodies.set(request, payload.subarray(0, MAX_ERROR_BODY).toString('utf8'));
    }
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    done();
    if (!recorded(request)) return;
    const headers = request.headers;
    const target = headers['x-amz-target'];
    const userAgent = headers['user-agent'];
    const body = request.body;
    const principal = identityOf(headers);
    // Optional fields set one by one: no spread of a temporary object per request.
    const call: AuditCall = {
      time: Date.now() - Math.round(reply.elapsedTime),
      method: request.method,
      url: request.url,
      status: reply.statusCode,
      requestId: request.id,
      registryAccount: registryAccounts.get(request) ?? options.registryAccount(request),
      registrySource: options.registrySource,
      sourceIp: clientAddress(clientIp(request)),
    };
    if (typeof target === 'string') call.target = target;
    if (Buffer.isBuffer(body) && body.length <= MAX_BODY && request.url[1] !== 'v') call.body = body;
    if (principal) call.principal = principal;
    if (typeof userAgent === 'string') call.userAgent = userAgent;
    if (reply.statusCode >= 400) {
      const errorType = reply.getHeader('x-amzn-errortype');
      if (typeof errorType === 'string') call.errorType = errorType;
      const errorBody = errorBodies.get(request);
      if (errorBody !== undefined) call.errorBody = errorBody;
    }
    options.record(call);
  });
}
