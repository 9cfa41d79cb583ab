// Repository creation templates through the real AWS SDK against a listening Berth with IAM auth:
// the four actions and their refusals, and what a push to a new repository gets from the
// template that applies (the longest prefix applied for CREATE_ON_PUSH, else ROOT, else the defaults).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateRepositoryCreationTemplateCommand,
  DeleteRepositoryCreationTemplateCommand,
  DescribeRepositoriesCommand,
  DescribeRepositoryCreationTemplatesCommand,
  GetLifecyclePolicyCommand,
  GetRepositoryPolicyCommand,
  ListTagsForResourceCommand,
  paginateDescribeRepositoryCreationTemplates,
  UpdateRepositoryCreationTemplateCommand,
  type CreateRepositoryCreationTemplateCommandInput,
  type ECRClient,
  type RepositoryCreationTemplate,
} from '@aws-sdk/client-ecr';
import { ecrClient, refused, RegistryHttp } from '../../testing/ecr-http.js';
import { callKms } from '../../testing/kms.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

let server: TestBerth;
let client: ECRClient;
let registry: RegistryHttp;
let account: string;
let keyArn: string;

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
  client = ecrClient(server.url);
  registry = await RegistryHttp.login(server.url, client);
  account = server.berth.accountId;
  const { body } = await callKms(server.berth.app, 'CreateKey', {});
  keyArn = body.KeyMetadata.Arn as string;
});
after(async () => {
  client.destroy();
  await server.close();
});

const create = (input: CreateRepositoryCreationTemplateCommandInput) =>
  client.send(new CreateRepositoryCreationTemplateCommand(input));
const remove = (prefix: string) => client.send(new DeleteRepositoryCreationTemplateCommand({ prefix }));
const describeAll = async (prefixes?: string[]) =>
  (await client.send(new DescribeRepositoryCreationTemplatesCommand({ ...(prefixes && { prefixes }) })))
    .repositoryCreationTemplates!;
const repositoryOf = async (name: string) =>
  (await client.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }))).repositories![0]!;
const tagsOf = async (name: string) =>
  (
    await client.send(
      new ListTagsForResourceCommand({ resourceArn: `arn:aws:ecr:us-east-1:${account}:repository/${name}` }),
    )
  ).tags;
const policy = (sid: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: sid, Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'ecr:*' }],
  });
const LIFECYCLE = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
      action: { type: 'expire' },
    },
  ],
});

describe('the template actions', () => {
  test("create renders the model's RepositoryCreationTemplate; describe, update and delete it", async () => {
    const before = Date.now();
    const created = await create({
      prefix: 'api/team',
      description: 'the team',
      encryptionConfiguration: { encryptionType: 'AES256' },
      resourceTags: [{ Key: 'team', Value: 'blue' }],
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest' }],
      repositoryPolicy: policy('Team'),
      lifecyclePolicy: LIFECYCLE,
      appliedFor: ['CREATE_ON_PUSH', 'REPLICATION'],
      customRoleArn: `arn:aws:iam::${account}:role/ecr-templates`,
    });
    assert.equal(created.registryId, account);
    const template = created.repositoryCreationTemplate!;
    assert.ok(template.createdAt instanceof Date && template.createdAt.getTime() >= before - 1000);
    assert.equal(template.updatedAt?.getTime(), template.createdAt.getTime());
    assert.deepEqual({ ...template, createdAt: undefined, updatedAt: undefined }, {
      prefix: 'api/team',
      description: 'the team',
      encryptionConfiguration: { encryptionType: 'AES256' },
      resourceTags: [{ Key: 'team', Value: 'blue' }],
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest' }],
      repositoryPolicy: policy('Team'),
      lifecyclePolicy: LIFECYCLE,
      appliedFor: ['REPLICATION', 'CREATE_ON_PUSH'],
      customRoleArn: `arn:aws:iam::${account}:role/ecr-templates`,
      createdAt: undefined,
      updatedAt: undefined,
    } satisfies RepositoryCreationTemplate);

    assert.deepEqual(await describeAll(['api/team']), [template]);
    // The prefix is a namespace: its trailing slash is assumed, and given it names the same template.
    assert.deepEqual(await describeAll(['api/team/']), [template]);

    const updated = (
      await client.send(
        new UpdateRepositoryCreationTemplateCommand({
          prefix: 'api/team',
          description: 'renamed',
          imageTagMutability: 'MUTABLE',
          repositoryPolicy: '',
          appliedFor: ['PULL_THROUGH_CACHE'],
        }),
      )
    ).repositoryCreationTemplate!;
    assert.equal(updated.description, 'renamed');
    assert.equal(updated.imageTagMutability, 'MUTABLE');
    assert.equal(updated.imageTagMutabilityExclusionFilters, undefined);
    assert.equal(updated.repositoryPolicy, undefined, 'an empty policy removes it');
    assert.deepEqual(updated.appliedFor, ['PULL_THROUGH_CACHE']);
    assert.deepEqual(updated.resourceTags, [{ Key: 'team', Value: 'blue' }], 'members not given are kept');
    assert.equal(updated.lifecyclePolicy, LIFECYCLE);
    assert.equal(updated.createdAt?.getTime(), template.createdAt.getTime());
    assert.ok(updated.updatedAt!.getTime() >= template.updatedAt!.getTime());

    const deleted = await remove('api/team');
    assert.equal(deleted.registryId, account);
    assert.deepEqual(deleted.repositoryCreationTemplate, updated);
    assert.deepEqual(await describeAll(['api/team']), []);
  });

  test('describe pages in prefix order with maxResults and nextToken, and filters by prefixes', async () => {
    const prefixes = ['page/a', 'page/b', 'page/c', 'page/d', 'page/e'];
    for (const prefix of [...prefixes].reverse()) await create({ prefix, appliedFor: ['REPLICATION'] });
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeRepositoryCreationTemplates({ client, pageSize: 2 }, {})) {
      pages++;
      assert.ok(page.repositoryCreationTemplates!.length <= 2);
      assert.equal(page.registryId, account);
      seen.push(...page.repositoryCreationTemplates!.map((t) => t.prefix!));
    }
    assert.deepEqual(
      seen.filter((p) => p.startsWith('page/')),
      prefixes,
    );
    assert.ok(pages >= 3, `${pages} pages of 2`);
    assert.deepEqual(
      (await describeAll(['page/e', 'page/b', 'page/none'])).map((t) => t.prefix),
      ['page/b', 'page/e'],
    );
    const first = await client.send(
      new DescribeRepositoryCreationTemplatesCommand({ prefixes: ['page/a', 'page/b', 'page/c'], maxResults: 2 }),
    );
    assert.deepEqual(
      first.repositoryCreationTemplates!.map((t) => t.prefix),
      ['page/a', 'page/b'],
    );
    assert.ok(first.nextToken);
    const second = await client.send(
      new DescribeRepositoryCreationTemplatesCommand({
        prefixes: ['page/a', 'page/b', 'page/c'],
        maxResults: 2,
        nextToken: first.nextToken,
      }),
    );
    assert.deepEqual(
      second.repositoryCreationTemplates!.map((t) => t.prefix),
      ['page/c'],
    );
    assert.equal(second.nextToken, undefined);
    // A token is for the listing it came from.
    await refused(
      client.send(new DescribeRepositoryCreationTemplatesCommand({ maxResults: 2, nextToken: first.nextToken })),
      'InvalidParameterException',
    );
    for (const prefix of prefixes) await remove(prefix);
  });

  test('refusals: the model exceptions, each a 400', async () => {
    await create({ prefix: 'dup', appliedFor: ['CREATE_ON_PUSH'] });
    const cases: [() => Promise<unknown>, string][] = [
      [() => create({ prefix: 'dup', appliedFor: ['REPLICATION'] }), 'TemplateAlreadyExistsException'],
      [() => create({ prefix: 'dup/', appliedFor: ['REPLICATION'] }), 'TemplateAlreadyExistsException'],
      [() => remove('missing'), 'TemplateNotFoundException'],
      [
        () => client.send(new UpdateRepositoryCreationTemplateCommand({ prefix: 'missing', description: 'x' })),
        'TemplateNotFoundException',
      ],
      [() => create({ prefix: 'Bad/Prefix', appliedFor: ['REPLICATION'] }), 'InvalidParameterException'],
      [() => create({ prefix: 'root', appliedFor: ['REPLICATION'] }).then(() => remove('root')), 'none'],
      [() => create({ prefix: 'a//b', appliedFor: ['REPLICATION'] }), 'InvalidParameterException'],
      [
        () => create({ prefix: 'bad/applied', appliedFor: ['ON_SUNDAYS' as 'REPLICATION'] }),
        'InvalidParameterException',
      ],
      [() => create({ prefix: 'bad/applied', appliedFor: [] }), 'InvalidParameterException'],
      [
        () =>
          create({
            prefix: 'bad/kms',
            appliedFor: ['CREATE_ON_PUSH'],
            encryptionConfiguration: {
              encryptionType: 'KMS',
              kmsKey: `arn:aws:kms:us-east-1:${account}:key/00000000-0000-0000-0000-000000000000`,
            },
          }),
        'InvalidParameterException',
      ],
      [
        () =>
          create({
            prefix: 'bad/kms',
            appliedFor: ['CREATE_ON_PUSH'],
            encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'alias/not-an-arn' },
          }),
        'InvalidParameterException',
      ],
      [
        () =>
          create({
            prefix: 'bad/kms',
            appliedFor: ['CREATE_ON_PUSH'],
            encryptionConfiguration: { encryptionType: 'AES256', kmsKey: keyArn },
          }),
        'InvalidParameterException',
      ],
      [
        () =>
          create({
            prefix: 'bad/mutability',
            appliedFor: ['CREATE_ON_PUSH'],
            imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
          }),
        'InvalidParameterException',
      ],
      [
        () =>
          create({ prefix: 'bad/policy', appliedFor: ['CREATE_ON_PUSH'], repositoryPolicy: '{"Statement":"nope"}' }),
        'InvalidParameterException',
      ],
      [
        () => create({ prefix: 'bad/lifecycle', appliedFor: ['CREATE_ON_PUSH'], lifecyclePolicy: 'rules' }),
        'InvalidParameterException',
      ],
      [
        // Valid JSON, but a rule ECR refuses: tagStatus any must have the highest priority number.
        () =>
          create({
            prefix: 'bad/lifecycle-rules',
            appliedFor: ['CREATE_ON_PUSH'],
            lifecyclePolicy: JSON.stringify({
              rules: [
                {
                  rulePriority: 1,
                  selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
                  action: { type: 'expire' },
                },
                {
                  rulePriority: 2,
                  selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
                  action: { type: 'expire' },
                },
              ],
            }),
          }),
        'InvalidParameterException',
      ],
      [
        () =>
          create({ prefix: 'bad/tags', appliedFor: ['CREATE_ON_PUSH'], resourceTags: [{ Key: 'aws:x', Value: 'v' }] }),
        'InvalidParameterException',
      ],
      [
        () =>
          create({
            prefix: 'bad/role',
            appliedFor: ['CREATE_ON_PUSH'],
            customRoleArn: 'arn:aws:iam::000000000000:role/elsewhere',
          }),
        'InvalidParameterException',
      ],
      [
        () => client.send(new DescribeRepositoryCreationTemplatesCommand({ maxResults: 1001 })),
        'InvalidParameterException',
      ],
    ];
    for (const [call, name] of cases) {
      if (name === 'none') {
        await call();
        continue;
      }
      const err = await refused(call(), name);
      assert.equal(err.$metadata?.httpStatusCode, 400, `${name}: ${err.message}`);
    }
    assert.deepEqual(
      (await describeAll()).map((t) => t.prefix).filter((p) => p!.startsWith('bad')),
      [],
      'nothing refused was stored',
    );
    await remove('dup');
  });
});

describe('a push to a new repository gets the template that applies', () => {
  before(async () => {
    await create({
      prefix: 'tpl/team',
      appliedFor: ['CREATE_ON_PUSH'],
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: keyArn },
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest' }],
      repositoryPolicy: policy('FromTemplate'),
      lifecyclePolicy: LIFECYCLE,
      resourceTags: [
        { Key: 'team', Value: 'blue' },
        { Key: 'cost', Value: '42' },
      ],
    });
    await create({
      prefix: 'tpl/team/sub',
      appliedFor: ['CREATE_ON_PUSH'],
      resourceTags: [{ Key: 'level', Value: 'sub' }],
    });
    // Applied for replication only: a push under tpl/ does not use it.
    await create({ prefix: 'tpl', appliedFor: ['REPLICATION'], resourceTags: [{ Key: 'from', Value: 'replication' }] });
    await create({ prefix: 'ROOT', appliedFor: ['CREATE_ON_PUSH'], resourceTags: [{ Key: 'from', Value: 'root' }] });
  });

  test('its settings: tag mutability with exclusions, KMS encryption, the repository policy, the lifecycle policy, the tags', async () => {
    await registry.push('tpl/team/app', 'v1');
    const repository = await repositoryOf('tpl/team/app');
    assert.equal(repository.imageTagMutability, 'IMMUTABLE_WITH_EXCLUSION');
    assert.deepEqual(repository.imageTagMutabilityExclusionFilters, [{ filterType: 'WILDCARD', filter: 'latest' }]);
    assert.deepEqual(repository.encryptionConfiguration, { encryptionType: 'KMS', kmsKey: keyArn });
    assert.equal(
      (await client.send(new GetRepositoryPolicyCommand({ repositoryName: 'tpl/team/app' }))).policyText,
      policy('FromTemplate'),
    );
    assert.equal(
      (await client.send(new GetLifecyclePolicyCommand({ repositoryName: 'tpl/team/app' }))).lifecyclePolicyText,
      LIFECYCLE,
    );
    assert.deepEqual(await tagsOf('tpl/team/app'), [
      { Key: 'cost', Value: '42' },
      { Key: 'team', Value: 'blue' },
    ]);
    // The mutability is in force: v1 may not move, latest may.
    const again = await registry.image('tpl/team/app');
    assert.equal((await registry.putManifest('tpl/team/app', 'v1', again.bytes)).status, 400);
    await registry.push('tpl/team/app', 'latest');
    await registry.push('tpl/team/app', 'latest');
  });

  test('the longest prefix wins; a name equal to a prefix is not under it; ROOT takes the rest', async () => {
    await registry.push('tpl/team/sub/app', 'v1');
    const sub = await repositoryOf('tpl/team/sub/app');
    assert.equal(sub.imageTagMutability, 'MUTABLE');
    assert.deepEqual(sub.encryptionConfiguration, { encryptionType: 'AES256' });
    assert.deepEqual(await tagsOf('tpl/team/sub/app'), [{ Key: 'level', Value: 'sub' }]);
    await refused(
      client.send(new GetRepositoryPolicyCommand({ repositoryName: 'tpl/team/sub/app' })),
      'RepositoryPolicyNotFoundException',
    );

    await registry.push('tpl/team', 'v1');
    assert.deepEqual(await tagsOf('tpl/team'), [{ Key: 'from', Value: 'root' }]);
    await registry.push('tpl/other', 'v1');
    assert.deepEqual(await tagsOf('tpl/other'), [{ Key: 'from', Value: 'root' }], 'tpl applies for replication only');
    await registry.push('elsewhere', 'v1');
    assert.deepEqual(await tagsOf('elsewhere'), [{ Key: 'from', Value: 'root' }]);
  });

  test('concurrent pushes to one new repository agree on it, made once with the template', async () => {
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((tag) => registry.push('tpl/team/sub/raced', tag)));
    const listed = (await client.send(new DescribeRepositoriesCommand({}))).repositories!.filter(
      (r) => r.repositoryName === 'tpl/team/sub/raced',
    );
    assert.equal(listed.length, 1);
    assert.deepEqual(await tagsOf('tpl/team/sub/raced'), [{ Key: 'level', Value: 'sub' }]);
    for (const tag of ['a', 'b', 'c', 'd', 'e'])
      assert.equal(typeof (await registry.resolve('tpl/team/sub/raced', tag)), 'string', `${tag} is there`);
  });

  test("without a template that applies, a push creates a repository with ECR's defaults", async () => {
    await remove('ROOT');
    await registry.push('plain/app', 'v1');
    const repository = await repositoryOf('plain/app');
    assert.equal(repository.imageTagMutability, 'MUTABLE');
    assert.equal(repository.imageTagMutabilityExclusionFilters, undefined);
    assert.deepEqual(repository.encryptionConfiguration, { encryptionType: 'AES256' });
    assert.deepEqual(await tagsOf('plain/app'), []);
    await refused(
      client.send(new GetRepositoryPolicyCommand({ repositoryName: 'plain/app' })),
      'RepositoryPolicyNotFoundException',
    );
    // A template changes nothing of a repository that exists already.
    await create({ prefix: 'plain', appliedFor: ['CREATE_ON_PUSH'], imageTagMutability: 'IMMUTABLE' });
    await registry.push('plain/app', 'v2');
    assert.equal((await repositoryOf('plain/app')).imageTagMutability, 'MUTABLE');
  });
});

describe('the quota', () => {
  test('a registry has at most 100 templates: LimitExceededException past them', async () => {
    const existing = (await describeAll()).length;
    const made: string[] = [];
    for (let i = existing; i < 100; i++) {
      const prefix = `quota/t${String(i).padStart(3, '0')}`;
      await create({ prefix, appliedFor: ['REPLICATION'] });
      made.push(prefix);
    }
    const err = await refused(create({ prefix: 'quota/over', appliedFor: ['REPLICATION'] }), 'LimitExceededException');
    assert.equal(err.$metadata?.httpStatusCode, 400);
    for (const prefix of made) await remove(prefix);
    await create({ prefix: 'quota/over', appliedFor: ['REPLICATION'] });
    await remove('quota/over');
  });
});
