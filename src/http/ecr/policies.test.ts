// Repository and registry policies through the HTTP surface: the six ECR actions, and what the
// policies then allow on /v2 and the API: another account's user, anonymous pulls, the
// lockout protection of force, a deny by source address, users with no policy.
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { after, before, describe, it } from 'node:test';
import type { NewAccessKey } from '../../iam/identities.js';
import { callApi, loggedIn, registryPassword } from '../../testing/api-client.js';
import { assertError, pushImage, type Response } from '../../testing/registry-client.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

const B = '222222222222';
let test: TestBerth;
let app: FastifyInstance;
let A: string;
let bob: NewAccessKey;
let bobPassword: string;
let image: Awaited<ReturnType<typeof pushImage>>;

const arn = (name: string) => `arn:aws:ecr:us-east-1:${A}:repository/${name}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const pullActions = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

async function api(action: string, input: object, credentials?: NewAccessKey): Promise<Response> {
  return callApi(app, action, input, credentials ? { credentials } : {});
}

function exception(res: Response, type: string, message?: RegExp): void {
  assert.equal(res.statusCode, 400, `${type}: ${res.statusCode} ${res.body}`);
  const body = res.json() as { __type: string; message: string };
  assert.equal(body.__type, type, res.body);
  if (message) assert.match(body.message, message);
}

before(async () => {
  test = await startBerth({ listen: false, settings: { auth: { mode: 'iam' } } });
  app = test.berth.app;
  A = test.berth.accountId;
  await test.berth.identities.createAccount(B);
  await test.berth.identities.createUser(B, 'bob');
  bob = await test.berth.identities.createAccessKeyFor(B, 'bob');
  await test.berth.userPolicies.putUserPolicy(
    B,
    'bob',
    'login',
    policy({ Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' }),
  );
  bobPassword = await registryPassword(app, bob);
  image = await pushImage(loggedIn(app, await registryPassword(app)), 'shared/app', 'v1');
});
after(() => test.close());

describe('the repository policy actions', () => {
  it('set, get, delete: the model output, then RepositoryPolicyNotFoundException', async () => {
    const text = policy({ Sid: 'ShareB', Effect: 'Allow', Principal: { AWS: B }, Action: pullActions });
    const set = await api('SetRepositoryPolicy', { repositoryName: 'shared/app', policyText: text });
    assert.equal(set.statusCode, 200, set.body);
    assert.deepEqual(set.json(), { registryId: A, repositoryName: 'shared/app', policyText: text });
    assert.deepEqual((await api('GetRepositoryPolicy', { repositoryName: 'shared/app' })).json(), {
      registryId: A,
      repositoryName: 'shared/app',
      policyText: text,
    });
    assert.deepEqual((await api('DeleteRepositoryPolicy', { repositoryName: 'shared/app' })).json(), {
      registryId: A,
      repositoryName: 'shared/app',
      policyText: text,
    });
    exception(
      await api('GetRepositoryPolicy', { repositoryName: 'shared/app' }),
      'RepositoryPolicyNotFoundException',
      /does not exist/,
    );
    exception(
      await api('DeleteRepositoryPolicy', { repositoryName: 'shared/app' }),
      'RepositoryPolicyNotFoundException',
    );
    exception(
      await api('SetRepositoryPolicy', { repositoryName: 'no/such', policyText: text }),
      'RepositoryNotFoundException',
    );
  });

  it('a malformed policy is InvalidParameterException naming the element, and nothing is stored', async () => {
    const cases: [string, RegExp][] = [
      ['not json', /not valid JSON/],
      [policy({ Effect: 'Permit', Principal: '*', Action: 'ecr:*' }), /Statement\[0\]\.Effect/],
      [policy({ Effect: 'Allow', Action: 'ecr:*' }), /Statement\[0\]\.Principal/],
      [policy({ Effect: 'Allow', Principal: { AWS: 'someone' }, Action: 'ecr:*' }), /Statement\[0\]\.Principal\.AWS/],
      [
        policy({ Effect: 'Allow', Principal: '*', Action: 'ecr:*', Condition: { IpAddress: { 'aws:SourceIp': 'x' } } }),
        /Condition\.IpAddress\.aws:SourceIp/,
      ],
    ];
    for (const [text, element] of cases)
      exception(
        await api('SetRepositoryPolicy', { repositoryName: 'shared/app', policyText: text }),
        'InvalidParameterException',
        element,
      );
    exception(
      await api('SetRepositoryPolicy', { repositoryName: 'shared/app', policyText: 'x'.repeat(10_241) }),
      'InvalidParameterException',
      /policyText/,
    );
    exception(await api('GetRepositoryPolicy', { repositoryName: 'shared/app' }), 'RepositoryPolicyNotFoundException');
  });

  it('a policy naming a user or role that does not exist is InvalidParameterException naming it; accounts and "*" are taken', async () => {
    const naming = (...principals: string[]) =>
      policy({ Effect: 'Allow', Principal: { AWS: principals }, Action: pullActions });
    for (const principal of [
      `arn:aws:iam::${B}:user/nobody`,
      `arn:aws:iam::${A}:role/no-role`,
      'arn:aws:iam::333333333333:user/bob',
    ]) {
      const res = await api('SetRepositoryPolicy', {
        repositoryName: 'shared/app',
        policyText: naming('*', principal),
      });
      exception(
        res,
        'InvalidParameterException',
        /Invalid repository policy provided': Statement\[0\]\.Principal\.AWS: /,
      );
      assert.ok((res.json() as { message: string }).message.endsWith(`"${principal}" does not exist`), res.body);
      exception(
        await api('PutRegistryPolicy', { policyText: naming(principal) }),
        'InvalidParameterException',
        /Invalid registry policy provided.*does not exist/,
      );
    }
    exception(await api('GetRepositoryPolicy', { repositoryName: 'shared/app' }), 'RepositoryPolicyNotFoundException');
    exception(await api('GetRegistryPolicy', {}), 'RegistryPolicyNotFoundException');
    assert.equal(
      (
        await api('SetRepositoryPolicy', {
          repositoryName: 'shared/app',
          policyText: naming('333333333333', `arn:aws:iam::${B}:user/bob`),
        })
      ).statusCode,
      200,
    );
    await api('DeleteRepositoryPolicy', { repositoryName: 'shared/app' });
  });

  it('force: a policy that would deny the caller SetRepositoryPolicy needs it, and then binds even the root', async () => {
    const lockout = policy({ Sid: 'Frozen', Effect: 'Deny', Principal: '*', Action: 'ecr:SetRepositoryPolicy' });
    exception(
      await api('SetRepositoryPolicy', { repositoryName: 'shared/app', policyText: lockout }),
      'InvalidParameterException',
      /prevent you from setting it again.*Frozen.*force/,
    );
    assert.equal(
      (await api('SetRepositoryPolicy', { repositoryName: 'shared/app', policyText: lockout, force: true })).statusCode,
      200,
    );
    exception(
      await api('SetRepositoryPolicy', {
        repositoryName: 'shared/app',
        policyText: policy({ Effect: 'Allow', Principal: '*', Action: 'ecr:*' }),
        force: true,
      }),
      'AccessDeniedException',
      /with an explicit deny in a resource-based policy/,
    );
    assert.equal(
      (await api('DeleteRepositoryPolicy', { repositoryName: 'shared/app' })).statusCode,
      200,
      'deleting it is not denied',
    );
  });
});

describe('what a repository policy allows', () => {
  const pull = (password: string | undefined, reference = 'v1') => {
    const client = password ? loggedIn(app, password) : app;
    return client.inject({ url: `/v2/shared/app/manifests/${reference}`, headers: { accept: image.mediaType } });
  };
  const setPolicy = async (text: string) =>
    assert.equal(
      (await api('SetRepositoryPolicy', { repositoryName: 'shared/app', policyText: text })).statusCode,
      200,
    );

  it("another account's user pulls only when the repository policy and its own identity policy both allow, until a SourceIp deny", async () => {
    await api('DeleteRepositoryPolicy', { repositoryName: 'shared/app' });
    const refusal = assertError(await pull(bobPassword), 403, 'DENIED');
    assert.equal(
      refusal.message,
      `User: arn:aws:iam::${B}:user/bob is not authorized to perform: ecr:BatchGetImage on resource: ${arn('shared/app')} because no resource-based policy allows the ecr:BatchGetImage action`,
    );
    await setPolicy(
      policy({ Sid: 'ShareB', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: pullActions }),
    );
    assert.match(
      assertError(await pull(bobPassword), 403, 'DENIED').message,
      /because no identity-based policy allows the ecr:BatchGetImage action$/,
    );
    await test.berth.userPolicies.putUserPolicy(
      B,
      'bob',
      'pull',
      policy({ Effect: 'Allow', Action: pullActions, Resource: '*' }),
    );
    const res = await pull(bobPassword);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['docker-content-digest'], image.digest);
    const layer = await loggedIn(app, bobPassword).inject({ url: `/v2/shared/app/blobs/${image.layers[0]!.digest}` });
    assert.equal(layer.statusCode, 200);
    // The policy lets B pull, not push, and not list.
    assertError(await loggedIn(app, bobPassword).inject({ url: '/v2/shared/app/tags/list' }), 403, 'DENIED');
    assertError(
      await loggedIn(app, bobPassword).inject({ method: 'POST', url: '/v2/shared/app/blobs/uploads/' }),
      403,
      'DENIED',
    );
    // inject comes from 127.0.0.1.
    await setPolicy(
      policy(
        { Sid: 'ShareB', Effect: 'Allow', Principal: { AWS: B }, Action: pullActions },
        {
          Sid: 'OfficeOnly',
          Effect: 'Deny',
          Principal: '*',
          Action: pullActions,
          Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
        },
      ),
    );
    assert.match(
      assertError(await pull(bobPassword), 403, 'DENIED').message,
      /with an explicit deny in a resource-based policy$/,
    );
    await setPolicy(
      policy(
        { Sid: 'ShareB', Effect: 'Allow', Principal: { AWS: B }, Action: pullActions },
        {
          Sid: 'OfficeOnly',
          Effect: 'Deny',
          Principal: '*',
          Action: pullActions,
          Condition: { NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '127.0.0.0/8'] } },
        },
      ),
    );
    assert.equal((await pull(bobPassword)).statusCode, 200);
    // The same through the ECR API: B's user names A's registry.
    const batch = await api(
      'BatchGetImage',
      { registryId: A, repositoryName: 'shared/app', imageIds: [{ imageTag: 'v1' }] },
      bob,
    );
    assert.equal(batch.statusCode, 200, batch.body);
    exception(
      await api('DescribeImages', { registryId: A, repositoryName: 'shared/app' }, bob),
      'AccessDeniedException',
      /ecr:DescribeImages/,
    );
  });

  it('anonymous callers pull only where the policy grants "*", and nothing else', async () => {
    await api('DeleteRepositoryPolicy', { repositoryName: 'shared/app' });
    const refused = await pull(undefined);
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.headers['www-authenticate'], 'Basic realm="Berth"');
    await setPolicy(policy({ Sid: 'Public', Effect: 'Allow', Principal: '*', Action: pullActions }));
    const res = await pull(undefined);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((await app.inject({ url: `/v2/shared/app/blobs/${image.layers[0]!.digest}` })).statusCode, 200);
    assertError(await app.inject({ url: '/v2/shared/app/tags/list' }), 401, 'UNAUTHORIZED');
    assertError(
      await app.inject({ method: 'DELETE', url: `/v2/shared/app/manifests/${image.digest}` }),
      401,
      'UNAUTHORIZED',
    );
    assertError(await app.inject({ method: 'POST', url: '/v2/shared/app/blobs/uploads/' }), 401, 'UNAUTHORIZED');
    assertError(await app.inject({ url: '/v2/' }), 401, 'UNAUTHORIZED');
    await api('DeleteRepositoryPolicy', { repositoryName: 'shared/app' });
    assert.equal((await pull(undefined)).statusCode, 401, 'and no longer once the policy is gone');
  });

  it('a user of the account without a policy may do nothing; a managed policy lets it; an inline deny wins', async () => {
    await test.berth.identities.createUser(A, 'dev');
    const dev = await test.berth.identities.createAccessKeyFor(A, 'dev');
    exception(
      await api('GetAuthorizationToken', {}, dev),
      'AccessDeniedException',
      /no identity-based policy allows the ecr:GetAuthorizationToken action/,
    );
    await test.berth.userPolicies.attachUserPolicy(
      A,
      'dev',
      'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser',
    );
    const password = await registryPassword(app, dev);
    await pushImage(loggedIn(app, password), 'shared/app', 'by-dev');
    exception(
      await api('DeleteRepository', { repositoryName: 'shared/app', force: true }, dev),
      'AccessDeniedException',
    );
    await test.berth.userPolicies.putUserPolicy(
      A,
      'dev',
      'no-push',
      policy({ Effect: 'Deny', Action: 'ecr:PutImage', Resource: arn('shared/*') }),
    );
    const put = await loggedIn(app, password).inject({
      method: 'PUT',
      url: '/v2/shared/app/manifests/again',
      payload: image.bytes,
      headers: { 'content-type': image.mediaType },
    });
    assert.match(assertError(put, 403, 'DENIED').message, /with an explicit deny in an identity-based policy$/);
    assert.equal((await pull(password)).statusCode, 200);
  });
});

describe('the registry policy', () => {
  it('put, get, delete; it grants like a repository policy on every repository of the registry', async () => {
    exception(await api('GetRegistryPolicy', {}), 'RegistryPolicyNotFoundException');
    await test.berth.userPolicies.putUserPolicy(
      B,
      'bob',
      'pull',
      policy({ Effect: 'Allow', Action: pullActions, Resource: '*' }),
    );
    await api('DeleteRepositoryPolicy', { repositoryName: 'shared/app' });
    const pull = () =>
      loggedIn(app, bobPassword).inject({ url: '/v2/shared/app/manifests/v1', headers: { accept: image.mediaType } });
    assertError(await pull(), 403, 'DENIED');
    const text = policy({
      Sid: 'RegistryShare',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${B}:user/bob` },
      Action: pullActions,
      Resource: `arn:aws:ecr:us-east-1:${A}:repository/*`,
    });
    const put = await api('PutRegistryPolicy', { policyText: text });
    assert.deepEqual(put.json(), { registryId: A, policyText: text });
    assert.deepEqual((await api('GetRegistryPolicy', {})).json(), { registryId: A, policyText: text });
    assert.equal((await pull()).statusCode, 200);
    exception(
      await api('PutRegistryPolicy', { policyText: policy({ Effect: 'Allow', Action: 'ecr:*' }) }),
      'InvalidParameterException',
      /Invalid registry policy provided.*Principal/,
    );
    exception(await api('GetRegistryPolicy', {}, bob), 'AccessDeniedException', /ecr:GetRegistryPolicy/);
    assert.deepEqual((await api('DeleteRegistryPolicy', {})).json(), { registryId: A, policyText: text });
    assertError(await pull(), 403, 'DENIED');
    exception(await api('DeleteRegistryPolicy', {}), 'RegistryPolicyNotFoundException');
  });
});
