// A minimal HTTP client over node:http for the benchmark: request bodies are streamed from a
// repeated buffer with backpressure (never built whole in memory), and response bodies are
// either collected (small) or only counted (blobs).
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

export const MiB = 1 << 20;
const IDLE_TIMEOUT_MS = 60_000;

/** Content of `size` bytes: `unit` repeated (and truncated), with its digest computed once. */
export interface Body {
  size: number;
  unit: Buffer;
  digest: string;
}

/** A small body that is exactly `bytes`. */
export function bodyOf(bytes: Buffer): Body {
  return { size: bytes.length, unit: bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}

export function makeBody(size: number, unitSize = MiB): Body {
  const unit = randomBytes(unitSize);
  const hash = createHash('sha256');
  for (let at = 0; at < size; at += unit.length)
    hash.update(at + unit.length <= size ? unit : unit.subarray(0, size - at));
  return { size, unit, digest: `sha256:${hash.digest('hex')}` };
}

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body when collected, else empty. */
  text: string;
  /** Bytes of body received. */
  bytes: number;
}

export interface CallOptions {
  headers?: Record<string, string | number>;
  /** A small body sent whole. */
  data?: Buffer | string;
  /** Bytes [start, end) of a Body, streamed. */
  stream?: { body: Body; start: number; end: number };
  /** Collect the response body as text (default true); false only counts it. */
  collect?: boolean;
  agent?: http.Agent;
}

export const defaultAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** The CA certificate https:// URLs are checked against (the bench's self-signed one). */
let trustedCa: string | undefined;
let tlsAgent: https.Agent | undefined;

/** Trusts `pem` for https:// URLs from now on. */
export function trustCertificate(pem: string): void {
  trustedCa = pem;
  tlsAgent?.destroy();
  tlsAgent = new https.Agent({ keepAlive: true, maxSockets: 16, ca: pem });
}

/** A keep-alive agent for `url`'s scheme, of `maxSockets` (https trusts the bench's certificate). */
export function agentFor(url: string, maxSockets: number): http.Agent {
  return url.startsWith('https:')
    ? new https.Agent({ keepAlive: true, maxSockets, ...(trustedCa && { ca: trustedCa }) })
    : new http.Agent({ keepAlive: true, maxSockets });
}

/** Closes the idle connections of the shared agents. */
export function destroyAgents(): void {
  defaultAgent.destroy();
  tlsAgent?.destroy();
}

/** Resolves once the request can take more data or is gone. */
function writable(request: http.ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      request.off('drain', done);
      request.off('close', done);
      resolve();
    };
    request.on('drain', done);
    request.on('close', done);
  });
}

async function streamRange(request: http.ClientRequest, body: Body, start: number, end: number): Promise<void> {
  const unit = body.unit;
  let at = start;
  while (at < end && !request.destroyed) {
    const offset = at % unit.length;
    const length = Math.min(unit.length - offset, end - at);
    const ok = request.write(offset === 0 && length === unit.length ? unit : unit.subarray(offset, offset + length));
    at += length;
    if (!ok) await writable(request);
  }
  request.end();
}

export function call(method: string, url: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string | number> = { ...options.headers };
  if (options.data !== undefined) headers['Content-Length'] = Buffer.byteLength(options.data);
  else if (options.stream) headers['Content-Length'] = options.stream.end - options.stream.start;
  else if (method === 'PUT' || method === 'POST' || method === 'PATCH') headers['Content-Length'] = 0;
  return new Promise<Response>((resolve, reject) => {
    const secure = url.startsWith('https:');
    const agent = options.agent ?? (secure ? (tlsAgent ?? https.globalAgent) : defaultAgent);
    const request = (secure ? https : http).request(url, { method, headers, agent });
    request.setTimeout(IDLE_TIMEOUT_MS, () =>
      request.destroy(new Error(`${method} ${url}: no progress for ${IDLE_TIMEOUT_MS} ms`)),
    );
    request.once('error', reject);
    request.once('response', (response) => {
      const collect = options.collect !== false;
      const parts: Buffer[] = [];
      let bytes = 0;
      response.on('data', (part: Buffer) => {
        bytes += part.length;
        if (collect) parts.push(part);
      });
      response.once('error', reject);
      response.once('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          text: Buffer.concat(parts).toString(),
          bytes,
        }),
      );
    });
    if (options.stream)
      streamRange(request, options.stream.body, options.stream.start, options.stream.end).catch((err) =>
        request.destroy(err as Error),
      );
    else request.end(options.data);
  });
}

/** Throws unless the response has the expected status. */
export function expect(response: Response, status: number, what: string): Response {
  if (response.status !== status)
    throw new Error(`${what}: expected HTTP ${status}, got ${response.status}: ${response.text.slice(0, 500)}`);
  return response;
}

/** Resolves a Location header against the registry's base URL. */
export function location(base: string, response: Response): string {
  const value = response.headers.location;
  if (!value) throw new Error('response has no Location header');
  return new URL(value, base).toString();
}
