// Requests signed by the AWS SDK's own signer (@smithy/signature-v4, what the JavaScript SDK
// runs), so tests check Berth's verification against the real thing rather than against itself.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SourceData } from '@smithy/types';
import { TEST_ADMIN } from './server.js';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** What a client sends: the path with its query exactly as on the wire, and headers. */
export interface PlainRequest {
  method: string;
  /** Path and query, percent-encoded as sent. */
  url: string;
  host: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface SignOptions {
  credentials?: Credentials;
  region?: string;
  service?: string;
  /** When the signature was made (default now). */
  date?: Date;
  /** Adds x-amz-content-sha256, as the SDK's clients do (default true, the SDK's default). */
  applyChecksum?: boolean;
}

function bytes(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** The hash constructor the signer wants, on node:crypto. */
class NodeSha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }

  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }
}

function signer(options: SignOptions): SignatureV4 {
  return new SignatureV4({
    credentials: options.credentials ?? TEST_ADMIN,
    region: options.region ?? 'us-east-1',
    service: options.service ?? 'ecr',
    sha256: NodeSha256,
    ...(options.applyChecksum !== undefined && { applyChecksum: options.applyChecksum }),
  });
}

type Query = Record<string, string | string[]>;

function parseQuery(query: string): Query {
  const out = Object.create(null) as Query;
  for (const pair of query.split('&').filter(Boolean)) {
    const at = pair.indexOf('=');
    const key = decodeURIComponent(at === -1 ? pair : pair.slice(0, at));
    const value = at === -1 ? '' : decodeURIComponent(pair.slice(at + 1));
    // Own keys only: a parameter named toString or constructor is not Object's property.
    const seen = Object.hasOwn(out, key) ? out[key] : undefined;
    out[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return out;
}

const uriEncode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function formatQuery(query: Query): string {
  return Object.entries(query)
    .flatMap(([key, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${uriEncode(key)}=${uriEncode(v)}`))
    .join('&');
}

function toSmithy(request: PlainRequest) {
  const at = request.url.indexOf('?');
  const [hostname, port] = request.host.split(':');
  return {
    method: request.method,
    protocol: 'http:',
    hostname: hostname!,
    ...(port && { port: Number(port) }),
    path: at === -1 ? request.url : request.url.slice(0, at),
    query: at === -1 ? {} : parseQuery(request.url.slice(at + 1)),
    headers: { host: request.host, ...request.headers },
    ...(request.body !== undefined && { body: request.body }),
  };
}

/** The request's headers with the SigV4 Authorization (and X-Amz-Date, …) the SDK would add. */
export async function signHeaders(request: PlainRequest, options: SignOptions = {}): Promise<Record<string, string>> {
  const signed = await signer(options).sign(toSmithy(request), { signingDate: options.date ?? new Date() });
  return signed.headers as Record<string, string>;
}

/** A pre-signed URL's path and query, as the SDK's presigner makes it. */
export async function presignUrl(
  request: PlainRequest,
  options: SignOptions & { expiresIn?: number } = {},
): Promise<string> {
  const signed = await signer(options).presign(toSmithy(request), {
    signingDate: options.date ?? new Date(),
    expiresIn: options.expiresIn ?? 900,
  });
  const query = formatQuery(signed.query as Query);
  return query ? `${signed.path}?${query}` : signed.path;
}
