// Pre-signed GET URLs of objects (SigV4 query signing, as S3 documents it and the SDK's presigner
// computes it): whoever holds one may GET exactly that object until it expires. Written here
// rather than taken from @aws-sdk/s3-request-presigner, which is not a dependency; the URL's
// address follows the driver's own settings (endpoint, path style, region).
import { createHash, createHmac } from 'node:crypto';
import type { S3Settings } from './s3-client.js';

const ALGORITHM = 'AWS4-HMAC-SHA256';

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** RFC 3986 encoding (SigV4's): unreserved characters stay, everything else is %XX. */
function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** ISO basic time, YYYYMMDD'T'HHMMSS'Z'. */
function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Where an object is addressed: the store's origin and the object's (encoded) path. */
function objectAddress(settings: S3Settings, key: string): { origin: string; host: string; path: string } {
  const encodedKey = key.split('/').map(encode).join('/');
  const endpoint = new URL(settings.endpoint || `https://s3.${settings.region}.amazonaws.com`);
  const base = endpoint.pathname.replace(/\/+$/, '');
  if (settings.forcePathStyle) return { origin: endpoint.origin, host: endpoint.host, path: `${base}/${encode(settings.bucket)}/${encodedKey}` };
  const host = `${settings.bucket}.${endpoint.host}`;
  return { origin: `${endpoint.protocol}//${host}`, host, path: `${base}/${encodedKey}` };
}

/** A URL that GETs the object `key` for `expiresIn` seconds from `now`. */
export function presignGetUrl(settings: S3Settings, credentials: SigningCredentials, key: string, expiresIn: number, now = new Date()): string {
  const { origin, host, path } = objectAddress(settings, key);
  const time = amzDate(now);
  const date = time.slice(0, 8);
  const scope = `${date}/${settings.region}/s3/aws4_request`;
  const params: [string, string][] = [
    ['X-Amz-Algorithm', ALGORITHM],
    ['X-Amz-Content-Sha256', 'UNSIGNED-PAYLOAD'],
    ['X-Amz-Credential', `${credentials.accessKeyId}/${scope}`],
    ['X-Amz-Date', time],
    ['X-Amz-Expires', String(expiresIn)],
    ...(credentials.sessionToken ? [['X-Amz-Security-Token', credentials.sessionToken] as [string, string]] : []),
    ['X-Amz-SignedHeaders', 'host'],
  ];
  const query = params.map(([k, v]) => [encode(k), encode(v)]).sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join('&');
  const canonical = ['GET', path, query, `host:${host}\n`, 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const toSign = [ALGORITHM, time, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, date), settings.region), 's3'), 'aws4_request');
  return `${origin}${path}?${query}&X-Amz-Signature=${hmac(signingKey, toSign).toString('hex')}`;
}
