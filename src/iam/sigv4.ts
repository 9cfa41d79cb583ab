// Verification of AWS Signature Version 4, in the Authorization header or a pre-signed query,
// exactly as the AWS SDKs and CLI compute it. Pure: the caller supplies the secret and the clock.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** A failure named as AWS names it, so clients show the usual message. */
export class SignatureError extends Error {
  constructor(
    readonly type:
      | 'MissingAuthenticationTokenException'
      | 'IncompleteSignatureException'
      | 'InvalidSignatureException'
      | 'UnrecognizedClientException'
      | 'SignatureDoesNotMatch'
      | 'ExpiredTokenException',
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export interface SignedRequest {
  method: string;
  /** Path and query exactly as received (still percent-encoded). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** Hex SHA-256 of the body as received. */
  bodySha256: string;
}

export interface Signature {
  accessKeyId: string;
  /** YYYYMMDD of the credential scope. */
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** ISO basic time, YYYYMMDD'T'HHMMSS'Z'. */
  amzDate: string;
  securityToken?: string;
  /** Seconds a pre-signed URL stays valid; absent for header signatures. */
  expires?: number;
}

function header(request: SignedRequest, name: string): string | undefined {
  // Own properties only: a signed header named `constructor` or `__proto__` is missing, not Object's.
  const value = Object.hasOwn(request.headers, name) ? request.headers[name] : undefined;
  return Array.isArray(value) ? value.join(',') : value;
}

function splitUrl(url: string): { path: string; query: string } {
  const at = url.indexOf('?');
  return at === -1 ? { path: url, query: '' } : { path: url.slice(0, at), query: url.slice(at + 1) };
}

function queryPairs(query: string): [string, string][] {
  if (!query) return [];
  return query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      const decode = (s: string) => {
        try {
          return decodeURIComponent(s.replace(/\+/g, '%20'));
        } catch {
          throw new SignatureError('IncompleteSignatureException', 'malformed query string');
        }
      };
      return at === -1 ? [decode(pair), ''] : [decode(pair.slice(0, at)), decode(pair.slice(at + 1))];
    });
}

/** RFC 3986 encoding as SigV4 wants it: unreserved characters stay, everything else is %XX. */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const CREDENTIAL = /^([A-Za-z0-9+/=_-]{1,128})\/(\d{8})\/([a-z0-9-]{1,32})\/([a-z0-9-]{1,32})\/aws4_request$/;
const AMZ_DATE = /^\d{8}T\d{6}Z$/;

function parseCredential(value: string): Pick<Signature, 'accessKeyId' | 'scopeDate' | 'region' | 'service'> {
  const match = CREDENTIAL.exec(value);
  if (!match)
    throw new SignatureError(
      'IncompleteSignatureException',
      `Credential is malformed: expected <key>/<date>/<region>/<service>/aws4_request`,
    );
  return { accessKeyId: match[1]!, scopeDate: match[2]!, region: match[3]!, service: match[4]! };
}

/** Reads the signature from the Authorization header or the X-Amz-* query; undefined when unsigned. */
export function parseSignature(request: SignedRequest): Signature | undefined {
  const authorization = header(request, 'authorization');
  const { query } = splitUrl(request.url);
  if (authorization !== undefined) {
    if (!authorization.startsWith(`${ALGORITHM} `)) {
      throw new SignatureError(
        'IncompleteSignatureException',
        `Authorization header requires the ${ALGORITHM} algorithm`,
      );
    }
    const fields = new Map<string, string>();
    for (const part of authorization.slice(ALGORITHM.length + 1).split(',')) {
      const at = part.indexOf('=');
      if (at > 0) fields.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
    }
    const credential = fields.get('Credential');
    const signedHeaders = fields.get('SignedHeaders');
    const signature = fields.get('Signature');
    if (!credential || !signedHeaders || !signature) {
      throw new SignatureError(
        'IncompleteSignatureException',
        'Authorization header requires Credential, SignedHeaders and Signature',
      );
    }
    const amzDate = header(request, 'x-amz-date');
    if (!amzDate || !AMZ_DATE.test(amzDate))
      throw new SignatureError('IncompleteSignatureException', 'X-Amz-Date header is missing or malformed');
    const securityToken = header(request, 'x-amz-security-token');
    return {
      ...parseCredential(credential),
      signedHeaders: signedHeaders.split(';'),
      signature,
      amzDate,
      ...(securityToken && { securityToken }),
    };
  }
  const params = new Map(queryPairs(query));
  if (!params.has('X-Amz-Signature')) return undefined;
  if (params.get('X-Amz-Algorithm') !== ALGORITHM)
    throw new SignatureError('IncompleteSignatureException', `X-Amz-Algorithm must be ${ALGORITHM}`);
  const amzDate = params.get('X-Amz-Date') ?? '';
  const expires = Number(params.get('X-Amz-Expires'));
  if (!AMZ_DATE.test(amzDate))
    throw new SignatureError('IncompleteSignatureException', 'X-Amz-Date is missing or malformed');
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGN_SECONDS) {
    throw new SignatureError('IncompleteSignatureException', 'X-Amz-Expires must be between 1 and 604800 seconds');
  }
  const securityToken = params.get('X-Amz-Security-Token');
  return {
    ...parseCredential(params.get('X-Amz-Credential') ?? ''),
    signedHeaders: (params.get('X-Amz-SignedHeaders') ?? '').split(';'),
    signature: params.get('X-Amz-Signature')!,
    amzDate,
    expires,
    ...(securityToken && { securityToken }),
  };
}

function canonicalUri(path: string): string {
  // Services other than S3 normalize the path (RFC 3986: no empty, '.' or '..' segments), then
  // encode the already-encoded path once more, segment by segment.
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(encodeRfc3986(segment));
  }
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return `/${segments.join('/')}${trailing}`;
}

function canonicalQuery(query: string, presigned: boolean): string {
  return queryPairs(query)
    .filter(([key]) => !(presigned && key === 'X-Amz-Signature'))
    .map(([key, value]) => [encodeRfc3986(key), encodeRfc3986(value)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/** `payloadHash`: the hex SHA-256 of the body, or UNSIGNED-PAYLOAD for a pre-signed URL in the S3 form. */
export function canonicalRequest(request: SignedRequest, signature: Signature, payloadHash: string): string {
  const { path, query } = splitUrl(request.url);
  const presigned = signature.expires !== undefined;
  const headers = signature.signedHeaders
    .map((name) => {
      const value = header(request, name);
      if (value === undefined)
        throw new SignatureError('IncompleteSignatureException', `signed header ${name} is missing from the request`);
      return `${name}:${value.trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  return [
    request.method,
    canonicalUri(path),
    canonicalQuery(query, presigned),
    headers,
    signature.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

export function computeSignature(
  request: SignedRequest,
  signature: Signature,
  secret: string,
  payloadHash: string,
): string {
  const scope = `${signature.scopeDate}/${signature.region}/${signature.service}/aws4_request`;
  const hashed = createHash('sha256')
    .update(canonicalRequest(request, signature, payloadHash))
    .digest('hex');
  const stringToSign = `${ALGORITHM}\n${signature.amzDate}\n${scope}\n${hashed}`;
  return createHmac('sha256', signingKey(secret, signature.scopeDate, signature.region, signature.service))
    .update(stringToSign)
    .digest('hex');
}

function amzTime(amzDate: string): number {
  return Date.UTC(
    +amzDate.slice(0, 4),
    +amzDate.slice(4, 6) - 1,
    +amzDate.slice(6, 8),
    +amzDate.slice(9, 11),
    +amzDate.slice(11, 13),
    +amzDate.slice(13, 15),
  );
}

export interface VerifyOptions {
  service: string;
  region: string;
  now: number;
}

/** Throws a SignatureError unless the request carries a valid signature made with `secret`. */
export function verifySignature(
  request: SignedRequest,
  signature: Signature,
  secret: string,
  options: VerifyOptions,
): void {
  if (signature.service !== options.service) {
    throw new SignatureError(
      'InvalidSignatureException',
      `Credential should be scoped to correct service: '${options.service}'.`,
    );
  }
  if (signature.region !== options.region) {
    throw new SignatureError(
      'InvalidSignatureException',
      `Credential should be scoped to a valid region, not '${signature.region}'.`,
    );
  }
  if (!signature.amzDate.startsWith(signature.scopeDate)) {
    throw new SignatureError('InvalidSignatureException', 'Credential should be scoped to the date of X-Amz-Date.');
  }
  if (!signature.signedHeaders.includes('host'))
    throw new SignatureError('InvalidSignatureException', "'Host' must be a signed header.");
  const signedAt = amzTime(signature.amzDate);
  if (signature.expires !== undefined) {
    if (options.now > signedAt + signature.expires * 1000)
      throw new SignatureError('InvalidSignatureException', 'Request has expired', 403);
    if (signedAt > options.now + MAX_SKEW_MS)
      throw new SignatureError('InvalidSignatureException', 'Request is not yet valid', 403);
  } else if (Math.abs(options.now - signedAt) > MAX_SKEW_MS) {
    throw new SignatureError(
      'InvalidSignatureException',
      `Signature expired: ${signature.amzDate} is outside the 15 minute window around the server time`,
      403,
    );
  }
  // The hash of the body as received, never the client's x-amz-content-sha256 claim: a signed
  // claim alone would let anyone replay the signature with another body. A pre-signed URL's
  // payload is UNSIGNED-PAYLOAD to botocore and S3, the body's hash to the JavaScript SDK.
  const payloads = signature.expires === undefined ? [request.bodySha256] : ['UNSIGNED-PAYLOAD', request.bodySha256];
  const wellFormed = /^[0-9a-f]{64}$/.test(signature.signature);
  const given = wellFormed ? Buffer.from(signature.signature, 'hex') : Buffer.alloc(32);
  const matches = payloads.map((payload) =>
    timingSafeEqual(Buffer.from(computeSignature(request, signature, secret, payload), 'hex'), given),
  );
  if (!wellFormed || !matches.includes(true)) {
    throw new SignatureError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      403,
    );
  }
}
