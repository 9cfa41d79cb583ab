// Generators for the policy fuzzers: callers, requests and policy documents drawn from the IAM
// grammar (wildcards, variables, every condition operator with its qualifiers), plus junk.
import { OPERATORS } from '../policy/conditions.js';
import { buildContext, type Caller } from '../policy/request.js';
import { fc } from './harness.js';
import { PROTOTYPE_KEYS } from './manifest-arbitraries.js';

export const ACCOUNTS = ['111122223333', '444455556666'] as const;
const account = fc.constantFrom(...ACCOUNTS);
const userName = fc.constantFrom('alice', 'bob', 'ci');

export const caller: fc.Arbitrary<Caller> = fc.oneof(
  account.map((a): Caller => ({ type: 'Account', arn: `arn:aws:iam::${a}:root`, accountId: a, userId: a })),
  fc
    .tuple(account, userName, fc.dictionary(fc.constantFrom('team', 'env'), fc.constantFrom('a', 'b'), { maxKeys: 2 }))
    .map(
      ([a, u, tags]): Caller => ({
        type: 'User',
        arn: `arn:aws:iam::${a}:user/${u}`,
        accountId: a,
        userId: `AIDA${u.toUpperCase()}`,
        username: u,
        tags,
      }),
    ),
  fc.tuple(account, fc.constantFrom('deployer', 'reader'), userName).map(
    ([a, r, s]): Caller => ({
      type: 'AssumedRole',
      arn: `arn:aws:sts::${a}:assumed-role/${r}/${s}`,
      roleArn: `arn:aws:iam::${a}:role/${r}`,
      accountId: a,
      userId: `AROA:${s}`,
    }),
  ),
  fc.constant<Caller>({ type: 'Anonymous' }),
  fc.constant<Caller>({ type: 'AssumedRole', federated: 'arn:aws:iam::111122223333:oidc-provider/issuer.example' }),
);

export const ACTIONS = [
  'ecr:BatchGetImage',
  'ecr:PutImage',
  'ecr:GetDownloadUrlForLayer',
  'ecr:DeleteRepository',
  'kms:Decrypt',
  'sts:AssumeRole',
] as const;
const repository = fc.constantFrom('app', 'team/app', 'alice', 'x');
export const resourceOf = (a: string, repo: string) => `arn:aws:ecr:us-east-1:${a}:repository/${repo}`;

export const request = fc
  .record({
    caller,
    action: fc.constantFrom(...ACTIONS),
    resourceAccount: account,
    repo: repository,
    sourceIp: fc.constantFrom('10.0.0.1', '192.0.2.9', '::1', '2001:db8::5'),
    secure: fc.option(fc.boolean(), { nil: undefined }),
    tags: fc.dictionary(fc.constantFrom('team', 'env'), fc.constantFrom('a', 'b'), { maxKeys: 2 }),
    now: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }),
  })
  .map((r) => ({
    caller: r.caller,
    action: r.action,
    resource: resourceOf(r.resourceAccount, r.repo),
    resourceAccount: r.resourceAccount,
    context: buildContext(
      r.caller,
      { sourceIp: r.sourceIp, ...(r.secure !== undefined && { secureTransport: r.secure }), requestTags: r.tags },
      r.now,
      r.tags,
    ),
  }));

const actionPattern = fc.constantFrom(
  '*',
  'ecr:*',
  'ecr:Get*',
  'ecr:BatchGetImage',
  'ECR:batchgetimage',
  'ecr:Put?mage',
  'kms:*',
  'sts:AssumeRole',
  'ecr:Describe*',
);
const resourcePattern = fc.oneof(
  fc.constantFrom(
    '*',
    'arn:aws:ecr:*:*:repository/*',
    'arn:aws:ecr:us-east-1:*:repository/team/*',
    'arn:aws:ecr:us-east-1:111122223333:repository/${aws:username}',
    "arn:aws:ecr:*:*:repository/${aws:PrincipalTag/team, 'app'}",
    'arn:aws:ecr:us-east-1:444455556666:repository/?pp',
  ),
  fc.tuple(account, repository).map(([a, r]) => resourceOf(a, r)),
);
const principal = fc.oneof(
  fc.constant('*'),
  fc.record({
    AWS: fc.oneof(
      fc.constantFrom(
        '*',
        ...ACCOUNTS,
        'arn:aws:iam::111122223333:user/alice',
        'arn:aws:iam::444455556666:role/deployer',
        'arn:aws:iam::111122223333:root',
      ),
      fc.array(fc.constantFrom(...ACCOUNTS, 'arn:aws:iam::111122223333:user/bob'), { minLength: 1, maxLength: 2 }),
    ),
  }),
  fc.record({ Federated: fc.constant('arn:aws:iam::111122223333:oidc-provider/issuer.example') }),
);

const conditionKey = fc.constantFrom(
  'aws:SourceIp',
  'aws:username',
  'aws:PrincipalTag/team',
  'aws:RequestTag/env',
  'aws:TagKeys',
  'aws:SecureTransport',
  'aws:CurrentTime',
  'aws:EpochTime',
  'aws:PrincipalArn',
  'aws:PrincipalType',
  'ecr:ResourceTag/team',
  'aws:Missing',
);
const conditionValue = fc.oneof(
  fc.constantFrom(
    'a',
    'b',
    'alice',
    '*',
    'a*',
    'true',
    'false',
    '10.0.0.0/8',
    '::1',
    '2001:db8::/32',
    '192.0.2.9/32',
    '2025-01-01T00:00:00Z',
    '1700000000',
    '42',
    'arn:aws:iam::111122223333:*',
    '${aws:username}',
    'User',
  ),
  fc.string({ maxLength: 8 }),
);
const operator = fc
  .tuple(
    fc.constantFrom('', 'ForAnyValue:', 'ForAllValues:'),
    fc.constantFrom(...Object.keys(OPERATORS)),
    fc.constantFrom('', 'IfExists'),
  )
  .map(([s, o, e]) => `${s}${o}${e}`);
const condition = fc.dictionary(
  operator,
  fc.dictionary(conditionKey, fc.oneof(conditionValue, fc.array(conditionValue, { minLength: 1, maxLength: 3 })), {
    minKeys: 1,
    maxKeys: 2,
  }),
  { minKeys: 1, maxKeys: 2 },
);

/** A statement of `kind` ('identity' names no principal; the others must). */
export const statement = (kind: 'identity' | 'resource') =>
  fc
    .record({
      Sid: fc.option(fc.stringMatching(/^[A-Za-z0-9]{1,6}$/), { nil: undefined }),
      Effect: fc.constantFrom('Allow', 'Deny'),
      actions: fc.tuple(fc.boolean(), fc.oneof(actionPattern, fc.array(actionPattern, { minLength: 1, maxLength: 3 }))),
      resources: fc.option(
        fc.tuple(fc.boolean(), fc.oneof(resourcePattern, fc.array(resourcePattern, { minLength: 1, maxLength: 2 }))),
        { nil: undefined },
      ),
      principal: fc.tuple(fc.boolean(), principal),
      Condition: fc.option(condition, { nil: undefined, freq: 2 }),
    })
    .map((s) => {
      const out: Record<string, unknown> = { Effect: s.Effect };
      if (s.Sid !== undefined) out.Sid = s.Sid;
      out[s.actions[0] ? 'Action' : 'NotAction'] = s.actions[1];
      if (s.resources) out[s.resources[0] ? 'Resource' : 'NotResource'] = s.resources[1];
      else if (kind === 'identity') out.Resource = '*';
      if (kind === 'resource') out[s.principal[0] ? 'Principal' : 'NotPrincipal'] = s.principal[1];
      if (s.Condition !== undefined) out.Condition = s.Condition;
      return out;
    });

export const document = (kind: 'identity' | 'resource') =>
  fc.record({
    Version: fc.constantFrom('2012-10-17', '2008-10-17'),
    Statement: fc.array(statement(kind), { minLength: 1, maxLength: 4 }),
  });

/** Values to put anywhere in a document: prototype names, wrong types, near-misses. */
export const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(...PROTOTYPE_KEYS, '*', 'Allow', 'Deny', 'ecr:*', 'arn:aws:ecr:::', '2012-10-17', ''),
  fc
    .dictionary(
      fc.constantFrom(...PROTOTYPE_KEYS, 'AWS', 'StringEquals', 'aws:username'),
      fc.jsonValue({ maxDepth: 1 }),
      { minKeys: 1 },
    )
    .map((o) => JSON.parse(JSON.stringify(o)) as unknown),
);
