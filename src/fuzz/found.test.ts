// Regressions for what the fuzzing tier found, through the real HTTP surface (a listening Berth).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBerth, TEST_ADMIN, type TestBerth } from '../testing/server.js';

let berth: TestBerth;
before(async () => {
  berth = await startBerth();
});
after(() => berth.close());

describe('SigV4: signed header names that are Object.prototype properties', () => {
  // Found by sigv4.fuzz.test.ts: SignedHeaders=constructor made canonicalRequest read
  // Object.prototype.constructor as the header's value and throw a TypeError, answered 500.
  for (const name of ['constructor', '__proto__']) {
    test(`SignedHeaders=host;${name} is IncompleteSignatureException (400), not a 500`, async () => {
      const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
      const response = await fetch(`${berth.url}/`, {
        method: 'POST',
        body: '{}',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.DescribeRepositories',
          'x-amz-date': amzDate,
          authorization: `AWS4-HMAC-SHA256 Credential=${TEST_ADMIN.accessKeyId}/${amzDate.slice(0, 8)}/us-east-1/ecr/aws4_request, SignedHeaders=host;${name}, Signature=${'0'.repeat(64)}`,
        },
      });
      const body = (await response.json()) as { __type?: string; message?: string };
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(body.__type, 'IncompleteSignatureException');
      assert.match(body.message ?? '', new RegExp(`signed header ${name.replace(/_/g, '_')} is missing`));
    });
  }
});
