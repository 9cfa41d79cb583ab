// Lifecycle policies through the HTTP surface, with the AWS CLI v2 and the JS SDK: the policy
// actions and ECR's refusals of bad policies, a preview of each countType, the preview waiter and
// paging, a run acting on exactly the preview's images, transition through the archiver, and the
// pull time update exclusions. Time is driven through the runner's clock, never slept.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  DeregisterPullTimeUpdateExclusionCommand,
  DescribeImagesCommand,
  type ECRClient,
  GetLifecyclePolicyPreviewCommand,
  ListImagesCommand,
  ListPullTimeUpdateExclusionsCommand,
  PutLifecyclePolicyCommand,
  RegisterPullTimeUpdateExclusionCommand,
  StartLifecyclePolicyPreviewCommand,
} from '@aws-sdk/client-ecr';
import { DAY_MS } from '../../domain/lifecycle-rules.js';
import type { Repository } from '../../domain/records/repositories.js';
import { runProgram } from '../../testing/cli.js';
import { ecrClient, RegistryHttp } from '../../testing/ecr-http.js';
import { sha256 } from '../../testing/ecr.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../../testing/server.js';
import { AWS_CLI, requireAwsCli } from '../../testing/tools.js';

let server: TestBerth;
let client: ECRClient;
let registry: RegistryHttp;

const ROOT = {
  AWS_ACCESS_KEY_ID: TEST_ADMIN.accessKeyId,
  AWS_SECRET_ACCESS_KEY: TEST_ADMIN.secretAccessKey,
  AWS_PAGER: '',
};

async function aws(args: string[]): Promise<{ code: number; json: any; stderr: string }> {
  const res = await runProgram(
    AWS_CLI,
    [...args, '--endpoint-url', server.url, '--region', 'us-east-1', '--output', 'json'],
    ROOT,
  );
  return {
    code: res.code,
    json: res.code === 0 && res.stdout.trim() ? JSON.parse(res.stdout) : undefined,
    stderr: res.stderr,
  };
}

/** A policy text of these rules (numbered from 1), each with a description that takes it past 100 characters. */
const policyOf = (...rules: object[]) =>
  JSON.stringify({
    rules: rules.map((rule, i) => ({
      rulePriority: i + 1,
      description: `rule ${i + 1} of a policy under test`,
      ...rule,
    })),
  });
const expire = { type: 'expire' };
const since = (countType: string, countNumber: number, extra: object = {}) => ({
  selection: { tagStatus: 'any', countType, countUnit: 'days', countNumber, ...extra },
  action: expire,
});

const runner = () => server.berth.services.lifecycle.runner;
async function repository(name: string): Promise<Repository> {
  return (await server.berth.store.repositories.get(server.berth.accountId, name))!;
}

/** Pushes tagged (or, with tag null, untagged) images one after another, so their push times are in that order. */
async function pushAll(name: string, tags: (string | null)[]): Promise<string[]> {
  const digests: string[] = [];
  for (const tag of tags) {
    const image = tag === null ? await registry.image(name) : await registry.push(name, tag);
    if (tag === null) assert.equal((await registry.putManifest(name, image.digest, image.bytes)).status, 201);
    digests.push(image.digest);
    await sleep(5);
  }
  return digests;
}

async function listed(name: string): Promise<string[]> {
  const out = await client.send(new ListImagesCommand({ repositoryName: name }));
  return [...new Set((out.imageIds ?? []).map((id) => id.imageDigest!))].sort();
}

async function previewDigests(name: string, text?: string): Promise<string[]> {
  const started = await client.send(
    new StartLifecyclePolicyPreviewCommand({ repositoryName: name, ...(text && { lifecyclePolicyText: text }) }),
  );
  assert.equal(started.status, 'COMPLETE');
  const preview = await client.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: name }));
  return (preview.previewResults ?? []).map((r) => r.imageDigest!).sort();
}

before(async () => {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
  client = ecrClient(server.url);
  registry = await RegistryHttp.login(server.url, client);
});
after(async () => {
  client?.destroy();
  await server?.close();
});

describe('lifecycle policies with the AWS CLI v2', () => {
  it('put, get, delete; then LifecyclePolicyNotFoundException; RepositoryNotFoundException for a missing repository', async (t) => {
    if (!requireAwsCli(t)) return;
    await pushAll('lc/cli', ['v1']);
    const text = policyOf(since('sinceImagePushed', 30));
    const put = await aws([
      'ecr',
      'put-lifecycle-policy',
      '--repository-name',
      'lc/cli',
      '--lifecycle-policy-text',
      text,
    ]);
    assert.equal(put.code, 0, put.stderr);
    assert.deepEqual(put.json, {
      registryId: server.berth.accountId,
      repositoryName: 'lc/cli',
      lifecyclePolicyText: text,
    });
    const got = await aws(['ecr', 'get-lifecycle-policy', '--repository-name', 'lc/cli']);
    assert.equal(got.json.lifecyclePolicyText, text);
    assert.equal(got.json.lastEvaluatedAt, undefined);
    await runner().run(await repository('lc/cli'));
    const evaluated = await aws(['ecr', 'get-lifecycle-policy', '--repository-name', 'lc/cli']);
    assert.ok(!Number.isNaN(Date.parse(evaluated.json.lastEvaluatedAt)), evaluated.json.lastEvaluatedAt);
    const deleted = await aws(['ecr', 'delete-lifecycle-policy', '--repository-name', 'lc/cli']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.json.lifecyclePolicyText, text);
    for (const args of [
      ['get-lifecycle-policy', '--repository-name', 'lc/cli'],
      ['delete-lifecycle-policy', '--repository-name', 'lc/cli'],
      ['start-lifecycle-policy-preview', '--repository-name', 'lc/cli'],
    ]) {
      const res = await aws(['ecr', ...args]);
      assert.equal(res.code, 254, `${args[0]}: ${res.stderr}`);
      assert.match(res.stderr, /LifecyclePolicyNotFoundException/);
    }
    const missing = await aws([
      'ecr',
      'put-lifecycle-policy',
      '--repository-name',
      'lc/none',
      '--lifecycle-policy-text',
      text,
    ]);
    assert.match(missing.stderr, /RepositoryNotFoundException/);
  });

  it('bad policies: InvalidParameterException with the reason, as ECR words it', async (t) => {
    if (!requireAwsCli(t)) return;
    await pushAll('lc/bad', ['v1']);
    const untaggedWithPrefix = {
      selection: { tagStatus: 'untagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 1 },
      action: expire,
    };
    const cases: [string, RegExp][] = [
      [
        policyOf(since('sinceImagePushed', 1), since('sinceImagePushed', 2)),
        /tagStatus "any" and must have the highest rulePriority/,
      ],
      [
        policyOf({
          selection: { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 },
          action: expire,
        }),
        /exactly one of tagPrefixList and tagPatternList/,
      ],
      [policyOf(untaggedWithPrefix), /only be used with tagStatus "tagged"/],
      [policyOf(since('imageCountMoreThan', 1)), /cannot be used with countType imageCountMoreThan/],
      [
        policyOf({ ...since('sinceImagePushed', 1), action: { type: 'transition', targetStorageClass: 'standard' } }),
        /targetStorageClass": "archive"/,
      ],
      [policyOf(since('sinceImageTransitioned', 1)), /requires "storageClass": "archive"/],
      [
        policyOf({
          selection: {
            tagStatus: 'tagged',
            tagPatternList: ['*a*b*c*d*'],
            countType: 'imageCountMoreThan',
            countNumber: 1,
          },
          action: expire,
        }),
        /more than 4 wildcards/,
      ],
      [`${policyOf(since('sinceImagePushed', 1)).slice(0, -1)}${' '.repeat(10)}`, /not valid JSON/],
    ];
    for (const [text, reason] of cases) {
      const res = await aws([
        'ecr',
        'put-lifecycle-policy',
        '--repository-name',
        'lc/bad',
        '--lifecycle-policy-text',
        text,
      ]);
      assert.equal(res.code, 254, text);
      assert.match(res.stderr, /InvalidParameterException/);
      assert.match(
        res.stderr,
        /Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: /,
      );
      assert.match(res.stderr, reason);
    }
    // The model's length bounds (the CLI checks them itself; the SDK sends the text).
    await assert.rejects(
      client.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/bad', lifecyclePolicyText: '{"rules":[]}' })),
      { name: 'InvalidParameterException' },
    );
    assert.equal((await aws(['ecr', 'get-lifecycle-policy', '--repository-name', 'lc/bad'])).code, 254);
  });

  it('preview, the waiter, paging, the filter and the summary; then the run acts on exactly the preview images', async (t) => {
    if (!requireAwsCli(t)) return;
    const digests = await pushAll('lc/count', ['v1', 'v2', 'v3', 'v4', null, null]);
    const text = policyOf(
      {
        selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 2 },
        action: expire,
      },
      { selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }, action: expire },
    );
    assert.equal(
      (await aws(['ecr', 'put-lifecycle-policy', '--repository-name', 'lc/count', '--lifecycle-policy-text', text]))
        .code,
      0,
    );
    const started = await aws(['ecr', 'start-lifecycle-policy-preview', '--repository-name', 'lc/count']);
    assert.equal(started.code, 0, started.stderr);
    assert.equal(started.json.lifecyclePolicyText, text);
    const waited = await aws(['ecr', 'wait', 'lifecycle-policy-preview-complete', '--repository-name', 'lc/count']);
    assert.equal(waited.code, 0, waited.stderr);

    const all = await aws(['ecr', 'get-lifecycle-policy-preview', '--repository-name', 'lc/count']);
    assert.equal(all.json.status, 'COMPLETE');
    // This CLI's model predates storage classes: it shows the expiring count only (the SDK test sees the rest).
    assert.equal(all.json.summary.expiringImageTotalCount, 3);
    const expected = [digests[0], digests[1], digests[4]].sort();
    assert.deepEqual(all.json.previewResults.map((r: any) => r.imageDigest).sort(), expected);
    const v1 = all.json.previewResults.find((r: any) => r.imageDigest === digests[0]);
    assert.deepEqual(v1.imageTags, ['v1']);
    assert.deepEqual(v1.action, { type: 'EXPIRE' });
    assert.equal(v1.appliedRulePriority, 1);
    assert.ok(!Number.isNaN(Date.parse(v1.imagePushedAt)), v1.imagePushedAt);

    // The CLI follows nextToken page by page (one result each) and gives the same results.
    const paged = await aws([
      'ecr',
      'get-lifecycle-policy-preview',
      '--repository-name',
      'lc/count',
      '--page-size',
      '1',
    ]);
    assert.deepEqual(paged.json.previewResults.map((r: any) => r.imageDigest).sort(), expected);
    const one = await aws(['ecr', 'get-lifecycle-policy-preview', '--repository-name', 'lc/count', '--max-items', '1']);
    assert.equal(one.json.previewResults.length, 1);
    assert.ok(one.json.NextToken);
    const untagged = await aws([
      'ecr',
      'get-lifecycle-policy-preview',
      '--repository-name',
      'lc/count',
      '--filter',
      'tagStatus=UNTAGGED',
    ]);
    assert.deepEqual(
      untagged.json.previewResults.map((r: any) => r.imageDigest),
      [digests[4]],
    );

    const result = await runner().run(await repository('lc/count'));
    assert.deepEqual(result!.done.map((a) => a.digest).sort(), expected);
    assert.deepEqual(await listed('lc/count'), [digests[2], digests[3], digests[5]].sort());
    const actions = await server.berth.store.lifecycle.actions((await repository('lc/count')).id);
    assert.deepEqual(actions.map((a) => a.digest).sort(), expected);
    assert.ok(actions.every((a) => a.actor === 'lifecycle' && a.action === 'EXPIRE'));
  });

  it('a policy of each countType is accepted and previewed', async (t) => {
    if (!requireAwsCli(t)) return;
    await pushAll('lc/types', ['v1']);
    for (const rule of [
      { selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 }, action: expire },
      since('sinceImagePushed', 30),
      since('sinceImagePulled', 30),
      since('sinceImageTransitioned', 30, { storageClass: 'archive' }),
    ]) {
      const text = policyOf(rule);
      const put = await aws([
        'ecr',
        'put-lifecycle-policy',
        '--repository-name',
        'lc/types',
        '--lifecycle-policy-text',
        text,
      ]);
      assert.equal(put.code, 0, `${text}: ${put.stderr}`);
      const started = await aws(['ecr', 'start-lifecycle-policy-preview', '--repository-name', 'lc/types']);
      assert.equal(started.json.status, 'COMPLETE', started.stderr);
      const preview = await aws(['ecr', 'get-lifecycle-policy-preview', '--repository-name', 'lc/types']);
      assert.deepEqual(preview.json.previewResults, []);
    }
  });

  it('get-lifecycle-policy-preview before any preview: LifecyclePolicyPreviewNotFoundException', async (t) => {
    if (!requireAwsCli(t)) return;
    await pushAll('lc/nopreview', ['v1']);
    const res = await aws(['ecr', 'get-lifecycle-policy-preview', '--repository-name', 'lc/nopreview']);
    assert.match(res.stderr, /LifecyclePolicyPreviewNotFoundException/);
  });
});

describe('lifecycle policies with the JS SDK', () => {
  it('a preview of each countType, with time moved on by the clock', async () => {
    const digests = await pushAll('lc/since', ['old', null, 'recent']);
    const images = await server.berth.store.images.get((await repository('lc/since')).id, digests);
    const pushedAt = Math.max(...images.map((i) => i.createdAt));
    runner().now = () => pushedAt + 10 * DAY_MS;
    try {
      // Pulled "8 days later" (2 days before the clock): recent by pull, old by push.
      await server.berth.store.images.recordPull((await repository('lc/since')).id, digests[0]!, pushedAt + 8 * DAY_MS);
      assert.deepEqual(await previewDigests('lc/since', policyOf(since('sinceImagePushed', 5))), [...digests].sort());
      assert.deepEqual(await previewDigests('lc/since', policyOf(since('sinceImagePushed', 11))), []);
      assert.deepEqual(
        await previewDigests('lc/since', policyOf(since('sinceImagePulled', 5))),
        [digests[1], digests[2]].sort(),
      );
      assert.deepEqual(
        await previewDigests(
          'lc/since',
          policyOf({
            selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
            action: expire,
          }),
        ),
        [digests[0], digests[1]].sort(),
      );
      assert.deepEqual(
        await previewDigests(
          'lc/since',
          policyOf({
            selection: {
              tagStatus: 'tagged',
              tagPatternList: ['o*d'],
              countType: 'sinceImagePushed',
              countUnit: 'days',
              countNumber: 1,
            },
            action: expire,
          }),
        ),
        [digests[0]],
      );
      // No image is archived: sinceImageTransitioned selects none.
      assert.deepEqual(
        await previewDigests('lc/since', policyOf(since('sinceImageTransitioned', 1, { storageClass: 'archive' }))),
        [],
      );
    } finally {
      runner().now = Date.now;
    }
  });

  it('the preview by imageIds (without paging), and EXPIRED a day after it completed', async () => {
    const digests = await pushAll('lc/ids', ['i1', 'i2', 'i3']);
    const text = policyOf({
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
      action: expire,
    });
    await client.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: 'lc/ids', lifecyclePolicyText: text }));
    const byTag = await client.send(
      new GetLifecyclePolicyPreviewCommand({
        repositoryName: 'lc/ids',
        imageIds: [{ imageTag: 'i1' }, { imageDigest: digests[2] }],
      }),
    );
    assert.deepEqual(
      byTag.previewResults?.map((r) => r.imageDigest),
      [digests[0]],
    );
    await assert.rejects(
      client.send(
        new GetLifecyclePolicyPreviewCommand({
          repositoryName: 'lc/ids',
          imageIds: [{ imageTag: 'i1' }],
          maxResults: 5,
        }),
      ),
      { name: 'InvalidParameterException' },
    );
    await assert.rejects(
      client.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: 'lc/ids', nextToken: 'forged' })),
      { name: 'InvalidParameterException' },
    );
    runner().now = () => Date.now() + 2 * DAY_MS;
    try {
      const expired = await client.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: 'lc/ids' }));
      assert.equal(expired.status, 'EXPIRED');
      assert.deepEqual(expired.previewResults, []);
      assert.equal(expired.summary, undefined);
    } finally {
      runner().now = Date.now;
    }
  });

  it('images listed by an index that stays are not expired; once the index expires too, they go with it', async () => {
    const [a, b] = await pushAll('lc/index', [null, null]);
    const child = async (digest: string) => {
      const res = await registry.fetch(`/v2/lc/index/manifests/${digest}`, {
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      const bytes = Buffer.from(await res.arrayBuffer());
      return {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest,
        size: bytes.length,
        platform: { os: 'linux', architecture: digest === a ? 'amd64' : 'arm64' },
      };
    };
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [await child(a!), await child(b!)],
      }),
    );
    const put = await registry.fetch('/v2/lc/index/manifests/multi', {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' },
      body: index,
    });
    assert.equal(put.status, 201, await put.text());
    const text = policyOf({
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 },
      action: expire,
    });
    await client.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/index', lifecyclePolicyText: text }));
    runner().now = () => Date.now() + 2 * DAY_MS;
    try {
      assert.deepEqual(await previewDigests('lc/index'), []);
      const kept = await runner().run(await repository('lc/index'));
      assert.deepEqual(
        kept!.kept.map((k) => [k.digest, k.reason]).sort(),
        [
          [a, 'listed by an index that stays'],
          [b, 'listed by an index that stays'],
        ].sort(),
      );
      assert.equal((await listed('lc/index')).length, 3);
      // DELETE by tag removes the tag: the index, untagged now, expires with its children.
      const removed = await registry.fetch('/v2/lc/index/manifests/multi', { method: 'DELETE' });
      assert.equal(removed.status, 202);
      assert.deepEqual(await previewDigests('lc/index'), [a, b, sha256(index)].sort());
      await runner().run(await repository('lc/index'));
      assert.deepEqual(await listed('lc/index'), []);
    } finally {
      runner().now = Date.now;
    }
  });

  it('transition rules: the preview counts them, the run hands them to the archiver', async () => {
    const digests = await pushAll('lc/archive', ['a1', 'a2']);
    const text = policyOf({
      ...since('sinceImagePushed', 1),
      action: { type: 'transition', targetStorageClass: 'archive' },
    });
    await client.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/archive', lifecyclePolicyText: text }));
    runner().now = () => Date.now() + 2 * DAY_MS;
    const archived: string[] = [];
    runner().archiver = {
      async archive(_repository, digest) {
        archived.push(digest);
      },
    };
    try {
      await client.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: 'lc/archive' }));
      const preview = await client.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: 'lc/archive' }));
      assert.deepEqual(preview.summary, {
        expiringImageTotalCount: 0,
        transitioningImageTotalCounts: [{ targetStorageClass: 'ARCHIVE', imageTotalCount: 2 }],
      });
      assert.deepEqual(preview.previewResults?.[0]?.action, { type: 'TRANSITION', targetStorageClass: 'ARCHIVE' });
      assert.equal(preview.previewResults?.[0]?.storageClass, 'STANDARD');
      await runner().run(await repository('lc/archive'));
      assert.deepEqual(archived.sort(), [...digests].sort());
      assert.deepEqual(await listed('lc/archive'), [...digests].sort());
    } finally {
      runner().now = Date.now;
      runner().archiver = undefined;
    }
  });

  it('pull time update exclusions: register, list (paged), refuse twice, deregister, refuse a bad ARN', async () => {
    const arn = (name: string) => `arn:aws:iam::${server.berth.accountId}:user/${name}`;
    const registered = await client.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: arn('sdk-a') }));
    assert.equal(registered.principalArn, arn('sdk-a'));
    assert.ok(registered.createdAt instanceof Date);
    await client.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: arn('sdk-b') }));
    await assert.rejects(client.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: arn('sdk-a') })), {
      name: 'ExclusionAlreadyExistsException',
    });
    const first = await client.send(new ListPullTimeUpdateExclusionsCommand({ maxResults: 1 }));
    assert.equal(first.pullTimeUpdateExclusions?.length, 1);
    assert.ok(first.nextToken);
    const rest = await client.send(new ListPullTimeUpdateExclusionsCommand({ nextToken: first.nextToken }));
    assert.deepEqual(
      [...first.pullTimeUpdateExclusions!, ...rest.pullTimeUpdateExclusions!].filter((a) => a.includes('sdk-')),
      [arn('sdk-a'), arn('sdk-b')],
    );
    await client.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn: arn('sdk-a') }));
    await client.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn: arn('sdk-b') }));
    await assert.rejects(client.send(new DeregisterPullTimeUpdateExclusionCommand({ principalArn: arn('sdk-a') })), {
      name: 'ExclusionNotFoundException',
    });
    await assert.rejects(
      client.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: 'arn:aws:iam::1:group/x' })),
      {
        name: 'InvalidParameterException',
      },
    );
  });

  it('a registry has at most 100 pull time update exclusions: LimitExceededException', async () => {
    const arn = (i: number) => `arn:aws:iam::${server.berth.accountId}:role/limit-${i}`;
    const { lifecycle } = server.berth.store;
    const existing = await lifecycle.exclusionCount(server.berth.accountId);
    const added: string[] = [];
    try {
      for (let i = existing; i < 100; i++) {
        await client.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: arn(i) }));
        added.push(arn(i));
      }
      await assert.rejects(client.send(new RegisterPullTimeUpdateExclusionCommand({ principalArn: arn(100) })), {
        name: 'LimitExceededException',
      });
    } finally {
      for (const principalArn of added) await lifecycle.removeExclusion(server.berth.accountId, principalArn);
    }
  });

  it('a pull by an excluded principal leaves lastRecordedPullTime alone; another principal sets it', async () => {
    const { identities, userPolicies, accountId } = server.berth;
    const [digest] = await pushAll('lc/pulls', ['p1']);
    await identities.createUser(accountId, 'excluded-ci');
    const key = await identities.createAccessKeyFor(accountId, 'excluded-ci');
    await userPolicies.putUserPolicy(
      accountId,
      'excluded-ci',
      'pull',
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }] }),
    );
    const ciClient = ecrClient(server.url, key);
    try {
      const ci = await RegistryHttp.login(server.url, ciClient);
      await client.send(
        new RegisterPullTimeUpdateExclusionCommand({ principalArn: `arn:aws:iam::${accountId}:user/excluded-ci` }),
      );
      const pull = async (who: RegistryHttp) => {
        const res = await who.fetch(`/v2/lc/pulls/manifests/${digest}`, {
          headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
        });
        assert.equal(res.status, 200);
      };
      const pulledAt = async () =>
        (await client.send(new DescribeImagesCommand({ repositoryName: 'lc/pulls' }))).imageDetails?.[0]
          ?.lastRecordedPullTime;
      await pull(ci);
      assert.equal(await pulledAt(), undefined);
      await pull(registry);
      assert.ok((await pulledAt()) instanceof Date);
    } finally {
      ciClient.destroy();
    }
  });
});
