// Lifecycle policies with the JS SDK, time driven through the runner's clock (never slept): a
// preview of each countType, the preview by imageIds and its expiry, an index that keeps its
// images, transition through a recording archiver, and the pull time update exclusions.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DeregisterPullTimeUpdateExclusionCommand,
  DescribeImagesCommand,
  GetLifecyclePolicyPreviewCommand,
  ListPullTimeUpdateExclusionsCommand,
  PutLifecyclePolicyCommand,
  RegisterPullTimeUpdateExclusionCommand,
  StartLifecyclePolicyPreviewCommand,
} from '@aws-sdk/client-ecr';
import { DAY_MS } from '../../domain/lifecycle-rules.js';
import { ecrClient, RegistryHttp } from '../../testing/ecr-http.js';
import { sha256 } from '../../testing/ecr.js';
import {
  client,
  expire,
  listed,
  policyOf,
  previewDigests,
  pushAll,
  registry,
  repository,
  runner,
  server,
  since,
  startLifecycleServer,
  stopLifecycleServer,
} from '../../testing/lifecycle.js';

before(startLifecycleServer);
after(stopLifecycleServer);

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
