// CreateRepository, DescribeRepositories, DeleteRepository and PutImageTagMutability through
// the real AWS SDK against a listening Berth with IAM auth: the model's shapes, every refusal.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeRepositoriesCommand,
  ListTagsForResourceCommand,
  paginateDescribeRepositories,
  PutImageTagMutabilityCommand,
  type CreateRepositoryCommandInput,
  type ECRClient,
  type Repository,
} from '@aws-sdk/client-ecr';
import { ecrClient, refused, RegistryHttp } from '../../testing/ecr-http.js';
import { startBerth, type TestBerth } from '../../testing/server.js';
import { callKms } from '../../testing/kms.js';

let server: TestBerth;
let client: ECRClient;
let registry: RegistryHttp;
let account: string;

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
  client = ecrClient(server.url);
  registry = await RegistryHttp.login(server.url, client);
  account = server.berth.accountId;
});
after(async () => {
  client.destroy();
  await server.close();
});

const OTHER_ACCOUNT = '000000000000';
const create = (input: CreateRepositoryCommandInput) => client.send(new CreateRepositoryCommand(input));
const describeNames = async (names: string[]) =>
  (await client.send(new DescribeRepositoriesCommand({ repositoryNames: names }))).repositories!;
const exists = async (name: string) =>
  (await client.send(new DescribeRepositoriesCommand({}))).repositories!.some((r) => r.repositoryName === name);

function assertRepository(repository: Repository | undefined, name: string, expected: Partial<Repository> = {}): void {
  assert.ok(repository);
  assert.equal(repository.repositoryArn, `arn:aws:ecr:us-east-1:${account}:repository/${name}`);
  assert.equal(repository.registryId, account);
  assert.equal(repository.repositoryName, name);
  assert.equal(repository.repositoryUri, `${new URL(server.url).host}/${name}`);
  assert.ok(
    repository.createdAt instanceof Date && Math.abs(repository.createdAt.getTime() - Date.now()) < 60_000,
    'createdAt is epoch seconds',
  );
  assert.deepEqual(
    {
      imageTagMutability: repository.imageTagMutability,
      imageTagMutabilityExclusionFilters: repository.imageTagMutabilityExclusionFilters,
      imageScanningConfiguration: repository.imageScanningConfiguration,
      encryptionConfiguration: repository.encryptionConfiguration,
    },
    {
      imageTagMutability: 'MUTABLE',
      imageTagMutabilityExclusionFilters: undefined,
      imageScanningConfiguration: { scanOnPush: false },
      encryptionConfiguration: { encryptionType: 'AES256' },
      ...expected,
    },
  );
}

describe('CreateRepository', () => {
  test("creates with the defaults and renders the model's Repository", async () => {
    const { repository } = await create({ repositoryName: 'create/plain' });
    assertRepository(repository, 'create/plain');
    assert.deepEqual(Object.keys(repository!).sort(), [
      'createdAt',
      'encryptionConfiguration',
      'imageScanningConfiguration',
      'imageTagMutability',
      'registryId',
      'repositoryArn',
      'repositoryName',
      'repositoryUri',
    ]);
    assert.deepEqual(await describeNames(['create/plain']), [repository]);
  });

  /** A key of the key service, with an alias: KMS repositories name keys that exist. */
  async function kmsKey(alias?: string): Promise<string> {
    const { body } = await callKms(server.berth.app, 'CreateKey', {});
    if (alias)
      await callKms(server.berth.app, 'CreateAlias', { AliasName: alias, TargetKeyId: body.KeyMetadata.KeyId });
    return body.KeyMetadata.Arn as string;
  }

  test('stores every setting it is given, and the tags', async () => {
    const keyArn = await kmsKey();
    const settings: Partial<Repository> = {
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [
        { filterType: 'WILDCARD', filter: 'latest' },
        { filterType: 'WILDCARD', filter: 'dev-*' },
      ],
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: keyArn },
    };
    const { repository } = await create({
      repositoryName: 'create/full',
      registryId: account,
      tags: [
        { Key: 'team', Value: 'a' },
        { Key: 'cost center', Value: '' },
      ],
      ...settings,
    });
    assertRepository(repository, 'create/full', settings);
    assert.deepEqual(await describeNames(['create/full']), [repository]);
    const { tags } = await client.send(new ListTagsForResourceCommand({ resourceArn: repository!.repositoryArn }));
    assert.deepEqual(tags, [
      { Key: 'cost center', Value: '' },
      { Key: 'team', Value: 'a' },
    ]);
  });

  test('KMS without a key (the account default ECR key) and KMS_DSSE with one, kept by ARN', async () => {
    const created = (await create({ repositoryName: 'create/kms', encryptionConfiguration: { encryptionType: 'KMS' } }))
      .repository;
    const defaultKey = (await callKms(server.berth.app, 'DescribeKey', { KeyId: 'alias/aws/ecr' })).body.KeyMetadata
      .Arn as string;
    assertRepository(created, 'create/kms', { encryptionConfiguration: { encryptionType: 'KMS', kmsKey: defaultKey } });
    const keyArn = await kmsKey('alias/berth');
    assertRepository(
      (
        await create({
          repositoryName: 'create/dsse',
          encryptionConfiguration: { encryptionType: 'KMS_DSSE', kmsKey: 'alias/berth' },
        })
      ).repository,
      'create/dsse',
      {
        encryptionConfiguration: { encryptionType: 'KMS_DSSE', kmsKey: keyArn },
      },
    );
  });

  test('a taken name is RepositoryAlreadyExistsException and the first keeps its settings', async () => {
    const { repository } = await create({ repositoryName: 'create/twice', imageTagMutability: 'IMMUTABLE' });
    const err = await refused(create({ repositoryName: 'create/twice' }), 'RepositoryAlreadyExistsException');
    assert.match(err.message, /create\/twice/);
    assert.equal(err.$metadata?.httpStatusCode, 400);
    assert.deepEqual(await describeNames(['create/twice']), [repository]);
  });

  test('a name taken by a push is taken too', async () => {
    await registry.push('create/pushed', 'v1');
    await refused(create({ repositoryName: 'create/pushed' }), 'RepositoryAlreadyExistsException');
  });

  const invalid: [string, CreateRepositoryCommandInput][] = [
    ['an uppercase name', { repositoryName: 'Create/Upper' }],
    ['a name of 1 character', { repositoryName: 'a' }],
    ['a name of 257 characters', { repositoryName: 'a'.repeat(257) }],
    ['a name starting with a separator', { repositoryName: '-create' }],
    ['an empty path component', { repositoryName: 'create//bad' }],
    ['a registryId that is not 12 digits', { repositoryName: 'create/bad-id', registryId: '12345' }],
    ['an unknown mutability', { repositoryName: 'create/bad-mutability', imageTagMutability: 'SOMETIMES' as never }],
    [
      'exclusion filters with MUTABLE',
      {
        repositoryName: 'create/bad-filters',
        imageTagMutability: 'MUTABLE',
        imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'v*' }],
      },
    ],
    [
      'exclusion filters without a mutability',
      {
        repositoryName: 'create/bad-filters',
        imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'v*' }],
      },
    ],
    [
      'IMMUTABLE_WITH_EXCLUSION without filters',
      { repositoryName: 'create/bad-filters', imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION' },
    ],
    [
      'an empty filter list',
      {
        repositoryName: 'create/bad-filters',
        imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: [],
      },
    ],
    [
      'six filters',
      {
        repositoryName: 'create/bad-filters',
        imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: Array.from({ length: 6 }, (_, i) => ({
          filterType: 'WILDCARD',
          filter: `v${i}*`,
        })),
      },
    ],
    [
      'a filter with a slash',
      {
        repositoryName: 'create/bad-filters',
        imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'v/1' }],
      },
    ],
    [
      'a filter of 129 characters',
      {
        repositoryName: 'create/bad-filters',
        imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'v'.repeat(129) }],
      },
    ],
    [
      'a filter type other than WILDCARD',
      {
        repositoryName: 'create/bad-filters',
        imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: [{ filterType: 'REGEX' as never, filter: 'v' }],
      },
    ],
    [
      'a kmsKey with AES256',
      { repositoryName: 'create/bad-kms', encryptionConfiguration: { encryptionType: 'AES256', kmsKey: 'alias/x' } },
    ],
    [
      'an empty kmsKey',
      { repositoryName: 'create/bad-kms', encryptionConfiguration: { encryptionType: 'KMS', kmsKey: '' } },
    ],
    [
      'an unknown encryption type',
      { repositoryName: 'create/bad-kms', encryptionConfiguration: { encryptionType: 'ROT13' as never } },
    ],
    ['encryption without a type', { repositoryName: 'create/bad-kms', encryptionConfiguration: {} as never }],
  ];
  for (const [what, input] of invalid) {
    test(`${what} is InvalidParameterException and creates nothing`, async () => {
      await refused(create(input), 'InvalidParameterException');
      assert.equal(await exists(input.repositoryName!), false);
    });
  }

  test('a missing repositoryName is InvalidParameterException', async () => {
    await refused(create({} as CreateRepositoryCommandInput), 'InvalidParameterException');
  });

  const badTags: [string, { Key: string; Value: string }[]][] = [
    ['a key starting with aws:', [{ Key: 'aws:owner', Value: 'x' }]],
    ['an empty key', [{ Key: '', Value: 'x' }]],
    ['a key of 129 characters', [{ Key: 'k'.repeat(129), Value: 'x' }]],
    ['a value of 257 characters', [{ Key: 'k', Value: 'v'.repeat(257) }]],
    ['a key with a forbidden character', [{ Key: 'a*b', Value: 'x' }]],
    [
      'a key given twice',
      [
        { Key: 'k', Value: '1' },
        { Key: 'k', Value: '2' },
      ],
    ],
  ];
  for (const [what, tags] of badTags) {
    test(`a tag with ${what} is InvalidTagParameterException and creates nothing`, async () => {
      await refused(create({ repositoryName: 'create/bad-tags', tags }), 'InvalidTagParameterException');
      assert.equal(await exists('create/bad-tags'), false);
    });
  }

  test('51 tags are TooManyTagsException; 50 are fine', async () => {
    const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ Key: `k${i}`, Value: `v${i}` }));
    await refused(create({ repositoryName: 'create/many-tags', tags: tags(51) }), 'TooManyTagsException');
    assert.equal(await exists('create/many-tags'), false);
    const { repository } = await create({ repositoryName: 'create/many-tags', tags: tags(50) });
    assert.equal(
      (await client.send(new ListTagsForResourceCommand({ resourceArn: repository!.repositoryArn }))).tags!.length,
      50,
    );
  });

  test("another account's registry is AccessDeniedException", async () => {
    await refused(create({ repositoryName: 'create/elsewhere', registryId: OTHER_ACCOUNT }), 'AccessDeniedException');
    assert.equal(await exists('create/elsewhere'), false);
  });
});

describe('DescribeRepositories', () => {
  test('named repositories come in the order asked; a missing one is RepositoryNotFoundException', async () => {
    for (const name of ['describe/b', 'describe/a']) await create({ repositoryName: name });
    assert.deepEqual(
      (await describeNames(['describe/b', 'describe/a', 'describe/b'])).map((r) => r.repositoryName),
      ['describe/b', 'describe/a'],
    );
    const err = await refused(describeNames(['describe/a', 'describe/missing']), 'RepositoryNotFoundException');
    assert.equal(
      err.message,
      `The repository with name 'describe/missing' does not exist in the registry with id '${account}'`,
    );
  });

  test('pages of maxResults follow nextToken through every repository in byte order', async () => {
    for (const name of ['page/a-b', 'page/a.b', 'page/a_b', 'page/ab', 'page/a/b'])
      await create({ repositoryName: name });
    const all = (await client.send(new DescribeRepositoriesCommand({}))).repositories!;
    const names = all.map((r) => r.repositoryName!);
    assert.deepEqual(
      names,
      [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
    );
    const pages: Repository[][] = [];
    for await (const page of paginateDescribeRepositories({ client }, { maxResults: 2 }))
      pages.push(page.repositories!);
    assert.ok(pages.length >= 3);
    assert.ok(pages.every((p) => p.length <= 2));
    assert.deepEqual(pages.flat(), all);
    const first = await client.send(new DescribeRepositoriesCommand({ maxResults: 2 }));
    assert.equal(typeof first.nextToken, 'string');
    const last = await client.send(new DescribeRepositoriesCommand({ maxResults: 1000 }));
    assert.equal(last.nextToken, undefined, 'no nextToken when there are no more');
    assert.deepEqual(last.repositories, all);
  });

  test('without maxResults a page holds 100 repositories', async () => {
    const existing = (await client.send(new DescribeRepositoriesCommand({ maxResults: 1000 }))).repositories!.length;
    await Promise.all(
      Array.from({ length: Math.max(0, 101 - existing) }, (_, i) =>
        create({ repositoryName: `hundred/r${String(i).padStart(3, '0')}` }),
      ),
    );
    const page = await client.send(new DescribeRepositoriesCommand({}));
    assert.equal(page.repositories!.length, 100);
    assert.equal(typeof page.nextToken, 'string');
    const rest = await client.send(new DescribeRepositoriesCommand({ nextToken: page.nextToken }));
    assert.ok(rest.repositories!.length >= 1);
    assert.equal(rest.repositories![0]!.repositoryName! > page.repositories![99]!.repositoryName!, true);
  });

  const invalid: [string, object][] = [
    ['maxResults 0', { maxResults: 0 }],
    ['maxResults 1001', { maxResults: 1001 }],
    ['a nextToken it did not give', { nextToken: 'bm90IGEgdG9rZW4' }],
    ['maxResults with repositoryNames', { repositoryNames: ['describe/a'], maxResults: 5 }],
    ['nextToken with repositoryNames', { repositoryNames: ['describe/a'], nextToken: 'x' }],
    ['an empty repositoryNames', { repositoryNames: [] }],
    ['101 repositoryNames', { repositoryNames: Array.from({ length: 101 }, (_, i) => `describe/n${i}`) }],
    ['an invalid name', { repositoryNames: ['Describe'] }],
    ['a registryId that is not 12 digits', { registryId: 'abc' }],
  ];
  for (const [what, input] of invalid) {
    test(`${what} is InvalidParameterException`, async () => {
      await refused(client.send(new DescribeRepositoriesCommand(input)), 'InvalidParameterException');
    });
  }

  test("another account's registry is AccessDeniedException", async () => {
    await refused(client.send(new DescribeRepositoriesCommand({ registryId: OTHER_ACCOUNT })), 'AccessDeniedException');
    await refused(
      client.send(new DescribeRepositoriesCommand({ registryId: OTHER_ACCOUNT, repositoryNames: ['describe/a'] })),
      'AccessDeniedException',
    );
  });
});

describe('DeleteRepository', () => {
  test('deletes an empty repository and returns it', async () => {
    const { repository } = await create({ repositoryName: 'delete/empty', tags: [{ Key: 'k', Value: 'v' }] });
    const deleted = await client.send(new DeleteRepositoryCommand({ repositoryName: 'delete/empty' }));
    assert.deepEqual(deleted.repository, repository);
    await refused(describeNames(['delete/empty']), 'RepositoryNotFoundException');
    await refused(
      client.send(new DeleteRepositoryCommand({ repositoryName: 'delete/empty' })),
      'RepositoryNotFoundException',
    );
    // A new repository of the name is a new one: no tags of the old.
    const again = await create({ repositoryName: 'delete/empty' });
    assert.deepEqual(
      (await client.send(new ListTagsForResourceCommand({ resourceArn: again.repository!.repositoryArn }))).tags,
      [],
    );
  });

  test('a repository with images is RepositoryNotEmptyException and stays whole', async () => {
    const image = await registry.push('delete/full', 'v1');
    const err = await refused(
      client.send(new DeleteRepositoryCommand({ repositoryName: 'delete/full' })),
      'RepositoryNotEmptyException',
    );
    assert.match(err.message, /delete\/full/);
    await refused(
      client.send(new DeleteRepositoryCommand({ repositoryName: 'delete/full', force: false })),
      'RepositoryNotEmptyException',
    );
    assert.equal(await registry.resolve('delete/full', 'v1'), image.digest);
  });

  test('force deletes it with its images, tags and blob links', async () => {
    const image = await registry.push('delete/forced', 'v1');
    const layer = (JSON.parse(image.bytes.toString()) as { layers: { digest: string }[] }).layers[0]!.digest;
    const deleted = await client.send(new DeleteRepositoryCommand({ repositoryName: 'delete/forced', force: true }));
    assertRepository(deleted.repository, 'delete/forced');
    await refused(describeNames(['delete/forced']), 'RepositoryNotFoundException');
    assert.equal(await registry.resolve('delete/forced', 'v1'), 404);
    // Re-created, the repository has none of the old content.
    await create({ repositoryName: 'delete/forced' });
    assert.equal(await registry.resolve('delete/forced', 'v1'), 404);
    assert.equal((await registry.fetch(`/v2/delete/forced/manifests/${image.digest}`, { method: 'HEAD' })).status, 404);
    assert.equal((await registry.fetch(`/v2/delete/forced/blobs/${layer}`, { method: 'HEAD' })).status, 404);
    assert.deepEqual(await (await registry.fetch('/v2/delete/forced/tags/list')).json(), {
      name: 'delete/forced',
      tags: [],
    });
  });

  test('a repository deleted and created again serves its new content at once', async () => {
    await registry.push('delete/again', 'v1');
    assert.equal(
      (await registry.fetch('/v2/delete/again/manifests/v1')).status,
      200,
      'a pull (which remembers the repository for reads)',
    );
    await client.send(new DeleteRepositoryCommand({ repositoryName: 'delete/again', force: true }));
    const image = await registry.push('delete/again', 'v1');
    const pulled = await registry.fetch('/v2/delete/again/manifests/v1');
    assert.equal(pulled.status, 200);
    assert.equal(pulled.headers.get('docker-content-digest'), image.digest);
  });

  test('layers without an image do not make a repository non-empty', async () => {
    await create({ repositoryName: 'delete/layers' });
    await registry.blob('delete/layers', Buffer.from('only a layer'));
    await client.send(new DeleteRepositoryCommand({ repositoryName: 'delete/layers' }));
    assert.equal(await exists('delete/layers'), false);
  });

  test('refusals: invalid name, another account', async () => {
    await refused(client.send(new DeleteRepositoryCommand({ repositoryName: 'Delete' })), 'InvalidParameterException');
    await refused(
      client.send(new DeleteRepositoryCommand({ repositoryName: 'delete/full', registryId: OTHER_ACCOUNT })),
      'AccessDeniedException',
    );
  });
});

describe('PutImageTagMutability', () => {
  test("returns the model's output and the repository shows the setting", async () => {
    await create({ repositoryName: 'mutability/app' });
    const filters = [{ filterType: 'WILDCARD' as const, filter: 'release-*' }];
    const out = await client.send(
      new PutImageTagMutabilityCommand({
        repositoryName: 'mutability/app',
        imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: filters,
      }),
    );
    assert.deepEqual(
      { ...out, $metadata: undefined },
      {
        $metadata: undefined,
        registryId: account,
        repositoryName: 'mutability/app',
        imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: filters,
      },
    );
    assertRepository((await describeNames(['mutability/app']))[0], 'mutability/app', {
      imageTagMutability: 'MUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: filters,
    });
    const back = await client.send(
      new PutImageTagMutabilityCommand({ repositoryName: 'mutability/app', imageTagMutability: 'IMMUTABLE' }),
    );
    assert.equal(back.imageTagMutability, 'IMMUTABLE');
    assert.equal(back.imageTagMutabilityExclusionFilters, undefined);
    assertRepository((await describeNames(['mutability/app']))[0], 'mutability/app', {
      imageTagMutability: 'IMMUTABLE',
    });
  });

  test('refusals: missing repository, filters that do not fit, invalid values, another account', async () => {
    const put = (input: object) =>
      client.send(
        new PutImageTagMutabilityCommand({ repositoryName: 'mutability/app', imageTagMutability: 'MUTABLE', ...input }),
      );
    await refused(put({ repositoryName: 'mutability/missing' }), 'RepositoryNotFoundException');
    await refused(
      put({ imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'v*' }] }),
      'InvalidParameterException',
    );
    await refused(put({ imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION' }), 'InvalidParameterException');
    await refused(put({ imageTagMutability: 'NEVER' }), 'InvalidParameterException');
    await refused(put({ imageTagMutability: undefined }), 'InvalidParameterException');
    await refused(put({ registryId: OTHER_ACCOUNT }), 'AccessDeniedException');
    assert.equal(
      (await describeNames(['mutability/app']))[0]!.imageTagMutability,
      'IMMUTABLE',
      'nothing refused changed it',
    );
  });
});
