// The ECR API's authentication through the HTTP surface: the AWS SDK for ECR against a listening
// server, and requests signed by the SDK's signer then tampered with. Every refusal is the
// exception AWS names, in the {__type, message} envelope, and never a 5xx.
import assert from 'node:assert/strict';
import { ECRClient, GetAuthorizationTokenCommand, type AuthorizationData } from '@aws-sdk/client-ecr';
import type { FastifyInstance } from 'fastify';
import { after, before, describe, it } from 'node:test';
import type { NewAccessKey } from '../../iam/identities.js';
import { apiRequest, basicAuth, callApi, ECR_TARGET } from '../../testing/api-client.js';
import type { Credentials } from '../../testing/aws-signer.js';
import type { Response } from '../../testing/registry-client.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../../testing/server.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ACCOUNT_B = '222222222222';
const B_HOST = 'team-b.example.test';

let test: TestBerth;
let app: FastifyInstance;
let keyB: NewAccessKey;

before(async () => {
  test = await startBerth({
    settings: { auth: { mode: 'iam' }, accounts: { domain: 'registry.test', hosts: { [B_HOST]: ACCOUNT_B } } },
  });
  app = test.berth.app;
  await test.berth.identities.createAccount(ACCOUNT_B);
  keyB = await test.berth.identities.createAccessKeyFor(ACCOUNT_B);
});
after(() => test.close());

function client(credentials: Credentials = TEST_ADMIN, region = 'us-east-1'): ECRClient {
  return new ECRClient({ endpoint: test.url, region, credentials, maxAttempts: 1 });
}

async function getToken(credentials?: Credentials, registryIds?: string[]): Promise<AuthorizationData[]> {
  const ecr = client(credentials);
  try {
    return (
      (await ecr.send(new GetAuthorizationTokenCommand(registryIds ? { registryIds } : {}))).authorizationData ?? []
    );
  } finally {
    ecr.destroy();
  }
}

/** Asserts the SDK failed with `name`, from a 4xx. */
async function sdkRefuses(call: Promise<unknown>, name: string, message?: RegExp): Promise<void> {
  await assert.rejects(call, (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(err.name, name, err.message);
    const status = err.$metadata?.httpStatusCode ?? 0;
    assert.ok(status >= 400 && status < 500, `a 4xx, not ${status}`);
    if (message) assert.match(err.message, message);
    return true;
  });
}

/** Asserts the API's error envelope: the exception in __type and x-amzn-ErrorType, a 4xx. */
function assertException(res: Response, type: string, message?: RegExp): void {
  assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${type}: a 4xx, not ${res.statusCode} ${res.body}`);
  assert.equal(res.headers['x-amzn-errortype'], type, res.body);
  assert.equal(res.headers['content-type'], 'application/x-amz-json-1.1');
  assert.equal(typeof res.headers['x-amzn-requestid'], 'string');
  const body = res.json() as { __type: string; message: string };
  assert.equal(body.__type, type);
  assert.equal(typeof body.message, 'string');
  if (message) assert.match(body.message, message);
}

describe('GetAuthorizationToken with the AWS SDK for ECR', () => {
  it('returns a 12-hour password for user AWS that logs in to the registry at proxyEndpoint', async () => {
    const before = Date.now();
    const [data, ...more] = await getToken();
    assert.deepEqual(more, []);
    assert.equal(data?.proxyEndpoint, test.url);
    const expiresIn = data!.expiresAt!.getTime() - before;
    assert.ok(
      expiresIn > 11.9 * 3600_000 && expiresIn <= 12 * 3600_000 + 5_000,
      `expires in 12 h, not ${expiresIn} ms`,
    );
    const [user, password] = Buffer.from(data!.authorizationToken!, 'base64').toString('utf8').split(/:(.*)/s) as [
      string,
      string,
    ];
    assert.equal(user, 'AWS');
    assert.equal((await fetch(`${test.url}/v2/`, { headers: { authorization: basicAuth(password) } })).status, 200);
  });

  it("names each registry id's host; another account's registry takes the same password (its policies decide what it may do)", async () => {
    const [own] = await getToken(keyB, [ACCOUNT_B]);
    assert.match(
      own!.proxyEndpoint!,
      new RegExp(`^http://${B_HOST.replace(/\./g, '\\.')}:\\d+$`),
      "B's registry is at B's host",
    );
    const [mine, other] = await getToken(keyB, [ACCOUNT_B, test.berth.accountId]);
    assert.equal(other!.authorizationToken, mine!.authorizationToken);
    assert.equal(mine!.proxyEndpoint, own!.proxyEndpoint);
    assert.notEqual(other!.proxyEndpoint, own!.proxyEndpoint);
    await sdkRefuses(getToken(undefined, ['12345']), 'InvalidParameterException');
  });

  it('a wrong secret is InvalidSignatureException; an unknown key, or a session token, UnrecognizedClientException', async () => {
    await sdkRefuses(
      getToken({ ...TEST_ADMIN, secretAccessKey: `${TEST_ADMIN.secretAccessKey.slice(0, -1)}X` }),
      'InvalidSignatureException',
      /signature we calculated does not match/,
    );
    await sdkRefuses(
      getToken({ accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: TEST_ADMIN.secretAccessKey }),
      'UnrecognizedClientException',
      /security token included in the request is invalid/,
    );
    await sdkRefuses(
      getToken({ accessKeyId: 'not-a-key-id', secretAccessKey: TEST_ADMIN.secretAccessKey }),
      'UnrecognizedClientException',
    );
    await sdkRefuses(getToken({ ...TEST_ADMIN, sessionToken: 'FwoGZXIvYXdzEXAMPLE' }), 'UnrecognizedClientException');
  });

  it('a signature for another region is InvalidSignatureException', async () => {
    const ecr = client(TEST_ADMIN, 'eu-west-1');
    try {
      await sdkRefuses(ecr.send(new GetAuthorizationTokenCommand({})), 'InvalidSignatureException', /region/);
    } finally {
      ecr.destroy();
    }
  });
});

describe('requests signed by the SDK, then tampered with', () => {
  it('the untampered request succeeds (so each refusal below is the tampering)', async () => {
    const res = await callApi(app, 'GetAuthorizationToken');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['content-type'], 'application/x-amz-json-1.1');
  });

  it('a body changed after signing: InvalidSignatureException', async () => {
    const request = await apiRequest('GetAuthorizationToken', {});
    assertException(
      await app.inject({ ...request, payload: JSON.stringify({ registryIds: [ACCOUNT_B] }) }),
      'InvalidSignatureException',
      /does not match/,
    );
    assertException(await app.inject({ ...request, payload: '{ }' }), 'InvalidSignatureException');
  });

  it('a changed signature, signed header or target: InvalidSignatureException', async () => {
    const request = await apiRequest('GetAuthorizationToken', {});
    const authorization = request.headers.authorization!;
    const flipped = authorization.replace(
      /Signature=([0-9a-f])/,
      (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`,
    );
    assertException(
      await app.inject({ ...request, headers: { ...request.headers, authorization: flipped } }),
      'InvalidSignatureException',
    );
    assertException(
      await app.inject({
        ...request,
        headers: {
          ...request.headers,
          'x-amz-date': request.headers['x-amz-date']!.replace(/(\d)Z$/, (_m, d: string) => `${(Number(d) + 1) % 10}Z`),
        },
      }),
      'InvalidSignatureException',
    );
    assertException(
      await app.inject({
        ...request,
        headers: { ...request.headers, 'x-amz-target': `${ECR_TARGET}.DescribeRepositories` },
      }),
      'InvalidSignatureException',
    );
    assertException(
      await app.inject({ ...request, headers: { ...request.headers, host: B_HOST } }),
      'InvalidSignatureException',
    );
  });

  it('an X-Amz-Date more than 15 minutes off the server clock: InvalidSignatureException "Signature expired"', async () => {
    for (const offset of [-16 * 60_000, 16 * 60_000]) {
      const request = await apiRequest('GetAuthorizationToken', {}, { date: new Date(Date.now() + offset) });
      assertException(await app.inject(request), 'InvalidSignatureException', /Signature expired/);
    }
    const within = await apiRequest('GetAuthorizationToken', {}, { date: new Date(Date.now() - 10 * 60_000) });
    assert.equal((await app.inject(within)).statusCode, 200);
  });

  it('no signature at all: MissingAuthenticationTokenException (403)', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${ECR_TARGET}.GetAuthorizationToken` },
      payload: '{}',
    });
    assertException(res, 'MissingAuthenticationTokenException');
    assert.equal(res.statusCode, 403);
  });

  it('an incomplete signature: IncompleteSignatureException', async () => {
    const request = await apiRequest('GetAuthorizationToken', {});
    assertException(
      await app.inject({
        ...request,
        headers: { ...request.headers, authorization: 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE' },
      }),
      'IncompleteSignatureException',
    );
    const { 'x-amz-date': _date, ...undated } = request.headers;
    assertException(await app.inject({ ...request, headers: undated }), 'IncompleteSignatureException');
  });

  it('an unknown or missing X-Amz-Target: UnknownOperationException', async () => {
    assertException(await callApi(app, 'NoSuchOperation'), 'UnknownOperationException', /NoSuchOperation/);
    assertException(
      await callApi(app, 'GetAuthorizationToken', {}, { target: 'AmazonEC2ContainerRegistry_V20150921' }),
      'UnknownOperationException',
    );
    assertException(
      await callApi(app, 'GetAuthorizationToken', {}, { target: 'DynamoDB_20120810.GetAuthorizationToken' }),
      'UnknownOperationException',
    );
    assertException(
      await app.inject({
        method: 'POST',
        url: '/',
        headers: { 'content-type': 'application/x-amz-json-1.1' },
        payload: '{}',
      }),
      'UnknownOperationException',
    );
    // Names of Object.prototype are not operations.
    assertException(await callApi(app, 'constructor'), 'UnknownOperationException');
    assertException(await callApi(app, '__proto__'), 'UnknownOperationException');
  });

  it('a body that is not a JSON object: SerializationException', async () => {
    for (const body of ['{"registryIds": [', 'not json', '[]', '"text"', 'null', '\u0000']) {
      assertException(await callApi(app, 'GetAuthorizationToken', undefined, { body }), 'SerializationException');
    }
  });

  it('a field of the wrong shape: InvalidParameterException', async () => {
    assertException(
      await callApi(app, 'GetAuthorizationToken', { registryIds: 'not-a-list' }),
      'InvalidParameterException',
      /registryIds/,
    );
  });
});

describe('keys that stop working on the API', () => {
  it('a deactivated or deleted key is UnrecognizedClientException; activated again, it works', async () => {
    const key = await test.berth.identities.createAccessKeyFor(ACCOUNT_B);
    assert.equal((await callApi(app, 'GetAuthorizationToken', {}, { credentials: key })).statusCode, 200);
    await test.berth.identities.setAccessKeyStatus(key.accessKeyId, 'Inactive');
    assertException(
      await callApi(app, 'GetAuthorizationToken', {}, { credentials: key }),
      'UnrecognizedClientException',
      /inactive/,
    );
    await test.berth.identities.setAccessKeyStatus(key.accessKeyId, 'Active');
    assert.equal((await callApi(app, 'GetAuthorizationToken', {}, { credentials: key })).statusCode, 200);
    await test.berth.identities.deleteAccessKey(key.accessKeyId);
    assertException(
      await callApi(app, 'GetAuthorizationToken', {}, { credentials: key }),
      'UnrecognizedClientException',
    );
  });
});
