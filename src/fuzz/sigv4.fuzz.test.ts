// Fuzzing of SigV4 (src/iam/sigv4.ts): arbitrary Authorization headers, X-Amz-* queries, URLs and
// signed-header lists make parsing, canonicalisation and verification throw only SignatureError;
// requests the AWS SDK's own signer signs, over arbitrary paths, queries and header values, verify;
// and changing what was signed makes them fail.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  ALGORITHM,
  canonicalRequest,
  encodeRfc3986,
  parseSignature,
  SignatureError,
  verifySignature,
  type SignedRequest,
} from '../iam/sigv4.js';
import { signHeaders } from '../testing/aws-signer.js';
import { TEST_ADMIN } from '../testing/server.js';
import { check, checkAsync, fc, onlyThrows } from './harness.js';

const isSignatureError = (err: unknown) => err instanceof SignatureError;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);
const AMZ_NOW = '20260102T030405Z';

const text = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary-ascii', maxLength: 80 }));
const credential = fc.oneof(
  text,
  fc
    .tuple(
      fc.stringMatching(/^[A-Z0-9]{1,20}$/),
      fc.constantFrom('20260102', '2026010', 'x'),
      fc.constantFrom('us-east-1', 'eu-west-3', ''),
      fc.constantFrom('ecr', 'sts', 'iam'),
      fc.constantFrom('aws4_request', 'aws4'),
    )
    .map((parts) => parts.join('/')),
);
const signedHeaderList = fc.oneof(
  text,
  fc
    .array(fc.constantFrom('host', 'x-amz-date', 'content-type', 'x-missing', '', 'HOST', 'constructor', '__proto__'), {
      maxLength: 5,
    })
    .map((l) => l.join(';')),
);
const authorization = fc.oneof(
  text,
  fc
    .tuple(
      credential,
      signedHeaderList,
      fc.oneof(text, fc.stringMatching(/^[0-9a-f]{64}$/)),
      fc.constantFrom(', ', ',', ' , ', ',,'),
    )
    .map(([c, h, s, sep]) => `${ALGORITHM} Credential=${c}${sep}SignedHeaders=${h}${sep}Signature=${s}`),
);
const queryValue = fc.oneof(
  text,
  fc.constantFrom(ALGORITHM, AMZ_NOW, '900', '0', '604801', '%', '%E0%A4%A', '%ED%A0%80', 'a+b'),
);
const queryKey = fc.constantFrom(
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
  'other',
);
const query = fc
  .array(fc.tuple(queryKey, queryValue, fc.boolean()), { maxLength: 8 })
  .map((pairs) => pairs.map(([k, v, raw]) => `${k}=${raw ? v : encodeRfc3986(v)}`).join('&'));
const path = fc.oneof(
  text.map((p) => `/${p}`),
  fc.array(fc.constantFrom('a', '.', '..', '', '%2F', '%', 'é', '~x'), { maxLength: 6 }).map((s) => `/${s.join('/')}`),
);
const headerValue = fc.oneof(text, fc.array(text, { maxLength: 3 }), fc.constant(undefined));
const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', ''),
  url: fc.tuple(path, fc.option(query, { nil: undefined })).map(([p, q]) => (q === undefined ? p : `${p}?${q}`)),
  headers: fc.record({
    authorization: fc.option(authorization, { nil: undefined }),
    'x-amz-date': fc.option(fc.oneof(text, fc.constant(AMZ_NOW)), { nil: undefined }),
    'x-amz-security-token': fc.option(text, { nil: undefined }),
    host: headerValue,
    'content-type': headerValue,
  }),
  bodySha256: fc.constant(sha256('')),
}) as fc.Arbitrary<SignedRequest>;

describe('fuzz: SigV4 parsing and verification', () => {
  test('arbitrary requests: parseSignature, canonicalRequest and verifySignature throw only SignatureError', (t) => {
    check(
      t,
      4000,
      fc.property(request, (req) => {
        const signature = onlyThrows(
          () => parseSignature(req),
          isSignatureError,
          `parseSignature(${JSON.stringify(req)})`,
        );
        if (!signature) return;
        assert.ok(signature.signedHeaders.length >= 1);
        onlyThrows(
          () => canonicalRequest(req, signature, sha256('')),
          isSignatureError,
          `canonicalRequest(${JSON.stringify(req)})`,
        );
        onlyThrows(
          () => verifySignature(req, signature, 'secret', { service: 'ecr', region: 'us-east-1', now: NOW }),
          isSignatureError,
          `verifySignature(${JSON.stringify(req)})`,
        );
        assert.throws(
          () => verifySignature(req, signature, 'secret', { service: 'ecr', region: 'us-east-1', now: NOW }),
          SignatureError,
          'a request signed by no one never verifies',
        );
      }),
    );
  });
});

/** Header names the SDK signs (it leaves out a fixed list such as user-agent and authorization). */
const headerName = fc.stringMatching(/^[a-z0-9-]{1,12}$/).map((n) => `x-fuzz-${n}`);
/** Values as they arrive after Node's parser: visible ASCII and inner spaces, no surrounding whitespace. */
const wireValue = fc
  .string({ unit: fc.constantFrom(...'aZ09 -_.:/;,="\t!~'.split('')), maxLength: 30 })
  .map((v) => v.trim())
  .filter((v) => v.length > 0);
const segment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._~-]{1,10}$/),
  fc
    .string({ maxLength: 6 })
    .map(encodeRfc3986)
    .filter((s) => s.length > 0),
);
const signedPath = fc.array(segment, { maxLength: 4 }).map((s) => `/${s.join('/')}`);
// Not `__proto__`: @smithy/signature-v4 builds its canonical query in a plain object, where
// serialized['__proto__'] = '…' is a no-op, so the SDK signs as if that parameter were absent
// (Berth, like the SigV4 spec, keeps it). Other prototype names are fair game.
const pairs = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.string({ minLength: 1, maxLength: 8 }),
        fc.constantFrom('toString', 'constructor', 'hasOwnProperty', 'a b', 'ü'),
      ),
      fc.string({ maxLength: 8 }),
    ),
    { maxLength: 4 },
  )
  .map((list) => list.filter(([k]) => !k.startsWith('X-Amz-') && k !== '__proto__'));

describe('fuzz: SigV4 against the AWS SDK signer', () => {
  test('SDK-signed requests over arbitrary paths, queries and headers verify; a changed signed header does not', async (t) => {
    await checkAsync(
      t,
      150,
      fc.asyncProperty(
        signedPath,
        pairs,
        fc.dictionary(headerName, wireValue, { maxKeys: 4 }),
        wireValue,
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
        async (p, q, extra, other, method) => {
          const search = q.map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`).join('&');
          const url = search ? `${p}?${search}` : p;
          const host = '127.0.0.1:5000';
          const headers = await signHeaders({ method, url, host, headers: extra }, { date: new Date(NOW) });
          const received: SignedRequest = {
            method,
            url,
            headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
            bodySha256: sha256(''),
          };
          const verify = (req: SignedRequest) =>
            verifySignature(req, parseSignature(req)!, TEST_ADMIN.secretAccessKey, {
              service: 'ecr',
              region: 'us-east-1',
              now: NOW,
            });
          verify(received);
          const names = Object.keys(extra);
          if (names.length > 0) {
            const name = names[0]!;
            const changed = { ...received, headers: { ...received.headers, [name]: `${extra[name]}${other}` } };
            assert.throws(
              () => verify(changed),
              (err: unknown) => err instanceof SignatureError && err.type === 'InvalidSignatureException',
            );
          }
          assert.throws(() => verify({ ...received, method: method === 'GET' ? 'HEAD' : 'GET' }), SignatureError);
        },
      ),
    );
  });
});
