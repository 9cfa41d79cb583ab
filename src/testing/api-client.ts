// The ECR API and registry logins for tests through app.inject(): requests signed by the AWS
// SDK's own signer, passwords from GetAuthorizationToken, and a registry seen as a logged-in client.
import assert from 'node:assert/strict';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { signHeaders, type Credentials, type SignOptions } from './aws-signer.js';
import { TEST_ADMIN } from './server.js';

export const ECR_TARGET = 'AmazonEC2ContainerRegistry_V20150921';

export interface ApiRequestOptions extends SignOptions {
  /** The Host the client uses (default localhost:80, as inject's). */
  host?: string;
  /** The body as sent (default: the input as JSON). */
  body?: string;
  /** The whole X-Amz-Target header (default: the ECR action). */
  target?: string;
}

/** An ECR API request signed as the SDK signs it, ready for app.inject (or to tamper with first). */
export async function apiRequest(
  action: string,
  input: unknown = {},
  options: ApiRequestOptions = {},
): Promise<InjectOptions & { headers: Record<string, string>; payload: string }> {
  const body = options.body ?? JSON.stringify(input);
  const host = options.host ?? 'localhost:80';
  const headers = await signHeaders(
    {
      method: 'POST',
      url: '/',
      host,
      body,
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': options.target ?? `${ECR_TARGET}.${action}`,
      },
    },
    options,
  );
  return { method: 'POST', url: '/', headers, payload: body };
}

export async function callApi(
  app: FastifyInstance,
  action: string,
  input: unknown = {},
  options: ApiRequestOptions = {},
) {
  return app.inject(await apiRequest(action, input, options));
}

/** A registry password for `credentials` from GetAuthorizationToken, asked on `host`. */
export async function registryPassword(
  app: FastifyInstance,
  credentials: Credentials = TEST_ADMIN,
  host?: string,
): Promise<string> {
  const res = await callApi(app, 'GetAuthorizationToken', {}, { credentials, ...(host && { host }) });
  assert.equal(res.statusCode, 200, `GetAuthorizationToken: ${res.body}`);
  const token = (res.json() as { authorizationData: { authorizationToken: string }[] }).authorizationData[0]!
    .authorizationToken;
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  assert.ok(decoded.startsWith('AWS:'));
  return decoded.slice('AWS:'.length);
}

export function basicAuth(password: string, username = 'AWS'): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/**
 * The app as a client logged in with `password` on `host` sees it: every inject carries the
 * credentials (and the Host), so the push helpers of registry-client.ts work unchanged.
 */
export function loggedIn(app: FastifyInstance, password: string, host?: string): FastifyInstance {
  const extra: Record<string, string> = { authorization: basicAuth(password), ...(host && { host }) };
  return new Proxy(app, {
    get(target, property, receiver) {
      if (property !== 'inject') return Reflect.get(target, property, receiver);
      return (options: InjectOptions | string) => {
        const given = typeof options === 'string' ? { url: options } : options;
        return target.inject({
          ...given,
          headers: { ...extra, ...(given.headers as Record<string, string> | undefined) },
        });
      };
    },
  });
}
