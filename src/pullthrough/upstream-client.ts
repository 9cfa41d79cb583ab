// A client of an upstream registry's /v2 API: GET and HEAD with Basic credentials, or the Bearer
// token flow (a 401's WWW-Authenticate challenge names the token service; the token is asked
// for with the credentials, kept per scope until it runs out). node:http rather than fetch: a
// CA bundle per agent, and a blob body streamed with its back-pressure.
import type { Agent as HttpAgentType, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { type UpstreamCredential, UpstreamError } from '../domain/upstream-source.js';

// Not imported: an ES import of node:http reads its lazy WebSocket exports, which load Node's
// fetch (undici) into the server (~2.5 MiB of heap) for nothing.
const { Agent: HttpAgent, request: httpRequest } = process.getBuiltinModule('node:http');

export interface UpstreamClientOptions {
  /** More CAs to trust for https. */
  ca?: Buffer[];
  /** Milliseconds without an answer (or without bytes) before the request fails as unavailable. */
  timeoutMs: number;
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** The challenges of a WWW-Authenticate header: `Bearer realm="…",service="…",scope="…"`. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const p of match[2]!.matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g))
    params[p[1]!.toLowerCase()] = p[2] ?? p[3] ?? '';
  return { scheme: match[1]!.toLowerCase(), params };
}

const MAX_REDIRECTS = 5;
/** Tokens without expires_in last 60 s (the distribution spec's default). */
const DEFAULT_TOKEN_SECONDS = 60;

export class UpstreamClient {
  private readonly agent: HttpAgentType | HttpsAgent;
  private readonly origin: URL;
  /** Bearer tokens by scope. */
  private readonly tokens = new Map<string, { token: string; until: number }>();
  /** How the upstream asked to be authenticated the last time (Basic or Bearer with its realm). */
  private challenge: Challenge | undefined;

  constructor(
    origin: string,
    /** The credentials, or how to get them when they are needed (a login that expires: ECR's). */
    private readonly credential: UpstreamCredential | (() => Promise<UpstreamCredential>) | undefined,
    private readonly options: UpstreamClientOptions,
  ) {
    this.origin = new URL(origin);
    this.agent =
      this.origin.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, ...(options.ca && { ca: options.ca }) })
        : new HttpAgent({ keepAlive: true });
  }

  close(): void {
    this.agent.destroy();
  }

  /**
   * A request of the /v2 API, authenticated as the upstream asks; the response whatever its
   * status (its body unread). UpstreamError when the upstream cannot be reached in time.
   */
  async send(
    method: 'GET' | 'HEAD',
    path: string,
    headers: Record<string, string>,
    scope: string,
  ): Promise<IncomingMessage> {
    let res = await this.once(method, new URL(path, this.origin), { ...headers, ...(await this.authorization(scope)) });
    if (res.statusCode !== 401) return res;
    const challenge = parseChallenge(res.headers['www-authenticate'] as string | undefined);
    res.resume();
    if (!challenge || (challenge.scheme !== 'basic' && challenge.scheme !== 'bearer')) return res;
    this.challenge = challenge;
    this.tokens.delete(scope);
    const auth = await this.authorization(scope);
    if (!auth.Authorization) return res;
    res = await this.once(method, new URL(path, this.origin), { ...headers, ...auth });
    return res;
  }

  /** The Authorization header for `scope` as the last challenge asked; none before any challenge. */
  private async authorization(scope: string): Promise<Record<string, string>> {
    const challenge = this.challenge;
    if (!challenge) return {};
    if (challenge.scheme === 'basic') return this.credential ? { Authorization: await this.basic() } : {};
    const cached = this.tokens.get(scope);
    if (cached && cached.until > Date.now()) return { Authorization: `Bearer ${cached.token}` };
    const token = await this.token(challenge, scope);
    return token ? { Authorization: `Bearer ${token}` } : {};
  }

  private async basic(): Promise<string> {
    const credential = this.credential!;
    const { username, password } = typeof credential === 'function' ? await credential() : credential;
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }

  /** A token from the challenge's realm for `scope` (with the credentials, when there are any). */
  private async token(challenge: Challenge, scope: string): Promise<string | undefined> {
    const realm = challenge.params.realm;
    if (!realm) return undefined;
    const url = new URL(realm, this.origin);
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    url.searchParams.set('scope', scope);
    const res = await this.once('GET', url, this.credential ? { Authorization: await this.basic() } : {});
    const body = await readBody(res);
    if (res.statusCode !== 200)
      throw new UpstreamError(
        `the token service ${url.origin}${url.pathname} answered ${res.statusCode}: ${body.toString('utf8').slice(0, 200)}`,
        res.statusCode,
      );
    let parsed: { token?: string; access_token?: string; expires_in?: number };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      throw new UpstreamError(`the token service ${url.origin}${url.pathname} answered no JSON`, 502);
    }
    const token = parsed.token ?? parsed.access_token;
    if (!token) throw new UpstreamError(`the token service ${url.origin}${url.pathname} gave no token`, 502);
    const seconds = typeof parsed.expires_in === 'number' ? parsed.expires_in : DEFAULT_TOKEN_SECONDS;
    this.tokens.set(scope, { token, until: Date.now() + Math.max(1, seconds - 10) * 1000 });
    return token;
  }

  /** One request, following redirects (to another origin without the Authorization header). */
  private once(method: string, url: URL, headers: Record<string, string>, hops = 0): Promise<IncomingMessage> {
    return new Promise<IncomingMessage>((resolve, reject) => {
      const own = url.origin === this.origin.origin;
      const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = request(
        url,
        {
          method,
          headers: own ? headers : withoutAuthorization(headers),
          ...(own ? { agent: this.agent } : this.options.ca && { ca: this.options.ca }),
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if ([301, 302, 303, 307, 308].includes(status) && res.headers.location && hops < MAX_REDIRECTS) {
            res.resume();
            this.once(method, new URL(res.headers.location, url), headers, hops + 1).then(resolve, reject);
            return;
          }
          resolve(res);
        },
      );
      req.setTimeout(this.options.timeoutMs, () =>
        req.destroy(new UpstreamError(`${url.host} did not answer within ${this.options.timeoutMs} ms`)),
      );
      req.on('error', (err) =>
        reject(
          err instanceof UpstreamError ? err : new UpstreamError(`${url.host} could not be reached: ${err.message}`),
        ),
      );
      req.end();
    });
  }
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  const { Authorization: _dropped, ...rest } = headers;
  return rest;
}

/** A response's whole body (small ones: manifests, tokens, errors). */
export async function readBody(res: IncomingMessage, limit = 8 * 1024 * 1024): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of res) {
    size += (part as Buffer).length;
    if (size > limit) {
      res.destroy();
      throw new UpstreamError(`the upstream sent more than ${limit} bytes`, 502);
    }
    parts.push(part as Buffer);
  }
  return Buffer.concat(parts, size);
}
