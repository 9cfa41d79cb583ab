// Lifecycle policies with the JS SDK, the parts lifecycle.test.ts shows with the AWS CLI v2: bad
// policies each refused with InvalidParameterException and ECR's reason, and a preview awaited
// with the SDK's waiter, then a run on the same repository acting on exactly the preview's images.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  GetLifecyclePolicyCommand,
  GetLifecyclePolicyPreviewCommand,
  PutLifecyclePolicyCommand,
  StartLifecyclePolicyPreviewCommand,
  waitUntilLifecyclePolicyPreviewComplete,
} from '@aws-sdk/client-ecr';
import {
  client,
  expire,
  listed,
  policyOf,
  pushAll,
  repository,
  runner,
  server,
  since,
  startLifecycleServer,
  stopLifecycleServer,
} from '../../testing/lifecycle.js';

before(startLifecycleServer);
after(stopLifecycleServer);

describe('lifecycle policies with the JS SDK: refusals, the waiter, preview then run', () => {
  it('bad policies: InvalidParameterException with the reason, for PutLifecyclePolicy and a preview of the text', async () => {
    await pushAll('lc/sdk-bad', ['v1']);
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
      [
        policyOf({
          selection: { tagStatus: 'untagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 1 },
          action: expire,
        }),
        /only be used with tagStatus "tagged"/,
      ],
      [policyOf(since('imageCountMoreThan', 1)), /cannot be used with countType imageCountMoreThan/],
      [
        policyOf({ ...since('sinceImagePushed', 1), action: { type: 'transition', targetStorageClass: 'standard' } }),
        /targetStorageClass": "archive"/,
      ],
      [policyOf(since('sinceImageTransitioned', 1)), /requires "storageClass": "archive"/],
      [`${policyOf(since('sinceImagePushed', 1)).slice(0, -1)}${' '.repeat(10)}`, /not valid JSON/],
    ];
    for (const [text, reason] of cases) {
      for (const command of [
        new PutLifecyclePolicyCommand({ repositoryName: 'lc/sdk-bad', lifecyclePolicyText: text }),
        new StartLifecyclePolicyPreviewCommand({ repositoryName: 'lc/sdk-bad', lifecyclePolicyText: text }),
      ]) {
        await assert.rejects(
          client.send(command as PutLifecyclePolicyCommand),
          (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
            assert.equal(err.name, 'InvalidParameterException', `${text}: ${err.name}`);
            assert.equal(err.$metadata?.httpStatusCode, 400);
            assert.match(err.message, /Lifecycle policy validation failure: /);
            assert.match(err.message, reason);
            return true;
          },
        );
      }
    }
    // Nothing was stored.
    await assert.rejects(client.send(new GetLifecyclePolicyCommand({ repositoryName: 'lc/sdk-bad' })), {
      name: 'LifecyclePolicyNotFoundException',
    });
  });

  it('the preview through the waiter, then the run expires exactly the preview images', async () => {
    const digests = await pushAll('lc/sdk-run', ['v1', 'v2', 'v3', 'v4', null, null]);
    const text = policyOf(
      {
        selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 2 },
        action: expire,
      },
      { selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }, action: expire },
    );
    await client.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc/sdk-run', lifecyclePolicyText: text }));
    await client.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: 'lc/sdk-run' }));
    const waited = await waitUntilLifecyclePolicyPreviewComplete(
      { client, maxWaitTime: 30, minDelay: 1 },
      { repositoryName: 'lc/sdk-run' },
    );
    assert.equal(waited.state, 'SUCCESS');
    const preview = await client.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: 'lc/sdk-run' }));
    assert.equal(preview.status, 'COMPLETE');
    const previewed = (preview.previewResults ?? []).map((r) => r.imageDigest!).sort();
    assert.deepEqual(previewed, [digests[0], digests[1], digests[4]].sort());
    assert.equal(preview.summary?.expiringImageTotalCount, 3);

    const result = await runner().run(await repository('lc/sdk-run'));
    assert.deepEqual(result!.done.map((a) => a.digest).sort(), previewed);
    assert.deepEqual(await listed('lc/sdk-run'), [digests[2], digests[3], digests[5]].sort());
    const actions = await server.berth.store.lifecycle.actions((await repository('lc/sdk-run')).id);
    assert.deepEqual(actions.map((a) => a.digest).sort(), previewed);
  });
});
