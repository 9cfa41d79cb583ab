// The authorization matrix: every route of the registry protocol and every action of the ECR API
// (taken from what the server registers, so a new one without a case fails here) against every
// kind of caller: anonymous, bad and expired credentials, a user of the account with no policy,
// another account, a user allowed exactly the ECR actions the operation names (which must
// succeed) and one allowed everything but them (which must not). A refusal serves no data.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Action } from '../domain/actions.js';
import { Actions } from '../domain/actions.js';
import type { NewAccessKey } from '../iam/identities.js';
import { basicAuth, callApi, loggedIn, registryPassword } from '../testing/api-client.js';
import type { Credentials } from '../testing/aws-signer.js';
import { digestOf, pushBlob, pushImage, startUpload, type Response } from '../testing/registry-client.js';
import { actionsToWalk, exception, namesDenial, requiredActions } from '../testing/authorization-walk.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../testing/server.js';
import { registryRoutes } from './oci/plugin.js';

const B = '222222222222';
const REPO = 'matrix/app';
let test: TestBerth;
let A: string;
let image: Awaited<ReturnType<typeof pushImage>>;
let rootPassword: string;
const keys: Record<'nobody' | 'exact' | 'allBut' | 'otherRoot', NewAccessKey> = {} as never;
const passwords: Record<string, string> = {};

const rootApp = () => loggedIn(test.berth.app, rootPassword);
const policy = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
const mint = (account: string, key: NewAccessKey, now = Date.now()) =>
  test.berth.tokens.issue({ account, key: key.accessKeyId }, now).password;

/** Gives the `exact` user exactly these actions and the `allBut` user every action but these. */
async function grant(actions: Action[]): Promise<void> {
  const list = actions.length > 0 ? actions : ['ecr:NoSuchAction'];
  await test.berth.userPolicies.putUserPolicy(
    A,
    'exact',
    'matrix',
    policy({ Effect: 'Allow', Action: list, Resource: '*' }),
  );
  await test.berth.userPolicies.putUserPolicy(
    A,
    'allbut',
    'matrix',
    policy({ Effect: 'Allow', NotAction: list, Resource: '*' }),
  );
}

interface RouteCase {
  /** The ECR actions the operation names (none: only a login is needed). */
  actions: Action[];
  /** The request, prepared afresh for each caller (with the root's help where it needs state). */
  request(): Promise<{ url: string; body?: Buffer; headers?: Record<string, string> }>;
  /** What the response of a refusal must not contain. */
  secret?: () => string;
}

const manifestUrl = (reference: string) => `/v2/${REPO}/manifests/${reference}`;

/** One case per route and method: the test fails for a registered route that has none. */
const ROUTES: Record<string, RouteCase> = {
  'base GET': { actions: [], request: async () => ({ url: '/v2/' }) },
  'base HEAD': { actions: [], request: async () => ({ url: '/v2/' }) },
  'catalog GET': {
    actions: [Actions.DescribeRepositories],
    request: async () => ({ url: '/v2/_catalog' }),
    secret: () => REPO,
  },
  'tags GET': {
    actions: [Actions.ListImages],
    request: async () => ({ url: `/v2/${REPO}/tags/list` }),
    secret: () => '"v1"',
  },
  'manifest GET': {
    actions: [Actions.BatchGetImage],
    request: async () => ({ url: manifestUrl('v1'), headers: { accept: image.mediaType } }),
    secret: () => image.config.digest,
  },
  'manifest HEAD': {
    actions: [Actions.BatchGetImage],
    request: async () => ({ url: manifestUrl('v1'), headers: { accept: image.mediaType } }),
  },
  'manifest PUT': {
    actions: [Actions.PutImage],
    request: async () => ({
      url: manifestUrl(`t${randomBytes(4).toString('hex')}`),
      body: image.bytes,
      headers: { 'content-type': image.mediaType },
    }),
  },
  'manifest DELETE': {
    actions: [Actions.BatchDeleteImage],
    request: async () => ({ url: manifestUrl((await pushImage(rootApp(), REPO)).digest) }),
  },
  'uploads POST': {
    actions: [Actions.InitiateLayerUpload],
    request: async () => ({ url: `/v2/${REPO}/blobs/uploads/` }),
  },
  'upload GET': {
    actions: [Actions.UploadLayerPart],
    request: async () => ({ url: await startUpload(rootApp(), REPO) }),
  },
  'upload PATCH': {
    actions: [Actions.UploadLayerPart],
    request: async () => ({
      url: await startUpload(rootApp(), REPO),
      body: randomBytes(16),
      headers: { 'content-type': 'application/octet-stream' },
    }),
  },
  'upload PUT': {
    actions: [Actions.CompleteLayerUpload],
    request: async () => {
      const data = randomBytes(16);
      return {
        url: `${await startUpload(rootApp(), REPO)}?digest=${digestOf(data)}`,
        body: data,
        headers: { 'content-type': 'application/octet-stream' },
      };
    },
  },
  'upload DELETE': {
    actions: [Actions.UploadLayerPart],
    request: async () => ({ url: await startUpload(rootApp(), REPO) }),
  },
  'blob GET': {
    actions: [Actions.GetDownloadUrlForLayer],
    request: async () => ({ url: `/v2/${REPO}/blobs/${image.config.digest}` }),
    secret: () => '"architecture"',
  },
  'blob HEAD': {
    actions: [Actions.BatchCheckLayerAvailability],
    request: async () => ({ url: `/v2/${REPO}/blobs/${image.config.digest}` }),
  },
  'blob DELETE': {
    actions: [Actions.BatchDeleteImage],
    request: async () => ({ url: `/v2/${REPO}/blobs/${(await pushBlob(rootApp(), REPO, randomBytes(32))).digest}` }),
  },
  'referrers GET': {
    actions: [Actions.BatchGetImage],
    request: async () => ({ url: `/v2/${REPO}/referrers/${image.digest}` }),
  },
};

type Caller = { name: string; authorization?: string; refusal: number };
/** Cells of the matrix checked (route or action × caller), printed at the end. */
let cells = 0;

before(async () => {
  test = await startBerth({ listen: false, settings: { auth: { mode: 'iam' } } });
  A = test.berth.accountId;
  rootPassword = await registryPassword(test.berth.app);
  image = await pushImage(rootApp(), REPO, 'v1');
  await test.berth.identities.createAccount(B);
  for (const name of ['nobody', 'exact', 'allbut']) await test.berth.identities.createUser(A, name);
  keys.nobody = await test.berth.identities.createAccessKeyFor(A, 'nobody');
  keys.exact = await test.berth.identities.createAccessKeyFor(A, 'exact');
  keys.allBut = await test.berth.identities.createAccessKeyFor(A, 'allbut');
  keys.otherRoot = await test.berth.identities.createAccessKeyFor(B);
  passwords.nobody = mint(A, keys.nobody);
  passwords.exact = mint(A, keys.exact);
  passwords.allBut = mint(A, keys.allBut);
  passwords.otherRoot = mint(B, keys.otherRoot);
  passwords.expired = mint(
    A,
    { accessKeyId: TEST_ADMIN.accessKeyId, secretAccessKey: '' },
    Date.now() - 13 * 3600 * 1000,
  );
});
after(() => test?.close());

describe('authorization matrix: the registry protocol', () => {
  it('has a case for every registered route and method', () => {
    assert.deepEqual(
      registryRoutes()
        .map((r) => `${r.route} ${r.method}`)
        .sort(),
      Object.keys(ROUTES).sort(),
    );
  });

  const callers = (): Caller[] => [
    { name: 'anonymous', refusal: 401 },
    { name: 'a malformed password', authorization: basicAuth('not-a-password'), refusal: 401 },
    { name: 'an expired password', authorization: basicAuth(passwords.expired!), refusal: 401 },
    { name: 'a user of the account with no policy', authorization: basicAuth(passwords.nobody!), refusal: 403 },
    { name: "another account's root", authorization: basicAuth(passwords.otherRoot!), refusal: 403 },
    { name: 'a user allowed everything but these actions', authorization: basicAuth(passwords.allBut!), refusal: 403 },
  ];

  for (const [key, spec] of Object.entries(ROUTES)) {
    const method = key.split(' ')[1]!;
    it(`${key}: refused to every caller without the right, served to one with exactly ${spec.actions.join(' + ') || 'a login'}`, async () => {
      await grant(spec.actions);
      let matrix = 0;
      for (const caller of callers()) {
        const loginOnly = spec.actions.length === 0 && caller.refusal === 403;
        const { url, body, headers } = await spec.request();
        const res: Response = await test.berth.app.inject({
          method: method as 'GET',
          url,
          ...(body && { payload: body }),
          headers: { ...headers, ...(caller.authorization && { authorization: caller.authorization }) },
        });
        matrix++;
        cells++;
        if (loginOnly) {
          assert.equal(res.statusCode, 200, `${key} for ${caller.name}: a login is all it needs`);
          continue;
        }
        assert.equal(res.statusCode, caller.refusal, `${key} for ${caller.name}: ${res.statusCode} ${res.body}`);
        if (spec.secret) assert.ok(!res.body.includes(spec.secret()), `${key} for ${caller.name} leaks data`);
        if (caller.refusal === 401) assert.equal(res.headers['www-authenticate'], 'Basic realm="Berth"');
      }
      const { url, body, headers } = await spec.request();
      const allowed = await test.berth.app.inject({
        method: method as 'GET',
        url,
        ...(body && { payload: body }),
        headers: { ...headers, authorization: basicAuth(passwords.exact!) },
      });
      cells++;
      assert.ok(
        allowed.statusCode < 400,
        `${key} for a user allowed exactly ${spec.actions.join(', ')}: ${allowed.statusCode} ${allowed.body}`,
      );
      assert.equal(matrix, callers().length);
    });
  }
});

interface ApiCase {
  /** The input; `registry` is the account to address (another account's callers name A's). */
  input(): Promise<object>;
  /** False for actions on the caller's own account only (no registryId or ARN to name another). */
  crossAccount: boolean;
}

const arn = (name: string) => `arn:aws:ecr:us-east-1:${A}:repository/${name}`;
const fresh = async (): Promise<string> => {
  const name = `matrix/r${randomBytes(4).toString('hex')}`;
  await pushImage(rootApp(), name, 'v1');
  return name;
};
/** A fresh repository whose image v1 has a scan (asked for by the administrator). */
const scanned = async (): Promise<string> => {
  const name = await fresh();
  const res = await callApi(test.berth.app, 'StartImageScan', { repositoryName: name, imageId: { imageTag: 'v1' } });
  assert.equal(res.statusCode, 200, res.body);
  return name;
};
const uploadId = async () => (await startUpload(rootApp(), REPO)).split('/').pop()!;
/** A template made by the administrator, for the actions on one. */
const freshTemplate = async (): Promise<string> => {
  const prefix = `matrix/t${randomBytes(4).toString('hex')}`;
  const res = await callApi(test.berth.app, 'CreateRepositoryCreationTemplate', {
    prefix,
    appliedFor: ['CREATE_ON_PUSH'],
  });
  assert.equal(res.statusCode, 200, res.body);
  return prefix;
};
/** A pull-through cache rule of A, stored as is (its upstream is a closed port on loopback). */
const freshRule = async (): Promise<string> => {
  const prefix = `m${randomBytes(4).toString('hex')}`;
  const now = Date.now();
  await test.berth.store.pullThrough.createRule({
    accountId: A,
    prefix,
    upstreamRegistryUrl: '127.0.0.1:1',
    upstreamRegistry: null,
    credentialArn: null,
    customRoleArn: null,
    upstreamRepositoryPrefix: 'ROOT',
    createdAt: now,
    updatedAt: now,
  });
  return prefix;
};
const publicPolicy = () =>
  policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'ecr:BatchGetImage' });

const LIFECYCLE = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'expire images pushed more than a year ago',
      selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 365 },
      action: { type: 'expire' },
    },
  ],
});
/** The repository, with a lifecycle policy. */
const withLifecyclePolicy = async (name: string): Promise<string> => {
  await test.berth.store.lifecycle.putPolicy((await test.berth.store.repositories.get(A, name))!.id, LIFECYCLE, 1);
  return name;
};

const API: Record<string, ApiCase> = {
  GetAuthorizationToken: { crossAccount: false, input: async () => ({}) },
  CreateRepository: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: `matrix/c${randomBytes(4).toString('hex')}` }),
  },
  DescribeRepositories: { crossAccount: true, input: async () => ({ registryId: A, repositoryNames: [REPO] }) },
  DeleteRepository: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: await fresh(), force: true }),
  },
  PutImageTagMutability: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: REPO, imageTagMutability: 'MUTABLE' }),
  },
  TagResource: {
    crossAccount: true,
    input: async () => ({ resourceArn: arn(REPO), tags: [{ Key: 'k', Value: 'v' }] }),
  },
  UntagResource: { crossAccount: true, input: async () => ({ resourceArn: arn(REPO), tagKeys: ['k'] }) },
  ListTagsForResource: { crossAccount: true, input: async () => ({ resourceArn: arn(REPO) }) },
  DescribeRegistry: { crossAccount: false, input: async () => ({}) },
  GetAccountSetting: { crossAccount: false, input: async () => ({ name: 'BLOB_MOUNTING' }) },
  PutAccountSetting: { crossAccount: false, input: async () => ({ name: 'BLOB_MOUNTING', value: 'ENABLED' }) },
  ListImages: { crossAccount: true, input: async () => ({ registryId: A, repositoryName: REPO }) },
  DescribeImages: { crossAccount: true, input: async () => ({ registryId: A, repositoryName: REPO }) },
  BatchGetImage: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: REPO, imageIds: [{ imageTag: 'v1' }] }),
  },
  ListImageReferrers: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: REPO, subjectId: { imageDigest: image.digest } }),
  },
  BatchDeleteImage: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: await fresh(), imageIds: [{ imageTag: 'v1' }] }),
  },
  UpdateImageStorageClass: {
    crossAccount: true,
    input: async () => ({
      registryId: A,
      repositoryName: await fresh(),
      imageId: { imageTag: 'v1' },
      targetStorageClass: 'ARCHIVE',
    }),
  },
  PutImage: {
    crossAccount: true,
    input: async () => ({
      registryId: A,
      repositoryName: REPO,
      imageManifest: image.bytes.toString('utf8'),
      imageTag: `p${randomBytes(4).toString('hex')}`,
    }),
  },
  BatchCheckLayerAvailability: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: REPO, layerDigests: [image.config.digest] }),
  },
  InitiateLayerUpload: { crossAccount: true, input: async () => ({ registryId: A, repositoryName: REPO }) },
  UploadLayerPart: {
    crossAccount: true,
    input: async () => ({
      registryId: A,
      repositoryName: REPO,
      uploadId: await uploadId(),
      partFirstByte: 0,
      partLastByte: 3,
      layerPartBlob: Buffer.from('abcd').toString('base64'),
    }),
  },
  CompleteLayerUpload: {
    crossAccount: true,
    input: async () => {
      const location = await startUpload(rootApp(), REPO);
      const data = randomBytes(16);
      const patched = await rootApp().inject({
        method: 'PATCH',
        url: location,
        payload: data,
        headers: { 'content-type': 'application/octet-stream' },
      });
      assert.equal(patched.statusCode, 202);
      return {
        registryId: A,
        repositoryName: REPO,
        uploadId: location.split('/').pop(),
        layerDigests: [digestOf(data)],
      };
    },
  },
  GetDownloadUrlForLayer: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: REPO, layerDigest: image.config.digest }),
  },
  SetRepositoryPolicy: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: REPO, policyText: publicPolicy() }),
  },
  GetRepositoryPolicy: { crossAccount: true, input: async () => ({ registryId: A, repositoryName: REPO }) },
  DeleteRepositoryPolicy: { crossAccount: true, input: async () => ({ registryId: A, repositoryName: REPO }) },
  PutRegistryPolicy: { crossAccount: false, input: async () => ({ policyText: publicPolicy() }) },
  GetRegistryPolicy: { crossAccount: false, input: async () => ({}) },
  DeleteRegistryPolicy: { crossAccount: false, input: async () => ({}) },
  // No rules: the call clears the registry's replication (the allowed caller's answer is 200).
  PutReplicationConfiguration: {
    crossAccount: false,
    input: async () => ({ replicationConfiguration: { rules: [] } }),
  },
  DescribeImageReplicationStatus: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: REPO, imageId: { imageTag: 'v1' } }),
  },
  // No rules: signing off (no key needed); Get and Delete answer SigningConfigurationNotFoundException when none is left.
  PutSigningConfiguration: { crossAccount: false, input: async () => ({ signingConfiguration: { rules: [] } }) },
  GetSigningConfiguration: { crossAccount: false, input: async () => ({}) },
  DeleteSigningConfiguration: { crossAccount: false, input: async () => ({}) },
  DescribeImageSigningStatus: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: REPO, imageId: { imageTag: 'v1' } }),
  },
  CreateRepositoryCreationTemplate: {
    crossAccount: false,
    input: async () => ({ prefix: `matrix/c${randomBytes(4).toString('hex')}`, appliedFor: ['CREATE_ON_PUSH'] }),
  },
  DescribeRepositoryCreationTemplates: { crossAccount: false, input: async () => ({}) },
  UpdateRepositoryCreationTemplate: {
    crossAccount: false,
    input: async () => ({ prefix: await freshTemplate(), description: 'updated' }),
  },
  DeleteRepositoryCreationTemplate: { crossAccount: false, input: async () => ({ prefix: await freshTemplate() }) },
  PutLifecyclePolicy: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: REPO, lifecyclePolicyText: LIFECYCLE }),
  },
  GetLifecyclePolicy: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: await withLifecyclePolicy(REPO) }),
  },
  DeleteLifecyclePolicy: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: await withLifecyclePolicy(await fresh()) }),
  },
  StartLifecyclePolicyPreview: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: REPO, lifecyclePolicyText: LIFECYCLE }),
  },
  GetLifecyclePolicyPreview: {
    crossAccount: true,
    input: async () => {
      const { id } = (await test.berth.store.repositories.get(A, REPO))!;
      await test.berth.store.lifecycle.startPreview(id, LIFECYCLE, 1, 0);
      await test.berth.store.lifecycle.finishPreview(id, 1, 'COMPLETE', '{"actions":[],"kept":[]}');
      return { registryId: A, repositoryName: REPO };
    },
  },
  RegisterPullTimeUpdateExclusion: {
    crossAccount: false,
    input: async () => ({ principalArn: `arn:aws:iam::${A}:user/m${randomBytes(4).toString('hex')}` }),
  },
  DeregisterPullTimeUpdateExclusion: {
    crossAccount: false,
    input: async () => {
      const principalArn = `arn:aws:iam::${A}:user/m${randomBytes(4).toString('hex')}`;
      await test.berth.store.lifecycle.addExclusion(A, principalArn, 1);
      return { principalArn };
    },
  },
  ListPullTimeUpdateExclusions: { crossAccount: false, input: async () => ({}) },
  CreatePullThroughCacheRule: {
    crossAccount: false,
    input: async () => ({ ecrRepositoryPrefix: `m${randomBytes(4).toString('hex')}`, upstreamRegistryUrl: 'quay.io' }),
  },
  DescribePullThroughCacheRules: { crossAccount: false, input: async () => ({}) },
  UpdatePullThroughCacheRule: {
    crossAccount: false,
    input: async () => ({ ecrRepositoryPrefix: await freshRule(), customRoleArn: `arn:aws:iam::${A}:role/upstream` }),
  },
  DeletePullThroughCacheRule: { crossAccount: false, input: async () => ({ ecrRepositoryPrefix: await freshRule() }) },
  // The rule's upstream refuses connections at once: the answer is 200 with isValid false.
  ValidatePullThroughCacheRule: {
    crossAccount: false,
    input: async () => ({ ecrRepositoryPrefix: await freshRule() }),
  },
  // A fresh image each time: StartImageScan allows one scan per image a day.
  StartImageScan: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: await fresh(), imageId: { imageTag: 'v1' } }),
  },
  DescribeImageScanFindings: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: await scanned(), imageId: { imageTag: 'v1' } }),
  },
  PutImageScanningConfiguration: {
    crossAccount: true,
    input: async () => ({ registryId: A, repositoryName: REPO, imageScanningConfiguration: { scanOnPush: false } }),
  },
  PutRegistryScanningConfiguration: { crossAccount: false, input: async () => ({ scanType: 'BASIC', rules: [] }) },
  GetRegistryScanningConfiguration: { crossAccount: false, input: async () => ({}) },
  BatchGetRepositoryScanningConfiguration: { crossAccount: false, input: async () => ({ repositoryNames: [REPO] }) },
};

describe('authorization matrix: the ECR API', () => {
  it('has a case for every action the server answers, each an operation of the ECR model', () => {
    assert.deepEqual([...test.berth.ecrActions].sort(), Object.keys(API).sort());
    assert.deepEqual(actionsToWalk('ecr', test.berth.ecrActions).notInModel, []);
  });

  const typeOf = (res: Response) => (res.json() as { __type?: string }).__type;

  for (const [action, spec] of Object.entries(API)) {
    const actions = requiredActions('ecr', action) as Action[];
    it(`${action}: refused without the right, answered (not AccessDenied) with exactly ${actions.join(' + ')}`, async () => {
      await grant(actions);
      const call = async (credentials: Credentials | undefined, options: { date?: Date } = {}) => {
        const input = await spec.input();
        if (!credentials)
          return test.berth.app.inject({
            method: 'POST',
            url: '/',
            headers: {
              'content-type': 'application/x-amz-json-1.1',
              'x-amz-target': `AmazonEC2ContainerRegistry_V20150921.${action}`,
            },
            payload: JSON.stringify(input),
          });
        return callApi(test.berth.app, action, input, { credentials, ...options });
      };
      const refusals: [string, Response, string[]][] = [
        ['unsigned', await call(undefined), ['MissingAuthenticationTokenException']],
        [
          'a wrong secret',
          await call({ ...TEST_ADMIN, secretAccessKey: `${TEST_ADMIN.secretAccessKey.slice(0, -1)}x` }),
          ['InvalidSignatureException'],
        ],
        [
          'an unknown key',
          await call({ accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: TEST_ADMIN.secretAccessKey }),
          ['UnrecognizedClientException'],
        ],
        [
          'an expired signature',
          await call(TEST_ADMIN, { date: new Date(Date.now() - 30 * 60 * 1000) }),
          ['InvalidSignatureException'],
        ],
        ['a user of the account with no policy', await call(keys.nobody), ['AccessDeniedException']],
        ['a user allowed everything but these actions', await call(keys.allBut), ['AccessDeniedException']],
      ];
      if (spec.crossAccount)
        refusals.push(["another account's root", await call(keys.otherRoot), ['AccessDeniedException']]);
      cells += refusals.length + 1;
      for (const [who, res, types] of refusals) {
        assert.ok(
          res.statusCode === 400 || res.statusCode === 403,
          `${action} for ${who}: ${res.statusCode} ${res.body}`,
        );
        assert.ok(types.includes(typeOf(res) ?? ''), `${action} for ${who}: ${res.body}`);
        assert.deepEqual(
          Object.keys(res.json() as object).sort(),
          ['__type', 'message'],
          `${action} for ${who} answers only the error`,
        );
      }
      const allowed = await call(keys.exact);
      assert.notEqual(
        typeOf(allowed),
        'AccessDeniedException',
        `${action} for a user allowed exactly ${actions.join(', ')}: ${allowed.body}`,
      );
      assert.equal(
        allowed.statusCode,
        200,
        `${action} for a user allowed exactly ${actions.join(', ')}: ${allowed.body}`,
      );
      // Each needed action withheld alone refuses the call, and the denial names it.
      for (const needed of actions) {
        await test.berth.userPolicies.putUserPolicy(
          A,
          'allbut',
          'matrix',
          policy({ Effect: 'Allow', NotAction: [needed], Resource: '*' }),
        );
        const res = await call(keys.allBut);
        cells++;
        assert.equal(
          typeOf(res),
          'AccessDeniedException',
          `${action} for a user allowed everything but ${needed}: ${res.body}`,
        );
        assert.ok(
          namesDenial((res.json() as { message: string }).message, needed, exception('ecr', action)?.resource),
          `${action}: the denial names ${needed}: ${res.body}`,
        );
      }
    });
  }
});

describe('the download URLs of GetDownloadUrlForLayer', () => {
  it('are signed capabilities: a forged token is refused, whoever asks', async () => {
    const res = await test.berth.app.inject({ url: `/layers/forged.${'A'.repeat(43)}` });
    assert.equal(res.statusCode, 403);
    assert.ok(!res.body.includes('architecture'));
    // The one with a token from an allowed caller serves the layer.
    await grant([Actions.GetDownloadUrlForLayer]);
    const issued = await callApi(
      test.berth.app,
      'GetDownloadUrlForLayer',
      { repositoryName: REPO, layerDigest: image.config.digest },
      { credentials: keys.exact },
    );
    const url = new URL((issued.json() as { downloadUrl: string }).downloadUrl);
    assert.equal((await test.berth.app.inject({ url: url.pathname })).statusCode, 200);
  });
});

describe('the matrix', () => {
  it('size', (t) => {
    t.diagnostic(
      `authorization matrix: ${cells} cells over ${Object.keys(ROUTES).length} registry routes and ${Object.keys(API).length} ECR actions`,
    );
    assert.ok(cells >= Object.keys(ROUTES).length * 7 + Object.keys(API).length * 7);
  });
});
