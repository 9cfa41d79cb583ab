// SigV4 verification against the AWS SDK's own signer: header signatures as the SDK's clients
// send them, pre-signed URLs, and every way a signature must be refused.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { presignUrl, signHeaders, type PlainRequest, type SignOptions } from '../testing/aws-signer.js';
import { TEST_ADMIN } from '../testing/server.js';
import { parseSignature, SignatureError, verifySignature, type SignedRequest } from './sigv4.js';

const SECRET = TEST_ADMIN.secretAccessKey;
const HOST = 'registry.example.test:5000';
const BODY = '{"registryIds":["123456789012"]}';
const API: PlainRequest = {
  method: 'POST',
  url: '/',
  host: HOST,
  body: BODY,
  headers: {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken',
  },
};

const sha256 = (body: string | Buffer) => createHash('sha256').update(body).digest('hex');

function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** The request as Berth receives it after the SDK signed it. */
async function signed(request: PlainRequest = API, options: SignOptions = {}): Promise<SignedRequest> {
  return {
    method: request.method,
    url: request.url,
    headers: lower(await signHeaders(request, options)),
    bodySha256: sha256(request.body ?? ''),
  };
}

function presigned(url: string, host = HOST): SignedRequest {
  return { method: 'GET', url, headers: { host }, bodySha256: sha256('') };
}

function verify(
  request: SignedRequest,
  options: { secret?: string; now?: number; service?: string; region?: string } = {},
): void {
  const signature = parseSignature(request);
  assert.ok(signature, 'the request carries a signature');
  verifySignature(request, signature, options.secret ?? SECRET, {
    service: options.service ?? 'ecr',
    region: options.region ?? 'us-east-1',
    now: options.now ?? Date.now(),
  });
}

function refused(
  request: SignedRequest,
  type: SignatureError['type'],
  message: RegExp,
  options: Parameters<typeof verify>[1] = {},
): void {
  assert.throws(
    () => verify(request, options),
    (err: unknown) => {
      assert.ok(err instanceof SignatureError, `a SignatureError, not ${String(err)}`);
      assert.equal(err.type, type);
      assert.match(err.message, message);
      return true;
    },
  );
}

describe('SigV4 header signatures made by the AWS SDK', () => {
  it('verifies a JSON API request as the SDK signs it (with x-amz-content-sha256)', async () => {
    const request = await signed();
    assert.equal(request.headers['x-amz-content-sha256'], sha256(BODY), 'the SDK signs the payload hash as a header');
    const signature = parseSignature(request)!;
    assert.equal(signature.accessKeyId, TEST_ADMIN.accessKeyId);
    assert.equal(signature.region, 'us-east-1');
    assert.equal(signature.service, 'ecr');
    assert.ok(signature.signedHeaders.includes('host'));
    assert.equal(signature.expires, undefined);
    verify(request);
  });

  it('verifies a request signed without the payload header', async () => {
    const request = await signed(API, { applyChecksum: false });
    assert.equal(request.headers['x-amz-content-sha256'], undefined);
    verify(request);
  });

  it('verifies paths and queries that need encoding, repeated keys and empty values', async () => {
    const request = await signed({
      method: 'GET',
      url: '/v2/team%20a/caf%C3%A9/tags?z=2&a=b%20c&z=1&empty=&star=%2A',
      host: HOST,
    });
    verify(request);
  });

  it('normalizes the path as the signer does: empty and dot segments', async () => {
    verify(await signed({ method: 'GET', url: '/a//b/./c/../d/', host: HOST }));
  });

  it('canonicalizes header values: spaces trimmed and collapsed', async () => {
    verify(await signed({ ...API, headers: { ...API.headers, 'x-amz-meta': '  several   spaces here  ' } }));
  });

  it('takes a session token to mean temporary credentials, which Berth does not issue', async () => {
    const request = await signed(API, { credentials: { ...TEST_ADMIN, sessionToken: 'FwoGZXIvYXdzE' } });
    assert.equal(parseSignature(request)?.securityToken, 'FwoGZXIvYXdzE');
  });

  it('refuses a wrong secret', async () => {
    refused(
      await signed(API, { credentials: { ...TEST_ADMIN, secretAccessKey: `${SECRET.slice(0, -1)}x` } }),
      'InvalidSignatureException',
      /does not match/,
    );
  });

  it('refuses a tampered body, with or without the payload header', async () => {
    for (const applyChecksum of [true, false]) {
      const request = await signed(API, { applyChecksum });
      refused(
        { ...request, bodySha256: sha256(BODY.replace('123456789012', '210987654321')) },
        'InvalidSignatureException',
        /does not match/,
      );
    }
  });

  it('refuses a tampered signature, path, query, signed header or method', async () => {
    const request = await signed({ ...API, url: '/?a=1' });
    const authorization = request.headers.authorization as string;
    const flipped = authorization.replace(
      /Signature=([0-9a-f])/,
      (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`,
    );
    refused(
      { ...request, headers: { ...request.headers, authorization: flipped } },
      'InvalidSignatureException',
      /does not match/,
    );
    refused(
      {
        ...request,
        headers: { ...request.headers, authorization: authorization.replace(/Signature=[0-9a-f]+/, 'Signature=ABC') },
      },
      'InvalidSignatureException',
      /does not match/,
    );
    refused({ ...request, url: '/other?a=1' }, 'InvalidSignatureException', /does not match/);
    refused({ ...request, url: '/?a=2' }, 'InvalidSignatureException', /does not match/);
    refused({ ...request, method: 'PUT' }, 'InvalidSignatureException', /does not match/);
    refused(
      {
        ...request,
        headers: { ...request.headers, 'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.DeleteRepository' },
      },
      'InvalidSignatureException',
      /does not match/,
    );
    refused(
      { ...request, headers: { ...request.headers, host: 'elsewhere.test' } },
      'InvalidSignatureException',
      /does not match/,
    );
  });

  it('refuses a signature older or newer than 15 minutes, and accepts one within', async () => {
    const now = Date.now();
    verify(await signed(API, { date: new Date(now - 14 * 60_000) }), { now });
    verify(await signed(API, { date: new Date(now + 14 * 60_000) }), { now });
    refused(
      await signed(API, { date: new Date(now - 16 * 60_000) }),
      'InvalidSignatureException',
      /Signature expired/,
      { now },
    );
    refused(
      await signed(API, { date: new Date(now + 16 * 60_000) }),
      'InvalidSignatureException',
      /Signature expired/,
      { now },
    );
  });

  it('refuses a signature for another service or region', async () => {
    refused(await signed(API, { service: 's3' }), 'InvalidSignatureException', /service: 'ecr'/);
    refused(await signed(API, { region: 'eu-west-1' }), 'InvalidSignatureException', /region/);
    refused(await signed(API, { region: 'eu-west-1' }), 'InvalidSignatureException', /region/, { region: 'us-east-1' });
  });

  it('refuses a signature that does not sign Host', async () => {
    const request = await signed();
    const authorization = (request.headers.authorization as string).replace(
      /SignedHeaders=[^,]+/,
      'SignedHeaders=x-amz-date',
    );
    refused({ ...request, headers: { ...request.headers, authorization } }, 'InvalidSignatureException', /Host/);
  });

  it('reads nothing from an unsigned request and names what is wrong with a malformed one', async () => {
    assert.equal(parseSignature({ method: 'POST', url: '/', headers: {}, bodySha256: sha256('') }), undefined);
    const request = await signed();
    const incomplete = (headers: Record<string, string | undefined>) =>
      assert.throws(
        () => parseSignature({ ...request, headers: { ...request.headers, ...headers } }),
        (err: unknown) => err instanceof SignatureError && err.type === 'IncompleteSignatureException',
      );
    incomplete({ authorization: 'AWS4-HMAC-SHA1 Credential=x' });
    incomplete({ authorization: 'Bearer abc' });
    incomplete({
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/ecr/aws4_request',
    });
    incomplete({ authorization: 'AWS4-HMAC-SHA256 Credential=AKIA/x/y, SignedHeaders=host, Signature=00' });
    incomplete({ 'x-amz-date': undefined });
    incomplete({ 'x-amz-date': '2024-01-01T00:00:00Z' });
  });
});

describe('SigV4 pre-signed URLs made by the AWS SDK', () => {
  const GET: PlainRequest = { method: 'GET', url: '/v2/app/blobs/sha256%3Aabc?extra=a%20b', host: HOST };

  it('verifies a pre-signed URL until it expires, and not after', async () => {
    const now = Date.now();
    const url = await presignUrl(GET, { date: new Date(now), expiresIn: 300 });
    const request = presigned(url);
    const signature = parseSignature(request)!;
    assert.equal(signature.expires, 300);
    assert.equal(signature.accessKeyId, TEST_ADMIN.accessKeyId);
    verify(request, { now });
    verify(request, { now: now + 299_000 });
    refused(request, 'InvalidSignatureException', /expired/, { now: now + 301_000 });
  });

  it('verifies the S3 form, whose payload is UNSIGNED-PAYLOAD', async () => {
    const url = await presignUrl({ ...GET, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    verify(presigned(url));
  });

  it('refuses a pre-signed URL whose query, path or signature was changed, or made with another secret', async () => {
    const url = await presignUrl(GET);
    refused(presigned(url.replace('extra=a%20b', 'extra=a%20c')), 'InvalidSignatureException', /does not match/);
    refused(presigned(url.replace('/v2/app/', '/v2/other/')), 'InvalidSignatureException', /does not match/);
    refused(
      presigned(
        url.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`),
      ),
      'InvalidSignatureException',
      /does not match/,
    );
    refused(presigned(url, 'elsewhere.test'), 'InvalidSignatureException', /does not match/);
    refused(
      presigned(
        await presignUrl(GET, {
          credentials: { ...TEST_ADMIN, secretAccessKey: 'another-secret-of-forty-characters-xxxx' },
        }),
      ),
      'InvalidSignatureException',
      /does not match/,
    );
  });

  it('refuses a pre-signed URL dated in the future, or valid for more than 7 days', async () => {
    const now = Date.now();
    refused(
      presigned(await presignUrl(GET, { date: new Date(now + 20 * 60_000) })),
      'InvalidSignatureException',
      /not yet valid/,
      { now },
    );
    const url = await presignUrl(GET, { expiresIn: 604_800 });
    assert.throws(
      () => parseSignature(presigned(url.replace('X-Amz-Expires=604800', 'X-Amz-Expires=604801'))),
      (err: unknown) => err instanceof SignatureError && err.type === 'IncompleteSignatureException',
    );
  });
});
