// What every face tells the policy engine about a request: the keys aws:SourceIp,
// aws:SecureTransport, aws:UserAgent and aws:Referer take their values from here.
import type { FastifyRequest } from 'fastify';
import type { RequestFacts } from '../domain/request-facts.js';
import { clientIp } from './connections.js';

/** An IPv4 client reached over an IPv6 socket shows as ::ffff:a.b.c.d; policies name a.b.c.d. */
export function clientAddress(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
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
  const userAgent = header('user-agent');
  const referer = header('referer');
  if (userAgent !== undefined) facts.userAgent = userAgent;
  if (referer !== undefined) facts.referer = referer;
  return facts;
}
