// Lifecycle policies with the AWS CLI v2: the policy actions and ECR's refusals of bad policies, a
// policy of each countType, the preview waiter and paging, and a run acting on exactly the
// preview's images. (The JS SDK's tests are in lifecycle-sdk.test.ts.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PutLifecyclePolicyCommand } from '@aws-sdk/client-ecr';
import { runProgram } from '../../testing/cli.js';
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
import { ADMIN_ENV } from '../../testing/server.js';
import { AWS_CLI, requireAwsCli } from '../../testing/tools.js';

async function aws(args: string[]): Promise<{ code: number; json: any; stderr: string }> {
  const res = await runProgram(
    AWS_CLI,
    [...args, '--endpoint-url', server.url, '--region', 'us-east-1', '--output', 'json'],
    ADMIN_ENV,
  );
  return {
    code: res.code,
    json: res.code === 0 && res.stdout.trim() ? JSON.parse(res.stdout) : undefined,
    stderr: res.stderr,
  };
}

before(startLifecycleServer);
after(stopLifecycleServer);

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
