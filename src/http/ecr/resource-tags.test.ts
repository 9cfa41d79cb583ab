// TagResource, UntagResource and ListTagsForResource on repository ARNs through the real AWS
// SDK: the model's shapes, the tag rules and their exceptions, and every other refusal.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type ECRClient,
  type Tag,
} from '@aws-sdk/client-ecr';
import { ecrClient, refused } from '../../testing/ecr-http.js';
import { startBerth, type TestBerth } from '../../testing/server.js';

let server: TestBerth;
let client: ECRClient;
let account: string;

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
  client = ecrClient(server.url);
  account = server.berth.accountId;
});
after(async () => {
  client.destroy();
  await server.close();
});

const arn = (name: string, accountId = account, region = 'us-east-1') =>
  `arn:aws:ecr:${region}:${accountId}:repository/${name}`;
const tag = (resourceArn: string, tags: Tag[]) => client.send(new TagResourceCommand({ resourceArn, tags }));
const untag = (resourceArn: string, tagKeys: string[]) =>
  client.send(new UntagResourceCommand({ resourceArn, tagKeys }));
const list = async (resourceArn: string) => (await client.send(new ListTagsForResourceCommand({ resourceArn }))).tags;
const many = (n: number, prefix = 'k') =>
  Array.from({ length: n }, (_, i) => ({ Key: `${prefix}${String(i).padStart(2, '0')}`, Value: `v${i}` }));

async function repository(name: string, tags?: Tag[]): Promise<string> {
  const { repository: created } = await client.send(
    new CreateRepositoryCommand({ repositoryName: name, ...(tags && { tags }) }),
  );
  assert.equal(created!.repositoryArn, arn(name));
  return created!.repositoryArn!;
}

describe('resource tags', () => {
  test("tag, list, replace a value, untag: the model's shapes", async () => {
    const resource = await repository('tags/app');
    assert.deepEqual(await list(resource), []);
    const out = await tag(resource, [
      { Key: 'team', Value: 'payments' },
      { Key: 'Env', Value: 'prod' },
      { Key: 'owner:email', Value: 'a@b.example' },
    ]);
    assert.deepEqual({ ...out, $metadata: undefined }, { $metadata: undefined });
    await tag(resource, [
      { Key: 'team', Value: 'billing' },
      { Key: 'ünïcode key', Value: 'välue with spaces +=.:/@-_' },
    ]);
    assert.deepEqual(await list(resource), [
      { Key: 'Env', Value: 'prod' },
      { Key: 'owner:email', Value: 'a@b.example' },
      { Key: 'team', Value: 'billing' },
      { Key: 'ünïcode key', Value: 'välue with spaces +=.:/@-_' },
    ]);
    const removed = await untag(resource, ['team', 'never-set']);
    assert.deepEqual({ ...removed, $metadata: undefined }, { $metadata: undefined });
    assert.deepEqual(
      (await list(resource))!.map((t) => t.Key),
      ['Env', 'owner:email', 'ünïcode key'],
    );
  });

  test('tags given at creation are listed like the others', async () => {
    const resource = await repository('tags/created', [{ Key: 'a', Value: '1' }]);
    await tag(resource, [{ Key: 'b', Value: '2' }]);
    assert.deepEqual(await list(resource), [
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: '2' },
    ]);
  });

  test('50 tags are the most a repository has: TooManyTagsException changes nothing', async () => {
    const resource = await repository('tags/limit', many(40));
    await refused(tag(resource, many(11, 'x')), 'TooManyTagsException');
    assert.equal((await list(resource))!.length, 40);
    await tag(resource, many(10, 'x'));
    assert.equal((await list(resource))!.length, 50);
    await tag(resource, [{ Key: 'k00', Value: 'replaced' }]);
    await refused(tag(resource, [{ Key: 'one-more', Value: 'x' }]), 'TooManyTagsException');
    await refused(tag(resource, many(51, 'y')), 'TooManyTagsException');
    const tags = (await list(resource))!;
    assert.equal(tags.length, 50);
    assert.deepEqual(
      tags.find((t) => t.Key === 'k00'),
      { Key: 'k00', Value: 'replaced' },
    );
  });

  const badTags: [string, Tag[]][] = [
    ['a key starting with aws:', [{ Key: 'aws:cloudformation:stack', Value: 'x' }]],
    ['a key starting with AWS: in capitals', [{ Key: 'AWS:x', Value: 'x' }]],
    ['an empty key', [{ Key: '', Value: 'x' }]],
    ['a key of 129 characters', [{ Key: 'k'.repeat(129), Value: 'x' }]],
    ['a value of 257 characters', [{ Key: 'k', Value: 'v'.repeat(257) }]],
    ['a key with a forbidden character', [{ Key: 'semi;colon', Value: 'x' }]],
    ['a value with a forbidden character', [{ Key: 'k', Value: 'a#b' }]],
    [
      'a key given twice',
      [
        { Key: 'k', Value: '1' },
        { Key: 'k', Value: '2' },
      ],
    ],
  ];
  for (const [what, tags] of badTags) {
    test(`${what} is InvalidTagParameterException and changes nothing`, async () => {
      const resource = arn('tags/bad');
      if ((await list(resource).catch(() => undefined)) === undefined)
        await repository('tags/bad', [{ Key: 'keep', Value: 'me' }]);
      await refused(tag(resource, [{ Key: 'fine', Value: 'x' }, ...tags]), 'InvalidTagParameterException');
      assert.deepEqual(await list(resource), [{ Key: 'keep', Value: 'me' }]);
    });
  }

  test('the longest key and value are fine', async () => {
    const resource = await repository('tags/long');
    await tag(resource, [{ Key: 'k'.repeat(128), Value: 'v'.repeat(256) }]);
    assert.deepEqual(await list(resource), [{ Key: 'k'.repeat(128), Value: 'v'.repeat(256) }]);
  });

  test('UntagResource refuses an invalid key with InvalidTagParameterException', async () => {
    const resource = await repository('tags/untag', [{ Key: 'keep', Value: 'me' }]);
    await refused(untag(resource, ['keep', 'aws:reserved']), 'InvalidTagParameterException');
    await refused(untag(resource, ['']), 'InvalidTagParameterException');
    assert.deepEqual(await list(resource), [{ Key: 'keep', Value: 'me' }]);
  });

  test('the tags go with their repository', async () => {
    const resource = await repository('tags/deleted', [{ Key: 'a', Value: '1' }]);
    await client.send(new DeleteRepositoryCommand({ repositoryName: 'tags/deleted' }));
    await refused(list(resource), 'RepositoryNotFoundException');
    await refused(tag(resource, [{ Key: 'a', Value: '1' }]), 'RepositoryNotFoundException');
    await repository('tags/deleted');
    assert.deepEqual(await list(resource), []);
  });

  const notRepositoryArns = [
    'not-an-arn',
    '',
    arn('tags/app', account, 'eu-west-1'),
    `arn:aws:ecr:us-east-1:${account}:registry`,
    `arn:aws:s3:::bucket`,
    `arn:aws:ecr:us-east-1:${account}:repository/Tags/App`,
    `arn:aws:ecr:us-east-1:12345:repository/tags/app`,
  ];
  for (const resourceArn of notRepositoryArns) {
    test(`'${resourceArn}' is InvalidParameterException for all three actions`, async () => {
      await refused(tag(resourceArn, [{ Key: 'a', Value: '1' }]), 'InvalidParameterException');
      await refused(untag(resourceArn, ['a']), 'InvalidParameterException');
      await refused(list(resourceArn), 'InvalidParameterException');
    });
  }

  test('a repository that does not exist is RepositoryNotFoundException', async () => {
    const missing = arn('tags/missing');
    await refused(tag(missing, [{ Key: 'a', Value: '1' }]), 'RepositoryNotFoundException');
    await refused(untag(missing, ['a']), 'RepositoryNotFoundException');
    await refused(list(missing), 'RepositoryNotFoundException');
  });

  test("another account's repository is AccessDeniedException", async () => {
    const elsewhere = arn('tags/app', '000000000000');
    await refused(tag(elsewhere, [{ Key: 'a', Value: '1' }]), 'AccessDeniedException');
    await refused(untag(elsewhere, ['a']), 'AccessDeniedException');
    await refused(list(elsewhere), 'AccessDeniedException');
  });

  test('missing members are InvalidParameterException', async () => {
    const resource = arn('tags/app');
    await refused(client.send(new TagResourceCommand({ resourceArn: resource } as never)), 'InvalidParameterException');
    await refused(
      client.send(new TagResourceCommand({ resourceArn: resource, tags: [{ Key: 'no-value' } as Tag] })),
      'InvalidParameterException',
    );
    await refused(
      client.send(new UntagResourceCommand({ resourceArn: resource } as never)),
      'InvalidParameterException',
    );
    await refused(client.send(new ListTagsForResourceCommand({} as never)), 'InvalidParameterException');
  });
});
