// What every face tells the policy engine about a request: the keys aws:SourceIp,
// aws:SecureTransport, aws:UserAgent and aws:Referer take their values from here.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestFacts } from '../domain/request-facts.js';
import { clientIp } from './connections.js';

/** An IPv4 client reached over an IPv6 socket shows as ::ffff:a.b.c.d; policies name a.b.c.d. */
export function clientAddress(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/** A listener declared a private endpoint: its id and network. */
export interface EndpointFacts {
  id: string;
  vpcId: string;
}

// By the listener's node server, which every encapsulated Fastify scope of a listener shares.
const endpoints = new WeakMap<object, EndpointFacts>();

/** Requests through this listener carry aws:SourceVpce and aws:SourceVpc. */
export function declareEndpoint(app: FastifyInstance, endpoint: EndpointFacts): void {
  endpoints.set(app.server, endpoint);
}

/** The private endpoint a request came through, if any. */
export function endpointOf(request: FastifyRequest): EndpointFacts | undefined {
  return endpoints.get(request.server.server);
}

export function requestFacts(request: FastifyRequest): RequestFacts {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const facts: RequestFacts = {
    sourceIp: clientAddress(clientIp(request)),
    secureTransport: request.protocol === 'https',
  };
  const endpoint = endpointOf(request);
  if (endpoint) {
    facts.sourceVpce = endpoint.id;
    facts.sourceVpc = endpoint.vpcId;
  }
  const userAgent = header('user-agent');
  const referer = header('referer');
  if (userAgent !== undefined) facts.userAgent = userAgent;
  if (referer !== undefined) facts.referer = referer;
  return facts;
}
