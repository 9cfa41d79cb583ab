// ECR's lifecycle rule language and its evaluation, as pure code: what a policy may say, and
// which images a plan acts on (priority order, one rule per image, counts, storage classes,
// children of an index that stays, what guards keep).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type LifecycleImage, planLifecycle, settlePlan } from './lifecycle-plan.js';
import { DAY_MS, LifecyclePolicyError, parseLifecyclePolicy, tagPatternMatcher } from './lifecycle-rules.js';

/** A policy text of these rules, padded with a description past ECR's 100-character minimum. */
function policyOf(...rules: object[]): string {
  return JSON.stringify({
    rules: rules.map((rule, i) => ({
      description: 'a rule of a lifecycle policy under test',
      rulePriority: i + 1,
      ...rule,
    })),
  });
}
const expire = { type: 'expire' };
const keep = (countNumber: number, extra: object = {}) => ({
  selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber, ...extra },
  action: expire,
});

function refused(text: string, reason: RegExp): void {
  assert.throws(
    () => parseLifecyclePolicy(text),
    (err: unknown) => err instanceof LifecyclePolicyError && reason.test(err.message),
    reason.source,
  );
}

describe('the rule language', () => {
  it('parses a valid policy into rules in priority order, storage class standard by default', () => {
    const rules = parseLifecyclePolicy(
      JSON.stringify({
        rules: [
          {
            rulePriority: 20,
            selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 },
            action: expire,
          },
          {
            rulePriority: 3,
            selection: {
              tagStatus: 'tagged',
              tagPatternList: ['prod*'],
              countType: 'sinceImagePushed',
              countUnit: 'days',
              countNumber: 7,
            },
            action: { type: 'transition', targetStorageClass: 'archive' },
          },
        ],
      }),
    );
    assert.deepEqual(
      rules.map((r) => [r.rulePriority, r.selection.storageClass, r.action.type]),
      [
        [3, 'standard', 'transition'],
        [20, 'standard', 'expire'],
      ],
    );
  });

  it('refuses what ECR refuses, saying why', () => {
    refused('{"rules":[]}', /100 to 30720 characters/);
    refused(`${' '.repeat(100)}{`, /not valid JSON/);
    refused(policyOf(keep(1), keep(2)), /tagStatus "any" and must have the highest rulePriority/);
    refused(
      JSON.stringify({
        rules: [
          { ...keep(1), rulePriority: 1, description: 'x'.repeat(100) },
          { ...keep(1), rulePriority: 1 },
        ],
      }),
      /rulePriority 1 is used by more than one rule/,
    );
    refused(policyOf({ ...keep(1), rulePriority: 0 }), /rulePriority.*greater than 0/);
    refused(policyOf(keep(0)), /countNumber.*greater than 0/);
    refused(
      policyOf({ selection: { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 }, action: expire }),
      /exactly one of tagPrefixList and tagPatternList/,
    );
    refused(
      policyOf({
        selection: {
          tagStatus: 'tagged',
          tagPrefixList: ['a'],
          tagPatternList: ['b*'],
          countType: 'imageCountMoreThan',
          countNumber: 1,
        },
        action: expire,
      }),
      /exactly one of tagPrefixList and tagPatternList/,
    );
    refused(policyOf(keep(1, { tagPrefixList: ['a'], tagStatus: 'untagged' })), /only be used with tagStatus "tagged"/);
    refused(
      policyOf({
        selection: {
          tagStatus: 'tagged',
          tagPatternList: ['a*b*c*d*e*f'],
          countType: 'imageCountMoreThan',
          countNumber: 1,
        },
        action: expire,
      }),
      /more than 4 wildcards/,
    );
    refused(policyOf(keep(1, { countUnit: 'days' })), /countUnit" cannot be used with countType imageCountMoreThan/);
    refused(policyOf(keep(1, { countType: 'sinceImagePushed' })), /requires "countUnit": "days"/);
    refused(policyOf(keep(1, { countType: 'sinceImagePushed', countUnit: 'hours' })), /requires "countUnit": "days"/);
    refused(
      policyOf(keep(1, { countType: 'sinceImageTransitioned', countUnit: 'days' })),
      /requires "storageClass": "archive"/,
    );
    refused(
      policyOf({ ...keep(1), action: { type: 'transition', targetStorageClass: 'standard' } }),
      /targetStorageClass": "archive"/,
    );
    refused(policyOf({ ...keep(1), action: { type: 'transition' } }), /targetStorageClass": "archive"/);
    refused(
      policyOf({
        ...keep(1, { storageClass: 'archive' }),
        action: { type: 'transition', targetStorageClass: 'archive' },
      }),
      /storageClass standard/,
    );
    refused(policyOf({ ...keep(1), action: { type: 'delete' } }), /one of expire, transition/);
    refused(policyOf(keep(1, { countType: 'sinceForever' })), /countType" must be one of/);
    refused(policyOf({ ...keep(1), extra: true }), /unknown property "extra"/);
  });

  it('tag patterns match whole tags, * any run of characters', () => {
    const match = tagPatternMatcher('prod*-v*');
    assert.equal(match('prod-eu-v1'), true);
    assert.equal(match('prod-v'), true);
    assert.equal(match('xprod-v1'), false);
    assert.equal(tagPatternMatcher('a.b')('axb'), false);
  });
});

const NOW = 1_000 * DAY_MS;
function image(
  digest: string,
  daysAgo: number,
  tags: string[] = [],
  extra: Partial<LifecycleImage> = {},
): LifecycleImage {
  return { digest, tags, pushedAt: NOW - daysAgo * DAY_MS, lastPulledAt: null, parents: [], ...extra };
}
const digests = (actions: { digest: string }[]) => actions.map((a) => a.digest).sort();

describe('the plan', () => {
  it('imageCountMoreThan keeps the newest N of what the rule selects; a selected image is never seen by later rules', () => {
    const rules = parseLifecyclePolicy(
      policyOf(
        {
          selection: { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'imageCountMoreThan', countNumber: 1 },
          action: expire,
        },
        keep(1),
      ),
    );
    const images = [image('p1', 3, ['prod-1']), image('p2', 2, ['prod-2']), image('d1', 5, ['dev']), image('u', 1)];
    const plan = planLifecycle(rules, images, NOW);
    // Rule 1 keeps p2 and expires p1; rule 2 sees only d1 and u, keeps u (the newest).
    assert.deepEqual(
      plan.map((a) => [a.digest, a.rulePriority, a.action]),
      [
        ['p1', 1, 'EXPIRE'],
        ['d1', 2, 'EXPIRE'],
      ],
    );
  });

  it('a prefix or pattern list selects images that match every entry', () => {
    const rules = parseLifecyclePolicy(
      policyOf({
        selection: {
          tagStatus: 'tagged',
          tagPatternList: ['v*', '*-rc'],
          countType: 'sinceImagePushed',
          countUnit: 'days',
          countNumber: 1,
        },
        action: expire,
      }),
    );
    const plan = planLifecycle(
      rules,
      [image('a', 5, ['v1', 'v1-rc']), image('b', 5, ['v2']), image('c', 5, ['x-rc'])],
      NOW,
    );
    assert.deepEqual(digests(plan), ['a']);
  });

  it('since counts: pushed, pulled (push time when never pulled), transitioned (archived images only)', () => {
    const rules = (countType: string, storageClass = 'standard') =>
      parseLifecyclePolicy(
        policyOf({
          selection: { tagStatus: 'any', countType, countUnit: 'days', countNumber: 10, storageClass },
          action: expire,
        }),
      );
    const images = [
      image('old', 20),
      image('new', 5),
      image('old-pulled', 20, [], { lastPulledAt: NOW - 2 * DAY_MS }),
      image('archived', 30, [], { imageStatus: 'ARCHIVED', lastArchivedAt: NOW - 3 * DAY_MS }),
      image('archived-long', 30, [], { imageStatus: 'ARCHIVED', lastArchivedAt: NOW - 12 * DAY_MS }),
    ];
    assert.deepEqual(digests(planLifecycle(rules('sinceImagePushed'), images, NOW)), ['old', 'old-pulled']);
    assert.deepEqual(digests(planLifecycle(rules('sinceImagePulled'), images, NOW)), ['old']);
    assert.deepEqual(digests(planLifecycle(rules('sinceImageTransitioned', 'archive'), images, NOW)), [
      'archived-long',
    ]);
    assert.deepEqual(digests(planLifecycle(rules('sinceImagePushed', 'archive'), images, NOW)), [
      'archived',
      'archived-long',
    ]);
  });

  it('transition rules act on standard images with TRANSITION', () => {
    const rules = parseLifecyclePolicy(
      policyOf({
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 },
        action: { type: 'transition', targetStorageClass: 'archive' },
      }),
    );
    const plan = planLifecycle(
      rules,
      [image('u', 3), image('t', 3, ['x']), image('a', 3, [], { imageStatus: 'ARCHIVED' })],
      NOW,
    );
    assert.deepEqual(
      plan.map((a) => [a.digest, a.action, a.storageClass]),
      [['u', 'TRANSITION', 'STANDARD']],
    );
  });

  it('settling: guarded images are kept with their reason, and an index that stays keeps its children', () => {
    const images = [
      image('index', 1, ['multi']),
      image('child', 9, [], { parents: ['index'] }),
      image('gone-index', 9, []),
      image('gone-child', 9, [], { parents: ['gone-index'] }),
      image('guarded', 9),
    ];
    const rules = parseLifecyclePolicy(
      policyOf({
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 5 },
        action: expire,
      }),
    );
    const { actions, kept } = settlePlan(
      planLifecycle(rules, images, NOW),
      images,
      new Map([['guarded', 'protected: g*']]),
    );
    assert.deepEqual(digests(actions), ['gone-child', 'gone-index']);
    assert.deepEqual(kept.map((k) => [k.digest, k.reason]).sort(), [
      ['child', 'listed by an index that stays'],
      ['guarded', 'protected: g*'],
    ]);
  });
});
