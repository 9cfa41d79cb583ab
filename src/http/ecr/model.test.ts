// Berth's ECR API held against the service model, both ways: its exceptions are the model's,
// the actions it answers are the model's operations and raise only their operations' errors,
// its validators accept exactly what the model's constraints accept, and its outputs are the
// model's shapes member for member.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import * as ECR from '@aws-sdk/client-ecr';
import type { z } from 'zod';
import { ACCOUNT_SETTINGS } from '../../domain/account-settings.js';
import { MAX_RESOURCE_TAGS, MAX_TAG_KEY_LENGTH, MAX_TAG_VALUE_LENGTH } from '../../domain/resource-tags.js';
import {
  EXCLUSION_FILTER_PATTERN,
  IMAGE_TAG_MUTABILITIES,
  MAX_EXCLUSION_FILTERS,
} from '../../domain/tag-mutability.js';
import {
  docText,
  ECR_MODEL_PATH,
  loadEcrModel,
  mutations,
  violations,
  type ServiceModel,
} from '../../testing/ecr-model.js';
import { ecrClient, RegistryHttp } from '../../testing/ecr-http.js';
import { startBerth, type TestBerth } from '../../testing/server.js';
import { accountInputs } from './actions/account.js';
import { creationTemplateInputs } from './actions/creation-templates.js';
import { lifecycleInputs } from './actions/lifecycle.js';
import { policyInputs } from './actions/policies.js';
import { pullThroughInputs } from './actions/pull-through.js';
import { replicationInputs } from './actions/replication.js';
import { signingInputs } from './actions/signing.js';
import { scanningInputs } from './actions/scanning.js';
import { repositoryInputs } from './actions/repositories.js';
import { storageClassInputs } from './actions/storage-classes.js';
import { PROTOCOL_EXCEPTIONS } from '../aws-json/errors.js';
import { resourceTagInputs } from '../aws-json/registry-api/resource-tags.js';
import { MODEL_EXCEPTIONS } from './errors.js';

const loaded = loadEcrModel();
if (!loaded && process.env.CI === 'true') {
  test('the ECR model is present under CI', () =>
    assert.fail(`${ECR_MODEL_PATH} is missing: CI must check out shared/ beside the clone`));
}
const skip = loaded ? false : `the ECR model is not at ${ECR_MODEL_PATH}`;
const model = loaded as ServiceModel;

const ARN = 'arn:aws:ecr:us-east-1:123456789012:repository/team/app';
const FILTERS = [{ filterType: 'WILDCARD', filter: 'v*' }];
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/hub-AbCdEf';
/** The inputs of the actions this branch implements, each a valid request using every member. */
const BASES: Record<string, [z.ZodType, Record<string, unknown>]> = {
  CreateRepository: [
    repositoryInputs.CreateRepository,
    {
      registryId: '123456789012',
      repositoryName: 'team/app',
      tags: [{ Key: 'k', Value: 'v' }],
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: FILTERS,
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'alias/k' },
    },
  ],
  DescribeRepositories: [
    repositoryInputs.DescribeRepositories,
    { registryId: '123456789012', repositoryNames: ['team/app'], nextToken: 'token', maxResults: 10 },
  ],
  DeleteRepository: [
    repositoryInputs.DeleteRepository,
    { registryId: '123456789012', repositoryName: 'team/app', force: true },
  ],
  PutImageTagMutability: [
    repositoryInputs.PutImageTagMutability,
    {
      registryId: '123456789012',
      repositoryName: 'team/app',
      imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: FILTERS,
    },
  ],
  TagResource: [resourceTagInputs.TagResource, { resourceArn: ARN, tags: [{ Key: 'k', Value: 'v' }] }],
  UntagResource: [resourceTagInputs.UntagResource, { resourceArn: ARN, tagKeys: ['k'] }],
  ListTagsForResource: [resourceTagInputs.ListTagsForResource, { resourceArn: ARN }],
  DescribeRegistry: [accountInputs.DescribeRegistry, {}],
  GetAccountSetting: [accountInputs.GetAccountSetting, { name: 'BLOB_MOUNTING' }],
  PutAccountSetting: [accountInputs.PutAccountSetting, { name: 'BLOB_MOUNTING', value: 'ENABLED' }],
  PutReplicationConfiguration: [
    replicationInputs.PutReplicationConfiguration,
    {
      replicationConfiguration: {
        rules: [
          {
            destinations: [{ region: 'us-west-2', registryId: '123456789012' }],
            repositoryFilters: [{ filter: 'team', filterType: 'PREFIX_MATCH' }],
          },
        ],
      },
    },
  ],
  DescribeImageReplicationStatus: [
    replicationInputs.DescribeImageReplicationStatus,
    {
      repositoryName: 'team/app',
      imageId: { imageDigest: `sha256:${'a'.repeat(64)}`, imageTag: 'v1' },
      registryId: '123456789012',
    },
  ],
  PutSigningConfiguration: [
    signingInputs.PutSigningConfiguration,
    {
      signingConfiguration: {
        rules: [
          {
            signingProfileArn: 'arn:aws:signer:us-east-1:123456789012:/signing-profiles/release',
            repositoryFilters: [{ filter: 'team/*', filterType: 'WILDCARD_MATCH' }],
          },
        ],
      },
    },
  ],
  GetSigningConfiguration: [signingInputs.GetSigningConfiguration, {}],
  DeleteSigningConfiguration: [signingInputs.DeleteSigningConfiguration, {}],
  DescribeImageSigningStatus: [
    signingInputs.DescribeImageSigningStatus,
    {
      repositoryName: 'team/app',
      imageId: { imageDigest: `sha256:${'a'.repeat(64)}`, imageTag: 'v1' },
      registryId: '123456789012',
    },
  ],
  StartImageScan: [
    scanningInputs.StartImageScan,
    {
      registryId: '123456789012',
      repositoryName: 'team/app',
      imageId: { imageDigest: `sha256:${'a'.repeat(64)}`, imageTag: 'v1' },
    },
  ],
  DescribeImageScanFindings: [
    scanningInputs.DescribeImageScanFindings,
    {
      registryId: '123456789012',
      repositoryName: 'team/app',
      imageId: { imageTag: 'v1' },
      nextToken: 'token',
      maxResults: 10,
    },
  ],
  PutImageScanningConfiguration: [
    scanningInputs.PutImageScanningConfiguration,
    { registryId: '123456789012', repositoryName: 'team/app', imageScanningConfiguration: { scanOnPush: true } },
  ],
  PutRegistryScanningConfiguration: [
    scanningInputs.PutRegistryScanningConfiguration,
    {
      scanType: 'BASIC',
      rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: 'team/*', filterType: 'WILDCARD' }] }],
    },
  ],
  GetRegistryScanningConfiguration: [scanningInputs.GetRegistryScanningConfiguration, {}],
  BatchGetRepositoryScanningConfiguration: [
    scanningInputs.BatchGetRepositoryScanningConfiguration,
    { repositoryNames: ['team/app'] },
  ],
  SetRepositoryPolicy: [
    policyInputs.SetRepositoryPolicy,
    { registryId: '123456789012', repositoryName: 'team/app', policyText: '{}', force: true },
  ],
  GetRepositoryPolicy: [policyInputs.GetRepositoryPolicy, { registryId: '123456789012', repositoryName: 'team/app' }],
  DeleteRepositoryPolicy: [
    policyInputs.DeleteRepositoryPolicy,
    { registryId: '123456789012', repositoryName: 'team/app' },
  ],
  PutRegistryPolicy: [policyInputs.PutRegistryPolicy, { policyText: '{}' }],
  GetRegistryPolicy: [policyInputs.GetRegistryPolicy, {}],
  DeleteRegistryPolicy: [policyInputs.DeleteRegistryPolicy, {}],
  CreateRepositoryCreationTemplate: [
    creationTemplateInputs.CreateRepositoryCreationTemplate,
    {
      prefix: 'team',
      description: 'd',
      encryptionConfiguration: {
        encryptionType: 'KMS',
        kmsKey: 'arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-0000-1111-2222-333344445555',
      },
      resourceTags: [{ Key: 'k', Value: 'v' }],
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: FILTERS,
      repositoryPolicy: '{}',
      lifecyclePolicy: '{}',
      appliedFor: ['CREATE_ON_PUSH'],
      customRoleArn: 'arn:aws:iam::123456789012:role/r',
    },
  ],
  DescribeRepositoryCreationTemplates: [
    creationTemplateInputs.DescribeRepositoryCreationTemplates,
    { prefixes: ['team', 'ROOT'], nextToken: 'token', maxResults: 10 },
  ],
  UpdateRepositoryCreationTemplate: [
    creationTemplateInputs.UpdateRepositoryCreationTemplate,
    {
      prefix: 'team/',
      description: 'd',
      encryptionConfiguration: { encryptionType: 'AES256' },
      resourceTags: [{ Key: 'k', Value: 'v' }],
      imageTagMutability: 'MUTABLE',
      imageTagMutabilityExclusionFilters: FILTERS,
      repositoryPolicy: '{}',
      lifecyclePolicy: '{}',
      appliedFor: ['REPLICATION', 'PULL_THROUGH_CACHE'],
      customRoleArn: 'arn:aws:iam::123456789012:role/r',
    },
  ],
  DeleteRepositoryCreationTemplate: [creationTemplateInputs.DeleteRepositoryCreationTemplate, { prefix: 'ROOT' }],
  UpdateImageStorageClass: [
    storageClassInputs.UpdateImageStorageClass,
    {
      registryId: '123456789012',
      repositoryName: 'team/app',
      imageId: { imageDigest: `sha256:${'a'.repeat(64)}`, imageTag: 'v1' },
      targetStorageClass: 'ARCHIVE',
    },
  ],
  PutLifecyclePolicy: [
    lifecycleInputs.PutLifecyclePolicy,
    { registryId: '123456789012', repositoryName: 'team/app', lifecyclePolicyText: 'x'.repeat(100) },
  ],
  GetLifecyclePolicy: [lifecycleInputs.GetLifecyclePolicy, { registryId: '123456789012', repositoryName: 'team/app' }],
  DeleteLifecyclePolicy: [
    lifecycleInputs.DeleteLifecyclePolicy,
    { registryId: '123456789012', repositoryName: 'team/app' },
  ],
  StartLifecyclePolicyPreview: [
    lifecycleInputs.StartLifecyclePolicyPreview,
    { registryId: '123456789012', repositoryName: 'team/app', lifecyclePolicyText: 'x'.repeat(100) },
  ],
  GetLifecyclePolicyPreview: [
    lifecycleInputs.GetLifecyclePolicyPreview,
    {
      registryId: '123456789012',
      repositoryName: 'team/app',
      imageIds: [{ imageTag: 'v1' }],
      nextToken: 'token',
      maxResults: 10,
      filter: { tagStatus: 'TAGGED' },
    },
  ],
  RegisterPullTimeUpdateExclusion: [
    lifecycleInputs.RegisterPullTimeUpdateExclusion,
    { principalArn: 'arn:aws:iam::123456789012:role/node' },
  ],
  DeregisterPullTimeUpdateExclusion: [
    lifecycleInputs.DeregisterPullTimeUpdateExclusion,
    { principalArn: 'arn:aws:iam::123456789012:role/node' },
  ],
  ListPullTimeUpdateExclusions: [lifecycleInputs.ListPullTimeUpdateExclusions, { maxResults: 10, nextToken: 'token' }],
  CreatePullThroughCacheRule: [
    pullThroughInputs.CreatePullThroughCacheRule,
    {
      ecrRepositoryPrefix: 'hub',
      upstreamRegistryUrl: 'registry-1.docker.io',
      registryId: '123456789012',
      upstreamRegistry: 'docker-hub',
      credentialArn: SECRET_ARN,
      customRoleArn: 'arn:aws:iam::123456789012:role/r',
      upstreamRepositoryPrefix: 'library',
    },
  ],
  DescribePullThroughCacheRules: [
    pullThroughInputs.DescribePullThroughCacheRules,
    { registryId: '123456789012', ecrRepositoryPrefixes: ['hub', 'ROOT'], nextToken: 'token', maxResults: 10 },
  ],
  UpdatePullThroughCacheRule: [
    pullThroughInputs.UpdatePullThroughCacheRule,
    {
      registryId: '123456789012',
      ecrRepositoryPrefix: 'hub/',
      credentialArn: SECRET_ARN,
      customRoleArn: 'arn:aws:iam::123456789012:role/r',
    },
  ],
  DeletePullThroughCacheRule: [
    pullThroughInputs.DeletePullThroughCacheRule,
    { ecrRepositoryPrefix: 'ROOT', registryId: '123456789012' },
  ],
  ValidatePullThroughCacheRule: [
    pullThroughInputs.ValidatePullThroughCacheRule,
    { ecrRepositoryPrefix: 'hub', registryId: '123456789012' },
  ],
};
/** A valid lifecycle policy text. */
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
const POLICY = (account: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Pull',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: ['ecr:BatchGetImage'],
      },
    ],
  });

describe('the ECR model', { skip }, () => {
  let server: TestBerth;
  let client: ECR.ECRClient;
  let account: string;
  /** The raw JSON of the last response the client received. */
  let lastBody = '';

  before(async () => {
    // A closed port on loopback as an upstream: a rule's validation fails at once, without the network.
    server = await startBerth({
      settings: { auth: { mode: 'iam' }, pullThroughCache: { allowedHosts: ['127.0.0.1:1', 'quay.io'] } },
    });
    account = server.berth.accountId;
    client = ecrClient(server.url);
    // Keeps the raw body (before the SDK drops members it does not know) for the output checks.
    client.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        const response = out.response as { body: AsyncIterable<Buffer> };
        const chunks: Buffer[] = [];
        for await (const chunk of response.body) chunks.push(Buffer.from(chunk));
        lastBody = Buffer.concat(chunks).toString('utf8');
        response.body = Readable.from([Buffer.from(lastBody)]);
        return out;
      },
      { step: 'deserialize', priority: 'low', name: 'keepRawBody' },
    );
  });
  after(async () => {
    client?.destroy();
    await server?.close();
  });

  /** Sends operation `op` through the SDK's own command class. */
  function send(op: string, input: object): Promise<unknown> {
    const Command = (
      ECR as unknown as Record<
        string,
        new (
          input: object,
        ) => ECR.ECRClient extends { send(c: infer C): unknown } ? C : never
      >
    )[`${op}Command`];
    assert.ok(Command, `the SDK has no ${op}Command`);
    return client.send(new Command(input) as never);
  }

  test("every exception Berth raises by the model's name is an exception of the model", () => {
    for (const name of MODEL_EXCEPTIONS)
      assert.equal(model.shapes[name]?.exception, true, `${name} is not an exception shape of the model`);
    for (const name of Object.keys(PROTOCOL_EXCEPTIONS)) {
      if (model.shapes[name])
        assert.equal(model.shapes[name]!.exception, true, `${name} is a model shape but not an exception`);
    }
  });

  test('every action Berth answers is an operation of the model, and the others are UnknownOperationException', async () => {
    for (const action of server.berth.ecrActions)
      assert.ok(model.operations[action], `${action} is not an operation of the model`);
    for (const action of Object.keys(BASES))
      assert.ok(server.berth.ecrActions.includes(action), `${action} is not served`);
    for (const op of Object.keys(model.operations)) {
      if (server.berth.ecrActions.includes(op) || !(`${op}Command` in ECR)) continue;
      const outcome = await send(op, {}).then(
        () => 'answered',
        (err: Error) => err.name,
      );
      assert.equal(outcome, 'UnknownOperationException', `${op} is not implemented, but answered ${outcome}`);
    }
  });

  describe('every refusal of an action is an error the model lists for its operation', () => {
    const name = (suffix: string) => `model/${suffix}`;
    const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    const elsewhere = (suffix: string) => `arn:aws:ecr:us-east-1:000000000000:repository/${name(suffix)}`;
    const probes: [string, () => object, string][] = [
      ['CreateRepository', () => ({ repositoryName: 'Bad' }), 'InvalidParameterException'],
      [
        'CreateRepository',
        () => ({ repositoryName: name('c'), tags: [{ Key: 'aws:x', Value: 'v' }] }),
        'InvalidTagParameterException',
      ],
      ['CreateRepository', () => ({ repositoryName: name('c'), tags: tags(51) }), 'TooManyTagsException'],
      ['CreateRepository', () => ({ repositoryName: name('taken') }), 'RepositoryAlreadyExistsException'],
      ['CreateRepository', () => ({ repositoryName: name('c'), registryId: '000000000000' }), 'AccessDeniedException'],
      ['DescribeRepositories', () => ({ maxResults: 0 }), 'InvalidParameterException'],
      ['DescribeRepositories', () => ({ repositoryNames: [name('missing')] }), 'RepositoryNotFoundException'],
      ['DescribeRepositories', () => ({ registryId: '000000000000' }), 'AccessDeniedException'],
      ['DeleteRepository', () => ({ repositoryName: 'Bad' }), 'InvalidParameterException'],
      ['DeleteRepository', () => ({ repositoryName: name('missing') }), 'RepositoryNotFoundException'],
      ['DeleteRepository', () => ({ repositoryName: name('full') }), 'RepositoryNotEmptyException'],
      [
        'DeleteRepository',
        () => ({ repositoryName: name('full'), registryId: '000000000000' }),
        'AccessDeniedException',
      ],
      [
        'PutImageTagMutability',
        () => ({ repositoryName: name('missing'), imageTagMutability: 'MUTABLE' }),
        'RepositoryNotFoundException',
      ],
      [
        'PutImageTagMutability',
        () => ({ repositoryName: name('taken'), imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION' }),
        'InvalidParameterException',
      ],
      [
        'PutImageTagMutability',
        () => ({ repositoryName: name('taken'), imageTagMutability: 'MUTABLE', registryId: '000000000000' }),
        'AccessDeniedException',
      ],
      ['TagResource', () => ({ resourceArn: 'nope', tags: [] }), 'InvalidParameterException'],
      [
        'TagResource',
        () => ({ resourceArn: arnOf('taken'), tags: [{ Key: '', Value: '' }] }),
        'InvalidTagParameterException',
      ],
      ['TagResource', () => ({ resourceArn: arnOf('taken'), tags: tags(51) }), 'TooManyTagsException'],
      ['TagResource', () => ({ resourceArn: arnOf('missing'), tags: [] }), 'RepositoryNotFoundException'],
      ['TagResource', () => ({ resourceArn: elsewhere('taken'), tags: [] }), 'AccessDeniedException'],
      ['UntagResource', () => ({ resourceArn: 'nope', tagKeys: [] }), 'InvalidParameterException'],
      ['UntagResource', () => ({ resourceArn: arnOf('taken'), tagKeys: ['aws:x'] }), 'InvalidTagParameterException'],
      ['UntagResource', () => ({ resourceArn: arnOf('missing'), tagKeys: [] }), 'RepositoryNotFoundException'],
      ['UntagResource', () => ({ resourceArn: elsewhere('taken'), tagKeys: [] }), 'AccessDeniedException'],
      ['ListTagsForResource', () => ({ resourceArn: 'nope' }), 'InvalidParameterException'],
      ['ListTagsForResource', () => ({ resourceArn: arnOf('missing') }), 'RepositoryNotFoundException'],
      ['ListTagsForResource', () => ({ resourceArn: elsewhere('taken') }), 'AccessDeniedException'],
      ['GetAccountSetting', () => ({ name: 'NOPE' }), 'ValidationException'],
      ['GetAccountSetting', () => ({ name: '' }), 'InvalidParameterException'],
      ['PutAccountSetting', () => ({ name: 'BLOB_MOUNTING', value: 'MAYBE' }), 'ValidationException'],
      ['PutAccountSetting', () => ({ name: '', value: 'x' }), 'InvalidParameterException'],
      [
        'SetRepositoryPolicy',
        () => ({ repositoryName: name('taken'), policyText: '{"Statement":[]}' }),
        'InvalidParameterException',
      ],
      [
        'SetRepositoryPolicy',
        () => ({ repositoryName: name('missing'), policyText: POLICY(account) }),
        'RepositoryNotFoundException',
      ],
      [
        'SetRepositoryPolicy',
        () => ({ repositoryName: name('taken'), policyText: POLICY(account), registryId: '000000000000' }),
        'AccessDeniedException',
      ],
      ['GetRepositoryPolicy', () => ({ repositoryName: 'Bad' }), 'InvalidParameterException'],
      ['GetRepositoryPolicy', () => ({ repositoryName: name('missing') }), 'RepositoryNotFoundException'],
      ['GetRepositoryPolicy', () => ({ repositoryName: name('taken') }), 'RepositoryPolicyNotFoundException'],
      [
        'GetRepositoryPolicy',
        () => ({ repositoryName: name('taken'), registryId: '000000000000' }),
        'AccessDeniedException',
      ],
      ['DeleteRepositoryPolicy', () => ({ repositoryName: 'Bad' }), 'InvalidParameterException'],
      ['DeleteRepositoryPolicy', () => ({ repositoryName: name('missing') }), 'RepositoryNotFoundException'],
      ['DeleteRepositoryPolicy', () => ({ repositoryName: name('taken') }), 'RepositoryPolicyNotFoundException'],
      [
        'DeleteRepositoryPolicy',
        () => ({ repositoryName: name('taken'), registryId: '000000000000' }),
        'AccessDeniedException',
      ],
      [
        'PutRegistryPolicy',
        () => ({ policyText: '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ecr:*"}}' }),
        'InvalidParameterException',
      ],
      ['GetRegistryPolicy', () => ({}), 'RegistryPolicyNotFoundException'],
      ['DeleteRegistryPolicy', () => ({}), 'RegistryPolicyNotFoundException'],
      [
        'CreateRepositoryCreationTemplate',
        () => ({ prefix: 'Model', appliedFor: ['CREATE_ON_PUSH'] }),
        'InvalidParameterException',
      ],
      [
        'CreateRepositoryCreationTemplate',
        () => ({ prefix: name('template'), appliedFor: ['CREATE_ON_PUSH'] }),
        'TemplateAlreadyExistsException',
      ],
      ['DescribeRepositoryCreationTemplates', () => ({ maxResults: 0 }), 'InvalidParameterException'],
      [
        'UpdateRepositoryCreationTemplate',
        () => ({ prefix: name('template'), appliedFor: [] }),
        'InvalidParameterException',
      ],
      ['UpdateRepositoryCreationTemplate', () => ({ prefix: name('missing') }), 'TemplateNotFoundException'],
      ['DeleteRepositoryCreationTemplate', () => ({ prefix: '' }), 'InvalidParameterException'],
      ['DeleteRepositoryCreationTemplate', () => ({ prefix: name('missing') }), 'TemplateNotFoundException'],
      ...(
        [
          [{ repositoryName: 'Bad' }, 'InvalidParameterException'],
          [{ repositoryName: name('missing') }, 'RepositoryNotFoundException'],
          [{ imageId: { imageTag: 'missing' } }, 'ImageNotFoundException'],
          // Archiving an image while it is being restored.
          [{ repositoryName: name('restoring') }, 'ImageStorageClassUpdateNotSupportedException'],
          [{ registryId: '000000000000' }, 'AccessDeniedException'],
        ] as const
      ).map(
        ([input, expected]) =>
          [
            'UpdateImageStorageClass',
            () => ({
              repositoryName: name('full'),
              imageId: { imageTag: 'v1' },
              targetStorageClass: 'ARCHIVE',
              ...input,
            }),
            expected,
          ] as [string, () => object, string],
      ),
      [
        'PutLifecyclePolicy',
        () => ({ repositoryName: name('taken'), lifecyclePolicyText: 'x'.repeat(100) }),
        'InvalidParameterException',
      ],
      [
        'PutLifecyclePolicy',
        () => ({ repositoryName: name('missing'), lifecyclePolicyText: LIFECYCLE }),
        'RepositoryNotFoundException',
      ],
      [
        'PutLifecyclePolicy',
        () => ({ repositoryName: name('taken'), lifecyclePolicyText: LIFECYCLE, registryId: '000000000000' }),
        'AccessDeniedException',
      ],
      ...(['GetLifecyclePolicy', 'DeleteLifecyclePolicy', 'StartLifecyclePolicyPreview'] as const).flatMap(
        (op): [string, () => object, string][] => [
          [op, () => ({ repositoryName: 'Bad' }), 'InvalidParameterException'],
          [op, () => ({ repositoryName: name('missing') }), 'RepositoryNotFoundException'],
          [op, () => ({ repositoryName: name('taken') }), 'LifecyclePolicyNotFoundException'],
          [op, () => ({ repositoryName: name('taken'), registryId: '000000000000' }), 'AccessDeniedException'],
        ],
      ),
      ['GetLifecyclePolicyPreview', () => ({ repositoryName: 'Bad' }), 'InvalidParameterException'],
      ['GetLifecyclePolicyPreview', () => ({ repositoryName: name('missing') }), 'RepositoryNotFoundException'],
      [
        'GetLifecyclePolicyPreview',
        () => ({ repositoryName: name('taken') }),
        'LifecyclePolicyPreviewNotFoundException',
      ],
      [
        'GetLifecyclePolicyPreview',
        () => ({ repositoryName: name('taken'), registryId: '000000000000' }),
        'AccessDeniedException',
      ],
      [
        'RegisterPullTimeUpdateExclusion',
        () => ({ principalArn: 'arn:aws:iam::1:group/x' }),
        'InvalidParameterException',
      ],
      ['RegisterPullTimeUpdateExclusion', () => ({ principalArn: excluded() }), 'ExclusionAlreadyExistsException'],
      ['DeregisterPullTimeUpdateExclusion', () => ({ principalArn: 'nope' }), 'InvalidParameterException'],
      [
        'DeregisterPullTimeUpdateExclusion',
        () => ({ principalArn: `arn:aws:iam::${account}:user/never-excluded` }),
        'ExclusionNotFoundException',
      ],
      ['ListPullTimeUpdateExclusions', () => ({ maxResults: 0 }), 'InvalidParameterException'],
      [
        'PutReplicationConfiguration',
        () => ({ replicationConfiguration: { rules: [{ destinations: [{ region: 'x', registryId: '1' }] }] } }),
        'InvalidParameterException',
      ],
      [
        'PutReplicationConfiguration',
        () => ({
          replicationConfiguration: { rules: [{ destinations: [{ region: 'us-east-1', registryId: account }] }] },
        }),
        'InvalidParameterException',
      ],
      [
        'PutReplicationConfiguration',
        () => ({
          replicationConfiguration: {
            rules: [
              {
                destinations: Array.from({ length: 26 }, (_, i) => ({
                  region: 'us-east-1',
                  registryId: String(100_000_000_000 + i),
                })),
              },
            ],
          },
        }),
        'ValidationException',
      ],
      [
        'PutSigningConfiguration',
        () => ({
          signingConfiguration: {
            rules: [{ signingProfileArn: `arn:aws:signer:us-east-1:${account}:/signing-profiles/no_such_key` }],
          },
        }),
        'InvalidParameterException',
      ],
      ['GetSigningConfiguration', () => ({}), 'SigningConfigurationNotFoundException'],
      ['DeleteSigningConfiguration', () => ({}), 'SigningConfigurationNotFoundException'],
      [
        'DescribeImageSigningStatus',
        () => ({ repositoryName: 'Bad', imageId: { imageTag: 'v1' } }),
        'InvalidParameterException',
      ],
      [
        'DescribeImageSigningStatus',
        () => ({ repositoryName: name('missing'), imageId: { imageTag: 'v1' } }),
        'RepositoryNotFoundException',
      ],
      [
        'DescribeImageSigningStatus',
        () => ({ repositoryName: name('full'), imageId: { imageTag: 'nope' } }),
        'ImageNotFoundException',
      ],
      [
        'DescribeImageSigningStatus',
        () => ({ repositoryName: name('full'), imageId: { imageTag: 'v1' }, registryId: '000000000000' }),
        'AccessDeniedException',
      ],
      [
        'DescribeImageReplicationStatus',
        () => ({ repositoryName: 'Bad', imageId: { imageTag: 'v1' } }),
        'InvalidParameterException',
      ],
      [
        'DescribeImageReplicationStatus',
        () => ({ repositoryName: name('missing'), imageId: { imageTag: 'v1' } }),
        'RepositoryNotFoundException',
      ],
      [
        'DescribeImageReplicationStatus',
        () => ({ repositoryName: name('full'), imageId: { imageTag: 'nope' } }),
        'ImageNotFoundException',
      ],
      [
        'DescribeImageReplicationStatus',
        () => ({ repositoryName: name('full'), imageId: { imageTag: 'v1' }, registryId: '000000000000' }),
        'AccessDeniedException',
      ],
      [
        'CreatePullThroughCacheRule',
        () => ({ ecrRepositoryPrefix: 'A', upstreamRegistryUrl: 'quay.io' }),
        'InvalidParameterException',
      ],
      [
        'CreatePullThroughCacheRule',
        () => ({ ecrRepositoryPrefix: 'model-ptc-new', upstreamRegistryUrl: 'registry.example.com' }),
        'UnsupportedUpstreamRegistryException',
      ],
      [
        'CreatePullThroughCacheRule',
        () => ({ ecrRepositoryPrefix: 'model-ptc', upstreamRegistryUrl: 'quay.io' }),
        'PullThroughCacheRuleAlreadyExistsException',
      ],
      [
        'CreatePullThroughCacheRule',
        () => ({
          ecrRepositoryPrefix: 'model-ptc-new',
          upstreamRegistryUrl: 'quay.io',
          credentialArn: missingSecret(),
        }),
        'SecretNotFoundException',
      ],
      [
        'CreatePullThroughCacheRule',
        () => ({ ecrRepositoryPrefix: 'model-ptc-new', upstreamRegistryUrl: 'quay.io', registryId: '000000000000' }),
        'AccessDeniedException',
      ],
      ['DescribePullThroughCacheRules', () => ({ maxResults: 0 }), 'InvalidParameterException'],
      [
        'DescribePullThroughCacheRules',
        () => ({ ecrRepositoryPrefixes: ['model-missing'] }),
        'PullThroughCacheRuleNotFoundException',
      ],
      ['UpdatePullThroughCacheRule', () => ({ ecrRepositoryPrefix: 'model-ptc' }), 'InvalidParameterException'],
      [
        'UpdatePullThroughCacheRule',
        () => ({ ecrRepositoryPrefix: 'model-missing', customRoleArn: `arn:aws:iam::${account}:role/r` }),
        'PullThroughCacheRuleNotFoundException',
      ],
      [
        'UpdatePullThroughCacheRule',
        () => ({ ecrRepositoryPrefix: 'model-ptc', credentialArn: missingSecret() }),
        'SecretNotFoundException',
      ],
      ['DeletePullThroughCacheRule', () => ({ ecrRepositoryPrefix: '' }), 'InvalidParameterException'],
      [
        'DeletePullThroughCacheRule',
        () => ({ ecrRepositoryPrefix: 'model-missing' }),
        'PullThroughCacheRuleNotFoundException',
      ],
      ['ValidatePullThroughCacheRule', () => ({ ecrRepositoryPrefix: 'x' }), 'InvalidParameterException'],
      [
        'ValidatePullThroughCacheRule',
        () => ({ ecrRepositoryPrefix: 'model-missing' }),
        'PullThroughCacheRuleNotFoundException',
      ],
      ['StartImageScan', () => ({ repositoryName: 'Bad', imageId: { imageTag: 'v1' } }), 'InvalidParameterException'],
      [
        'StartImageScan',
        () => ({ repositoryName: name('missing'), imageId: { imageTag: 'v1' } }),
        'RepositoryNotFoundException',
      ],
      [
        'StartImageScan',
        () => ({ repositoryName: name('full'), imageId: { imageTag: 'nope' } }),
        'ImageNotFoundException',
      ],
      // The before hook scanned full:v1 already: one scan per image a day.
      [
        'StartImageScan',
        () => ({ repositoryName: name('full'), imageId: { imageTag: 'v1' } }),
        'LimitExceededException',
      ],
      [
        'StartImageScan',
        () => ({ repositoryName: name('full'), imageId: { imageTag: 'v1' }, registryId: '000000000000' }),
        'AccessDeniedException',
      ],
      [
        'DescribeImageScanFindings',
        () => ({ repositoryName: 'Bad', imageId: { imageTag: 'v1' } }),
        'InvalidParameterException',
      ],
      [
        'DescribeImageScanFindings',
        () => ({ repositoryName: name('missing'), imageId: { imageTag: 'v1' } }),
        'RepositoryNotFoundException',
      ],
      [
        'DescribeImageScanFindings',
        () => ({ repositoryName: name('full'), imageId: { imageTag: 'nope' } }),
        'ImageNotFoundException',
      ],
      [
        'DescribeImageScanFindings',
        () => ({ repositoryName: name('restoring'), imageId: { imageTag: 'v1' } }),
        'ScanNotFoundException',
      ],
      [
        'DescribeImageScanFindings',
        () => ({ repositoryName: name('full'), imageId: { imageTag: 'v1' }, registryId: '000000000000' }),
        'AccessDeniedException',
      ],
      [
        'PutImageScanningConfiguration',
        () => ({ repositoryName: 'Bad', imageScanningConfiguration: { scanOnPush: true } }),
        'InvalidParameterException',
      ],
      [
        'PutImageScanningConfiguration',
        () => ({ repositoryName: name('missing'), imageScanningConfiguration: { scanOnPush: true } }),
        'RepositoryNotFoundException',
      ],
      [
        'PutImageScanningConfiguration',
        () => ({ repositoryName: name('taken'), imageScanningConfiguration: {}, registryId: '000000000000' }),
        'AccessDeniedException',
      ],
      ['PutRegistryScanningConfiguration', () => ({ scanType: 'ENHANCED' }), 'ValidationException'],
      [
        'PutRegistryScanningConfiguration',
        () => ({
          rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: 'x', filterType: 'PREFIX_MATCH' }] }],
        }),
        'InvalidParameterException',
      ],
      ['BatchGetRepositoryScanningConfiguration', () => ({ repositoryNames: [] }), 'InvalidParameterException'],
    ];
    const missingSecret = () => `arn:aws:secretsmanager:us-east-1:${account}:secret:ecr-pullthroughcache/none-AbCdEf`;
    const excluded = () => `arn:aws:iam::${account}:user/excluded`;
    const arnOf = (suffix: string) => `arn:aws:ecr:us-east-1:${account}:repository/${name(suffix)}`;

    before(async () => {
      await send('CreateRepository', { repositoryName: name('taken') });
      await send('CreateRepositoryCreationTemplate', { prefix: name('template'), appliedFor: ['REPLICATION'] });
      const registry = await RegistryHttp.login(server.url, client);
      await registry.push(name('full'), 'v1');
      await send('StartImageScan', { repositoryName: name('full'), imageId: { imageTag: 'v1' } });
      // An image being restored (ACTIVATING), as a restore that has not finished leaves it.
      await registry.push(name('restoring'), 'v1');
      const { store } = server.berth;
      const repository = (await store.repositories.get(account, name('restoring')))!;
      const digest = (await store.tags.resolve(repository.id, 'v1'))!.digest;
      await store.archive.transition(repository.id, digest, 'ACTIVE', 'ARCHIVED', Date.now());
      await store.archive.transition(repository.id, digest, 'ARCHIVED', 'ACTIVATING', Date.now());
      await send('RegisterPullTimeUpdateExclusion', { principalArn: excluded() });
      await send('CreatePullThroughCacheRule', { ecrRepositoryPrefix: 'model-ptc', upstreamRegistryUrl: 'quay.io' });
    });

    for (const [op, input, expected] of probes) {
      test(`${op}: ${expected}`, async () => {
        const outcome = await send(op, input()).then(
          () => 'answered',
          (err: Error) => err.name,
        );
        assert.equal(outcome, expected);
        const listed = (model.operations[op]!.errors ?? []).map((e) => e.shape);
        assert.ok(
          listed.includes(expected) || expected in PROTOCOL_EXCEPTIONS,
          `${expected} is not an error of ${op} in the model (${listed.join(', ')})`,
        );
        assert.deepEqual(Object.keys(JSON.parse(lastBody) as object).sort(), ['__type', 'message']);
      });
    }

    test('the probes raise every exception each action can raise (enumerated from its service and validators)', () => {
      // ServerException (any action) is left out: it is the model's and cannot be provoked.
      const raises: Record<string, string[]> = {
        CreateRepository: [
          'InvalidParameterException',
          'InvalidTagParameterException',
          'TooManyTagsException',
          'RepositoryAlreadyExistsException',
          'AccessDeniedException',
        ],
        DescribeRepositories: ['InvalidParameterException', 'RepositoryNotFoundException', 'AccessDeniedException'],
        DeleteRepository: [
          'InvalidParameterException',
          'RepositoryNotFoundException',
          'RepositoryNotEmptyException',
          'AccessDeniedException',
        ],
        PutImageTagMutability: ['InvalidParameterException', 'RepositoryNotFoundException', 'AccessDeniedException'],
        TagResource: [
          'InvalidParameterException',
          'InvalidTagParameterException',
          'TooManyTagsException',
          'RepositoryNotFoundException',
          'AccessDeniedException',
        ],
        UntagResource: [
          'InvalidParameterException',
          'InvalidTagParameterException',
          'RepositoryNotFoundException',
          'AccessDeniedException',
        ],
        ListTagsForResource: ['InvalidParameterException', 'RepositoryNotFoundException', 'AccessDeniedException'],
        DescribeRegistry: [],
        GetAccountSetting: ['ValidationException', 'InvalidParameterException'],
        PutAccountSetting: ['ValidationException', 'InvalidParameterException'],
        SetRepositoryPolicy: ['InvalidParameterException', 'RepositoryNotFoundException', 'AccessDeniedException'],
        GetRepositoryPolicy: [
          'InvalidParameterException',
          'RepositoryNotFoundException',
          'RepositoryPolicyNotFoundException',
          'AccessDeniedException',
        ],
        DeleteRepositoryPolicy: [
          'InvalidParameterException',
          'RepositoryNotFoundException',
          'RepositoryPolicyNotFoundException',
          'AccessDeniedException',
        ],
        PutRegistryPolicy: ['InvalidParameterException'],
        GetRegistryPolicy: ['RegistryPolicyNotFoundException'],
        DeleteRegistryPolicy: ['RegistryPolicyNotFoundException'],
        // And LimitExceededException, past the quota of templates: creation-templates.test.ts fills it.
        CreateRepositoryCreationTemplate: ['InvalidParameterException', 'TemplateAlreadyExistsException'],
        DescribeRepositoryCreationTemplates: ['InvalidParameterException'],
        UpdateRepositoryCreationTemplate: ['InvalidParameterException', 'TemplateNotFoundException'],
        DeleteRepositoryCreationTemplate: ['InvalidParameterException', 'TemplateNotFoundException'],
        UpdateImageStorageClass: [
          'InvalidParameterException',
          'RepositoryNotFoundException',
          'ImageNotFoundException',
          'ImageStorageClassUpdateNotSupportedException',
          'AccessDeniedException',
        ],
        PutLifecyclePolicy: ['InvalidParameterException', 'RepositoryNotFoundException', 'AccessDeniedException'],
        GetLifecyclePolicy: [
          'InvalidParameterException',
          'RepositoryNotFoundException',
          'LifecyclePolicyNotFoundException',
          'AccessDeniedException',
        ],
        DeleteLifecyclePolicy: [
          'InvalidParameterException',
          'RepositoryNotFoundException',
          'LifecyclePolicyNotFoundException',
          'AccessDeniedException',
        ],
        // LifecyclePolicyPreviewInProgressException too, but only while another start of the
        // same repository is evaluating (a race this probe cannot make).
        StartLifecyclePolicyPreview: [
          'InvalidParameterException',
          'RepositoryNotFoundException',
          'LifecyclePolicyNotFoundException',
          'AccessDeniedException',
        ],
        GetLifecyclePolicyPreview: [
          'InvalidParameterException',
          'RepositoryNotFoundException',
          'LifecyclePolicyPreviewNotFoundException',
          'AccessDeniedException',
        ],
        // LimitExceededException too, at the registry's 100th exclusion; the caller here is the
        // account's root, which the registry actions cannot deny.
        RegisterPullTimeUpdateExclusion: ['InvalidParameterException', 'ExclusionAlreadyExistsException'],
        DeregisterPullTimeUpdateExclusion: ['InvalidParameterException', 'ExclusionNotFoundException'],
        ListPullTimeUpdateExclusions: ['InvalidParameterException'],
        PutReplicationConfiguration: ['InvalidParameterException', 'InvalidParameterException', 'ValidationException'],
        DescribeImageReplicationStatus: [
          'InvalidParameterException',
          'RepositoryNotFoundException',
          'ImageNotFoundException',
          'AccessDeniedException',
        ],
        // LimitExceededException too, at the 51st rule; UnableToAccessSecretException and
        // UnableToDecryptSecretValueException: pull-through-rules.test.ts makes the secrets for them.
        CreatePullThroughCacheRule: [
          'InvalidParameterException',
          'UnsupportedUpstreamRegistryException',
          'PullThroughCacheRuleAlreadyExistsException',
          'SecretNotFoundException',
          'AccessDeniedException',
        ],
        DescribePullThroughCacheRules: ['InvalidParameterException', 'PullThroughCacheRuleNotFoundException'],
        UpdatePullThroughCacheRule: [
          'InvalidParameterException',
          'PullThroughCacheRuleNotFoundException',
          'SecretNotFoundException',
        ],
        DeletePullThroughCacheRule: ['InvalidParameterException', 'PullThroughCacheRuleNotFoundException'],
        ValidatePullThroughCacheRule: ['InvalidParameterException', 'PullThroughCacheRuleNotFoundException'],
        PutSigningConfiguration: ['InvalidParameterException'],
        GetSigningConfiguration: ['SigningConfigurationNotFoundException'],
        DeleteSigningConfiguration: ['SigningConfigurationNotFoundException'],
        DescribeImageSigningStatus: [
          'InvalidParameterException',
          'RepositoryNotFoundException',
          'ImageNotFoundException',
          'AccessDeniedException',
        ],
        // UnsupportedImageTypeException too, for an artifact or an index (scanning.once.test.ts has none
        // to show; the authorization matrix scans images only).
        StartImageScan: [
          'InvalidParameterException',
          'RepositoryNotFoundException',
          'ImageNotFoundException',
          'LimitExceededException',
          'AccessDeniedException',
        ],
        DescribeImageScanFindings: [
          'InvalidParameterException',
          'RepositoryNotFoundException',
          'ImageNotFoundException',
          'ScanNotFoundException',
          'AccessDeniedException',
        ],
        PutImageScanningConfiguration: [
          'InvalidParameterException',
          'RepositoryNotFoundException',
          'AccessDeniedException',
        ],
        PutRegistryScanningConfiguration: ['ValidationException', 'InvalidParameterException'],
        GetRegistryScanningConfiguration: [],
        BatchGetRepositoryScanningConfiguration: ['InvalidParameterException'],
      };
      assert.deepEqual(Object.keys(raises).sort(), Object.keys(BASES).sort());
      for (const [op, names] of Object.entries(raises)) {
        assert.deepEqual(
          probes
            .filter(([o]) => o === op)
            .map(([, , e]) => e)
            .sort(),
          [...names].sort(),
          `probes of ${op}`,
        );
      }
    });
  });

  describe("the validators accept exactly what the model's constraints accept", () => {
    for (const [op, [schema, base]] of Object.entries(BASES)) {
      test(op, () => {
        const inputShape = model.operations[op]!.input!.shape;
        const members = Object.keys(model.shapes[inputShape]!.members ?? {}).sort();
        assert.deepEqual(
          Object.keys(base).sort(),
          members,
          `the probe base of ${op} uses every member of ${inputShape}`,
        );
        assert.deepEqual(
          Object.keys((schema as z.ZodObject).shape).sort(),
          members,
          `the schema of ${op} has exactly the model's members`,
        );
        let probed = 0;
        for (const value of mutations(model, inputShape, base)) {
          const modelSays = violations(model, inputShape, value);
          const berthSays = schema.safeParse(value).success;
          assert.equal(
            berthSays,
            modelSays.length === 0,
            `${op} ${JSON.stringify(value).slice(0, 300)}: model says ${modelSays.join('; ') || 'valid'}, Berth says ${berthSays ? 'valid' : 'invalid'}`,
          );
          probed++;
        }
        assert.ok(probed > 0);
      });
    }
  });

  test("spot checks: the domain's bounds are the model's", () => {
    assert.deepEqual(model.shapes.ImageTagMutability!.enum, [...IMAGE_TAG_MUTABILITIES]);
    assert.equal(model.shapes.ImageTagMutabilityExclusionFilters!.max, MAX_EXCLUSION_FILTERS);
    assert.equal(model.shapes.ImageTagMutabilityExclusionFilterValue!.pattern, EXCLUSION_FILTER_PATTERN.source);
    assert.deepEqual(model.shapes.ImageTagMutabilityExclusionFilterType!.enum, ['WILDCARD']);
    assert.deepEqual(model.shapes.EncryptionType!.enum, ['AES256', 'KMS', 'KMS_DSSE']);
    assert.deepEqual([model.shapes.RepositoryName!.min, model.shapes.RepositoryName!.max], [2, 256]);
    assert.deepEqual([model.shapes.MaxResults!.min, model.shapes.MaxResults!.max], [1, 1000]);
    // Only the documentation bounds tags and names the account settings and their values.
    const tagDoc = docText(model.shapes.Tag!.documentation);
    assert.match(tagDoc, new RegExp(`maximum character length of ${MAX_TAG_KEY_LENGTH} characters`));
    assert.match(tagDoc, new RegExp(`maximum length of ${MAX_TAG_VALUE_LENGTH} characters`));
    assert.equal(MAX_RESOURCE_TAGS, 50);
    const names = docText(model.shapes.PutAccountSettingRequest!.members!.name!.documentation);
    const values = docText(model.shapes.PutAccountSettingRequest!.members!.value!.documentation);
    for (const [setting, spec] of Object.entries(ACCOUNT_SETTINGS)) {
      assert.ok(names.includes(setting), `${setting} is not named by the model's documentation`);
      for (const value of spec.values)
        assert.ok(values.includes(value), `${setting}=${value} is not named by the model's documentation`);
    }
    assert.match(
      docText(model.shapes.DescribeRepositoriesRequest!.members!.maxResults!.documentation),
      /returns up to 100 results/,
    );
  });

  describe("outputs are the model's shapes, member for member", () => {
    const calls: [string, object][] = [
      [
        'CreateRepository',
        {
          repositoryName: 'outputs/full',
          tags: [{ Key: 'k', Value: 'v' }],
          imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
          imageTagMutabilityExclusionFilters: FILTERS,
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfiguration: { encryptionType: 'KMS' },
        },
      ],
      ['CreateRepository', { repositoryName: 'outputs/plain' }],
      ['DescribeRepositories', { maxResults: 1 }],
      ['DescribeRepositories', { repositoryNames: ['outputs/full', 'outputs/plain'] }],
      [
        'PutImageTagMutability',
        {
          repositoryName: 'outputs/plain',
          imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
          imageTagMutabilityExclusionFilters: FILTERS,
        },
      ],
      ['TagResource', { resourceArn: 'outputs/full', tags: [{ Key: 'k2', Value: 'v2' }] }],
      ['ListTagsForResource', { resourceArn: 'outputs/full' }],
      ['UntagResource', { resourceArn: 'outputs/full', tagKeys: ['k2'] }],
      ['DescribeRegistry', {}],
      ['GetAccountSetting', { name: 'BASIC_SCAN_TYPE_VERSION' }],
      ['PutAccountSetting', { name: 'REGISTRY_POLICY_SCOPE', value: 'V2' }],
      ['SetRepositoryPolicy', { repositoryName: 'outputs/plain', policyText: POLICY('210987654321') }],
      ['GetRepositoryPolicy', { repositoryName: 'outputs/plain' }],
      ['DeleteRepositoryPolicy', { repositoryName: 'outputs/plain' }],
      ['PutRegistryPolicy', { policyText: POLICY('210987654321') }],
      ['GetRegistryPolicy', {}],
      ['DeleteRegistryPolicy', {}],
      ['DeleteRepository', { repositoryName: 'outputs/plain', force: true }],
      ['GetAuthorizationToken', {}],
      [
        'CreateRepositoryCreationTemplate',
        {
          prefix: 'outputs',
          description: 'everything',
          encryptionConfiguration: { encryptionType: 'KMS' },
          resourceTags: [{ Key: 'k', Value: 'v' }],
          imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
          imageTagMutabilityExclusionFilters: FILTERS,
          repositoryPolicy: POLICY('210987654321'),
          lifecyclePolicy: LIFECYCLE,
          appliedFor: ['CREATE_ON_PUSH', 'REPLICATION'],
          customRoleArn: 'arn:aws:iam::ACCOUNT:role/templates',
        },
      ],
      ['CreateRepositoryCreationTemplate', { prefix: 'ROOT', appliedFor: ['PULL_THROUGH_CACHE'] }],
      ['DescribeRepositoryCreationTemplates', { maxResults: 1 }],
      ['UpdateRepositoryCreationTemplate', { prefix: 'outputs', description: 'less', repositoryPolicy: '' }],
      ['DeleteRepositoryCreationTemplate', { prefix: 'outputs' }],
      ['DeleteRepositoryCreationTemplate', { prefix: 'ROOT' }],
      [
        'PutReplicationConfiguration',
        {
          replicationConfiguration: {
            rules: [
              {
                destinations: [{ region: 'us-east-1', registryId: '210987654321' }],
                repositoryFilters: [{ filter: 'nothing-here', filterType: 'PREFIX_MATCH' }],
              },
            ],
          },
        },
      ],
      ['DescribeRegistry', {}],
      ['PutReplicationConfiguration', { replicationConfiguration: { rules: [] } }],
      [
        'CreatePullThroughCacheRule',
        {
          ecrRepositoryPrefix: 'outputs-ptc',
          upstreamRegistryUrl: '127.0.0.1:1',
          customRoleArn: 'arn:aws:iam::ACCOUNT:role/upstream',
          upstreamRepositoryPrefix: 'team',
        },
      ],
      ['CreatePullThroughCacheRule', { ecrRepositoryPrefix: 'ROOT', upstreamRegistryUrl: 'quay.io' }],
      ['DescribePullThroughCacheRules', { maxResults: 1 }],
      ['UpdatePullThroughCacheRule', { ecrRepositoryPrefix: 'outputs-ptc', customRoleArn: '' }],
      ['ValidatePullThroughCacheRule', { ecrRepositoryPrefix: 'outputs-ptc' }],
      ['DeletePullThroughCacheRule', { ecrRepositoryPrefix: 'outputs-ptc' }],
      ['DeletePullThroughCacheRule', { ecrRepositoryPrefix: 'ROOT' }],
      ['PutSigningConfiguration', { signingConfiguration: { rules: [] } }],
      ['GetSigningConfiguration', {}],
      ['DeleteSigningConfiguration', {}],
    ];
    for (const [op, input] of calls) {
      test(`${op} ${JSON.stringify(input).slice(0, 80)}`, async () => {
        const resolved =
          'resourceArn' in input
            ? {
                ...input,
                resourceArn: `arn:aws:ecr:us-east-1:${account}:repository/${(input as { resourceArn: string }).resourceArn}`,
              }
            : input;
        // A template's role is of the server's account.
        await send(op, JSON.parse(JSON.stringify(resolved).replaceAll('ACCOUNT', account)) as object);
        const body = JSON.parse(lastBody) as unknown;
        assert.deepEqual(violations(model, model.operations[op]!.output!.shape, body, { strict: true }), [], lastBody);
      });
    }
  });
});
