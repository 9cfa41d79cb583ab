// The console's cookies and CSRF checks: the session cookie (HttpOnly, SameSite=Strict, Secure under
// TLS, path /console), the sign-in form's own token before there is a session, and the rule that
// every POST carries the token of its session (and, when the browser says, comes from this origin).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'berth-console';
export const SIGNIN_COOKIE = 'berth-console-signin';

export function cookies(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) out[part.slice(0, at).trim()] = decodeURIComponent(part.slice(at + 1).trim());
  }
  return out;
}

export function setCookie(reply: FastifyReply, name: string, value: string, secure: boolean, maxAge?: number): void {
  const attributes = [
    `${name}=${encodeURIComponent(value)}`,
    'Path=/console',
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
    ...(maxAge !== undefined ? [`Max-Age=${maxAge}`] : []),
  ];
  const existing = reply.getHeader('set-cookie');
  const list = Array.isArray(existing) ? existing : existing ? [String(existing)] : [];
  reply.header('set-cookie', [...list, attributes.join('; ')]);
}

export const newToken = () => randomBytes(24).toString('base64url');

export function sameToken(given: string | undefined, expected: string | undefined): boolean {
  if (!given || !expected) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** False for a POST whose Origin (or Referer) names another site. */
export function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin ?? request.headers.referer;
  if (!origin || origin === 'null') return origin !== 'null';
  try {
    const from = new URL(origin);
    // The listener's host in the origin's scheme, so default ports compare equal (localhost:80 = localhost).
    return new URL(`${from.protocol}//${request.host}`).host === from.host;
  } catch {
    return false;
  }
}
