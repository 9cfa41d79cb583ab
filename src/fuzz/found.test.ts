// Regressions for what the fuzzing tier found, through the real HTTP surface (a listening Berth).
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { signPrettyJws } from '../domain/conversions/jws.js';
import { MediaTypes } from '../domain/media-types.js';
import { callApi } from '../testing/api-client.js';
import { assertError, pushBlob, pushManifest, putManifest, randomBlob } from '../testing/registry-client.js';
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
      const amzDate = new Date()
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '');
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

describe('schema 1: a signature whose alg is an Object.prototype property', () => {
  // Found by manifest.fuzz.test.ts: verifyJws looked the alg up in a plain object, so "constructor"
  // or "toString" found Object's function and node:crypto threw a TypeError, answered 500.
  for (const alg of ['constructor', 'toString', '__proto__']) {
    test(`a signed manifest with alg "${alg}" is MANIFEST_UNVERIFIED (400), not a 500`, async () => {
      const name = 'fuzz/schema1-alg';
      const layer = await pushBlob(berth.berth.app, name, randomBlob());
      const id = randomBytes(32).toString('hex');
      const payload = Buffer.from(
        JSON.stringify(
          {
            schemaVersion: 1,
            name,
            tag: 'v1',
            architecture: 'amd64',
            fsLayers: [{ blobSum: layer.digest }],
            history: [{ v1Compatibility: JSON.stringify({ id, created: '2015-10-01T00:00:00Z' }) }],
          },
          null,
          3,
        ),
      );
      const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const signed = signPrettyJws(payload, key, new Date('2015-10-01T00:00:00Z')).toString('utf8');
      // The signatures follow the signed payload: changing their header leaves the payload whole.
      assert.match(signed, /"alg": "ES256"/);
      const bytes = signed.replace('"alg": "ES256"', `"alg": "${alg}"`);
      const res = await putManifest(berth.berth.app, name, 'v1', bytes, MediaTypes.dockerSchema1Signed);
      const error = assertError(res, 400, 'MANIFEST_UNVERIFIED');
      assert.match(error.message, /unsupported algorithm/);
    });
  }
});

describe('policies: a condition operator that is an Object.prototype property', () => {
  // Found by policy.fuzz.test.ts: the validator looked operators up in a plain object, so
  // "constructor" or "toString" passed as an operator and every evaluation of the stored policy
  // then threw a TypeError (spec.test is not a function).
  for (const operator of ['constructor', 'toString', 'ForAnyValue:hasOwnProperty']) {
    test(`SetRepositoryPolicy with a "${operator}" condition is InvalidParameterException (400)`, async () => {
      const app = berth.berth.app;
      const repositoryName = 'fuzz/policy-operator';
      await callApi(app, 'CreateRepository', { repositoryName });
      const policyText = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: '*',
            Action: 'ecr:BatchGetImage',
            Condition: { [operator]: { 'aws:SourceIp': '10.0.0.1' } },
          },
        ],
      });
      const res = await callApi(app, 'SetRepositoryPolicy', { repositoryName, policyText });
      assert.equal(res.statusCode, 400, res.body);
      const body = res.json() as { __type: string; message: string };
      assert.equal(body.__type, 'InvalidParameterException', res.body);
      assert.match(body.message, /unknown condition operator/);
    });
  }
});

describe('schema 1 conversion of an image with no layers', () => {
  // Found by conversions.fuzz.test.ts: toSchema1Payload read the last history entry of an image
  // with no layers and no history (there is none) and threw a TypeError, answered 500 to a
  // schema 1 client pulling by tag.
  test('a Docker image with no layers pulled by a schema 1 client is MANIFEST_UNKNOWN (404), not a 500', async () => {
    const app = berth.berth.app;
    const name = 'fuzz/no-layers';
    const config = await pushBlob(
      app,
      name,
      Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })),
      MediaTypes.dockerConfig,
    );
    await pushManifest(
      app,
      name,
      'v1',
      { schemaVersion: 2, mediaType: MediaTypes.dockerManifest, config, layers: [] },
      MediaTypes.dockerManifest,
    );
    const res = await app.inject({
      url: `/v2/${name}/manifests/v1`,
      headers: { accept: MediaTypes.dockerSchema1Signed },
    });
    assertError(res, 404, 'MANIFEST_UNKNOWN');
    // The image itself is still served to a client that takes its own format.
    const own = await app.inject({ url: `/v2/${name}/manifests/v1`, headers: { accept: MediaTypes.dockerManifest } });
    assert.equal(own.statusCode, 200, own.body);
  });
});
