import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePolicy, PolicyValidationError, POLICY_LIMITS, type PolicyKind } from './document.js';
import { denialMessage, evaluate, type EvaluationInput } from './evaluate.js';
import { MANAGED_POLICIES } from './managed.js';
import { buildContext, type Caller } from './request.js';
import type { RequestFacts } from '../domain/request-facts.js';

const A = '111111111111';
const B = '222222222222';
const REPO = `arn:aws:ecr:us-east-1:${A}:repository/team/app`;
const alice: Caller = {
  type: 'User',
  arn: `arn:aws:iam::${A}:user/alice`,
  accountId: A,
  userId: 'AIDAALICE',
  username: 'alice',
};
const bob: Caller = {
  type: 'User',
  arn: `arn:aws:iam::${B}:user/bob`,
  accountId: B,
  userId: 'AIDABOB',
  username: 'bob',
};
const rootA: Caller = { type: 'Account', arn: `arn:aws:iam::${A}:root`, accountId: A, userId: A };
const rootB: Caller = { type: 'Account', arn: `arn:aws:iam::${B}:root`, accountId: B, userId: B };
const session: Caller = {
  type: 'AssumedRole',
  arn: `arn:aws:sts::${B}:assumed-role/ci/run-1`,
  roleArn: `arn:aws:iam::${B}:role/ci`,
  accountId: B,
  userId: 'AROACI:run-1',
  tags: { team: 'web' },
};

function doc(kind: PolicyKind, statements: object[], version = '2012-10-17') {
  return parsePolicy(JSON.stringify({ Version: version, Statement: statements }), { kind, maxLength: 10_240 });
}

function run(
  caller: Caller,
  action: string,
  options: {
    identity?: object[];
    resource?: object[];
    facts?: RequestFacts;
    resourceArn?: string;
    now?: number;
    rule?: 'key-policy';
    grant?: 'principal' | 'account';
  } = {},
) {
  const input: EvaluationInput = {
    ...(options.rule && { rule: options.rule }),
    ...(options.grant && { grant: options.grant }),
    caller,
    action,
    resource: options.resourceArn ?? REPO,
    resourceAccount: A,
    context: buildContext(caller, options.facts ?? {}, options.now ?? Date.parse('2026-06-01T12:00:00Z')),
    identityPolicies: options.identity ? [{ name: 'inline', document: doc('identity', options.identity) }] : [],
    resourcePolicies: options.resource ? [{ name: 'repository', document: doc('resource', options.resource) }] : [],
  };
  return { input, decision: evaluate(input) };
}

const KEY = `arn:aws:kms:us-east-1:${A}:key/0a0b0c0d-1111-2222-3333-444455556666`;

test('a KMS grant allows beside the key policy; one for the account needs an identity allow; an explicit deny still wins', () => {
  const ownKeyPolicy = [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/admin` }, Action: 'kms:*', Resource: '*' },
  ];
  const decide = (
    caller: Caller,
    grant: 'principal' | 'account' | undefined,
    identity?: object[],
    resource: object[] = ownKeyPolicy,
  ) =>
    run(caller, 'kms:Decrypt', {
      resource,
      resourceArn: KEY,
      rule: 'key-policy',
      ...(grant && { grant }),
      ...(identity && { identity }),
    }).decision;
  assert.equal(decide(alice, undefined).allowed, false, 'the key policy does not name alice');
  assert.deepEqual(decide(alice, 'principal'), { allowed: true, effect: 'Allow', reason: 'grant' });
  assert.equal(
    decide(bob, 'principal').allowed,
    true,
    'a grant to a principal of another account needs no policy of its own',
  );
  assert.equal(decide(alice, 'account').allowed, false, "a grant to alice's account: alice needs an identity policy");
  assert.equal(decide(alice, 'account', [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY }]).allowed, true);
  assert.equal(decide(rootB, 'account').allowed, true, 'the account root holds what its account is granted');
  const denied = decide(alice, 'principal', [{ Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' }]);
  assert.equal(denied.reason, 'explicit-deny');
  assert.equal(
    decide(alice, 'principal', undefined, [
      ...ownKeyPolicy,
      { Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*' },
    ]).reason,
    'explicit-deny',
  );
});

test("a key policy is the primary control: it allows directly, or enables IAM policies through the account's root, never by default", () => {
  const key = (resource: object[], caller: Caller, identity?: object[]) =>
    run(caller, 'kms:Decrypt', { resource, resourceArn: KEY, rule: 'key-policy', ...(identity && { identity }) })
      .decision;
  const allowKms = [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }];
  const enableIam = [
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${A}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
  ];
  const onlyAlice = [
    { Sid: 'Alice', Effect: 'Allow', Principal: { AWS: alice.arn }, Action: 'kms:Decrypt', Resource: '*' },
  ];
  // Enabling IAM policies: the root is named, users need an identity allow.
  assert.equal(key(enableIam, rootA).reason, 'resource-allow');
  assert.equal(key(enableIam, alice).reason, 'no-identity-allow');
  assert.equal(key(enableIam, alice, allowKms).reason, 'identity-allow');
  // Not enabling them: an identity allow, and the root's own rights, count for nothing.
  assert.deepEqual(
    [key(onlyAlice, rootA).reason, key(onlyAlice, { ...alice, arn: `arn:aws:iam::${A}:user/carol` }, allowKms).reason],
    ['no-resource-allow', 'no-resource-allow'],
  );
  assert.equal(key(onlyAlice, alice).statement?.sid, 'Alice');
  // The same key by IAM's rule: the root and an identity allow suffice.
  assert.equal(run(rootA, 'kms:Decrypt', { resource: onlyAlice, resourceArn: KEY }).decision.reason, 'account-root');
  // Another account: the key policy must name it and its identity side must allow.
  const shareB = [
    ...enableIam,
    { Sid: 'B', Effect: 'Allow', Principal: { AWS: B }, Action: 'kms:Decrypt', Resource: '*' },
  ];
  assert.equal(key(shareB, bob).reason, 'no-identity-allow');
  assert.equal(key(shareB, bob, allowKms).reason, 'cross-account-allow');
  assert.equal(key(shareB, rootB).reason, 'cross-account-allow');
  assert.equal(key(enableIam, rootB).reason, 'no-resource-allow');
  // An explicit deny in either wins.
  assert.equal(
    key([...enableIam, { Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }], rootA).effect,
    'ExplicitDeny',
  );
  assert.equal(key(onlyAlice, alice, [{ Effect: 'Deny', Action: 'kms:*', Resource: '*' }]).effect, 'ExplicitDeny');
});

const allowPull = {
  Sid: 'Pull',
  Effect: 'Allow',
  Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
  Resource: '*',
};

test('a user with no policy may do nothing; an identity allow suffices in its own account', () => {
  assert.equal(run(alice, 'ecr:BatchGetImage').decision.allowed, false);
  const { decision } = run(alice, 'ecr:batchgetimage', { identity: [allowPull] });
  assert.deepEqual(decision, {
    allowed: true,
    effect: 'Allow',
    reason: 'identity-allow',
    statement: { kind: 'identity', policy: 'inline', index: 0, sid: 'Pull' },
  });
  assert.equal(run(alice, 'ecr:PutImage', { identity: [allowPull] }).decision.allowed, false);
});

test('the account root may do everything in its account, but an explicit deny still binds it', () => {
  assert.equal(run(rootA, 'ecr:DeleteRepository').decision.reason, 'account-root');
  const denied = run(rootA, 'ecr:DeleteRepository', {
    resource: [{ Sid: 'NoDelete', Effect: 'Deny', Principal: '*', Action: 'ecr:Delete*' }],
  });
  assert.equal(denied.decision.effect, 'ExplicitDeny');
  assert.equal(denied.decision.statement?.sid, 'NoDelete');
});

test('cross-account access needs both the resource policy and the identity policy', () => {
  const shareWithB = [
    {
      Sid: 'ShareB',
      Effect: 'Allow',
      Principal: { AWS: B },
      Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
    },
  ];
  const none = run(bob, 'ecr:BatchGetImage', { identity: [allowPull] });
  assert.equal(none.decision.reason, 'no-resource-allow');
  assert.equal(
    denialMessage(none.input, none.decision),
    `User: arn:aws:iam::${B}:user/bob is not authorized to perform: ecr:BatchGetImage on resource: ${REPO} because no resource-based policy allows the ecr:BatchGetImage action`,
  );
  const noIdentity = run(bob, 'ecr:BatchGetImage', { resource: shareWithB });
  assert.equal(noIdentity.decision.reason, 'no-identity-allow');
  assert.match(
    denialMessage(noIdentity.input, noIdentity.decision),
    /because no identity-based policy allows the ecr:BatchGetImage action$/,
  );
  const both = run(bob, 'ecr:BatchGetImage', { resource: shareWithB, identity: [allowPull] });
  assert.equal(both.decision.reason, 'cross-account-allow');
  assert.equal(both.decision.statement?.sid, 'ShareB');
  assert.equal(
    run(rootB, 'ecr:BatchGetImage', { resource: shareWithB }).decision.allowed,
    true,
    "the other account's root needs only the resource policy",
  );
  assert.equal(run(rootB, 'ecr:BatchGetImage').decision.allowed, false, 'but it does need it');
});

test('a resource policy naming a user of the same account suffices without an identity policy; naming the account does not', () => {
  assert.equal(
    run(alice, 'ecr:BatchGetImage', {
      resource: [{ Effect: 'Allow', Principal: { AWS: alice.arn }, Action: 'ecr:BatchGetImage' }],
    }).decision.reason,
    'resource-allow',
  );
  assert.equal(
    run(alice, 'ecr:BatchGetImage', {
      resource: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'ecr:BatchGetImage' }],
    }).decision.allowed,
    false,
  );
});

test('anonymous callers get only what a resource policy grants to "*"', () => {
  const anonymous: Caller = { type: 'Anonymous' };
  assert.equal(
    run(anonymous, 'ecr:BatchGetImage', { resource: [{ Effect: 'Allow', Principal: { AWS: B }, Action: '*' }] })
      .decision.allowed,
    false,
  );
  assert.equal(
    run(anonymous, 'ecr:BatchGetImage', {
      resource: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }],
    }).decision.allowed,
    true,
  );
  const { input, decision } = run(anonymous, 'ecr:PutImage', {
    resource: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }],
  });
  assert.match(denialMessage(input, decision), /^User: anonymous is not authorized to perform: ecr:PutImage/);
});

test('conditions: SourceIp deny, SecureTransport, tags, variables, dates and set operators', () => {
  const share = { Effect: 'Allow', Principal: { AWS: B }, Action: 'ecr:*' };
  const denyNet = {
    Sid: 'OnlyOffice',
    Effect: 'Deny',
    Principal: '*',
    Action: 'ecr:*',
    Condition: { NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '2001:db8::/32'] } },
  };
  const identity = [allowPull];
  assert.equal(
    run(bob, 'ecr:BatchGetImage', { identity, resource: [share, denyNet], facts: { sourceIp: '10.1.2.3' } }).decision
      .allowed,
    true,
  );
  assert.equal(
    run(bob, 'ecr:BatchGetImage', { identity, resource: [share, denyNet], facts: { sourceIp: '2001:db8::1' } }).decision
      .allowed,
    true,
  );
  const blocked = run(bob, 'ecr:BatchGetImage', {
    identity,
    resource: [share, denyNet],
    facts: { sourceIp: '192.168.1.1' },
  });
  assert.equal(blocked.decision.statement?.sid, 'OnlyOffice');
  assert.match(denialMessage(blocked.input, blocked.decision), /with an explicit deny in a resource-based policy$/);

  const tls = [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }];
  assert.equal(
    run(alice, 'ecr:PutImage', { identity: tls, facts: { secureTransport: false } }).decision.allowed,
    false,
  );
  assert.equal(run(alice, 'ecr:PutImage', { identity: tls, facts: { secureTransport: true } }).decision.allowed, true);

  const own = [{ Effect: 'Allow', Action: 'ecr:*', Resource: `arn:aws:ecr:*:${A}:repository/\${aws:username}/*` }];
  assert.equal(
    run(alice, 'ecr:PutImage', { identity: own, resourceArn: `arn:aws:ecr:us-east-1:${A}:repository/alice/x` }).decision
      .allowed,
    true,
  );
  assert.equal(
    run(alice, 'ecr:PutImage', { identity: own, resourceArn: `arn:aws:ecr:us-east-1:${A}:repository/bob/x` }).decision
      .allowed,
    false,
  );

  const before = [
    {
      Effect: 'Allow',
      Action: '*',
      Resource: '*',
      Condition: { DateLessThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' } },
    },
  ];
  assert.equal(
    run(alice, 'ecr:PutImage', { identity: before, now: Date.parse('2025-12-31T23:59:59Z') }).decision.allowed,
    true,
  );
  assert.equal(
    run(alice, 'ecr:PutImage', { identity: before, now: Date.parse('2026-01-01T00:00:01Z') }).decision.allowed,
    false,
  );

  const tagged = [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${B}:role/ci` },
      Action: '*',
      Condition: { StringEquals: { 'aws:PrincipalTag/team': 'web' } },
    },
  ];
  assert.equal(
    run(session, 'ecr:BatchGetImage', { identity, resource: tagged }).decision.allowed,
    true,
    'a policy naming the role matches its sessions',
  );
  const onlyKeys = [
    {
      Effect: 'Allow',
      Action: 'ecr:TagResource',
      Resource: '*',
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team'] } },
    },
  ];
  assert.equal(
    run(alice, 'ecr:TagResource', { identity: onlyKeys, facts: { requestTags: { env: 'prod' } } }).decision.allowed,
    true,
  );
  assert.equal(
    run(alice, 'ecr:TagResource', { identity: onlyKeys, facts: { requestTags: { env: 'prod', owner: 'x' } } }).decision
      .allowed,
    false,
  );
});

test('a trust policy: a web identity caller is let in by Principal Federated and its token claims alone', () => {
  const provider = `arn:aws:iam::${A}:oidc-provider/issuer.example`;
  const web: Caller = { type: 'FederatedUser', federated: provider };
  const trust = parsePolicy(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: provider },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { 'issuer.example:sub': 'repo:team/app' } },
        },
      ],
    }),
    { kind: 'trust', maxLength: POLICY_LIMITS.trust },
  );
  const decide = (sub: string, caller = web) => {
    const context = buildContext(caller, {}, Date.now());
    context.set('issuer.example:sub', sub);
    return evaluate({
      caller,
      action: 'sts:AssumeRoleWithWebIdentity',
      resource: `arn:aws:iam::${A}:role/ci`,
      resourceAccount: A,
      context,
      identityPolicies: [],
      resourcePolicies: [{ name: 'trust', document: trust }],
    });
  };
  assert.equal(decide('repo:team/app').reason, 'resource-allow');
  assert.equal(decide('repo:other').allowed, false);
  assert.equal(
    decide('repo:team/app', { ...web, federated: `arn:aws:iam::${A}:oidc-provider/other.example` }).allowed,
    false,
  );
});

test('IpAddress ranges: IPv4 and IPv6, prefixes, embedded IPv4, and no match across families', () => {
  const from = (range: string, sourceIp: string) =>
    run(alice, 'ecr:PutImage', {
      identity: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': range } } }],
      facts: { sourceIp },
    }).decision.allowed;
  assert.equal(from('10.0.0.0/8', '10.255.0.1'), true);
  assert.equal(from('10.0.0.0/8', '11.0.0.1'), false);
  assert.equal(from('192.0.2.7', '192.0.2.7'), true);
  assert.equal(from('192.0.2.7', '192.0.2.8'), false);
  assert.equal(from('0.0.0.0/0', '203.0.113.9'), true);
  assert.equal(from('2001:db8::/32', '2001:db8:ffff::1'), true);
  assert.equal(from('2001:db8::/32', '2001:db9::1'), false);
  assert.equal(from('::1/128', '::1'), true);
  assert.equal(from('::ffff:10.0.0.0/104', '::ffff:10.1.2.3'), true);
  assert.equal(from('0.0.0.0/0', '::1'), false);
  assert.equal(from('::/0', '10.0.0.1'), false);
  assert.equal(from('10.0.0.0/8', 'not-an-address'), false);
});

test('validation names the bad element', () => {
  const bad = (kind: PolicyKind, policy: unknown, element: string) => {
    assert.throws(
      () =>
        parsePolicy(typeof policy === 'string' ? policy : JSON.stringify(policy), {
          kind,
          maxLength: POLICY_LIMITS.repository,
        }),
      (err: unknown) => {
        assert.ok(err instanceof PolicyValidationError, String(err));
        assert.equal(err.element, element, err.message);
        return true;
      },
    );
  };
  bad('resource', '{', 'Policy');
  bad('resource', { Version: '2012-10-18', Statement: [] }, 'Version');
  bad('resource', { Version: '2012-10-17' }, 'Statement');
  bad('resource', { Statement: { Effect: 'allow', Principal: '*', Action: 'ecr:*' } }, 'Statement[0].Effect');
  bad('resource', { Statement: [{ Effect: 'Allow', Action: 'ecr:*' }] }, 'Statement[0].Principal');
  bad(
    'identity',
    { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:*', Resource: '*' }] },
    'Statement[0].Principal',
  );
  bad('identity', { Statement: [{ Effect: 'Allow', Action: 'ecr:*' }] }, 'Statement[0].Resource');
  bad('resource', { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'BatchGetImage' }] }, 'Statement[0].Action');
  bad(
    'resource',
    { Statement: [{ Effect: 'Allow', Principal: { AWS: 'bob' }, Action: 'ecr:*' }] },
    'Statement[0].Principal.AWS',
  );
  bad(
    'resource',
    {
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 'ecr:*', Condition: { StringEqualz: { 'aws:username': 'x' } } },
      ],
    },
    'Statement[0].Condition.StringEqualz.aws:username',
  );
  bad(
    'resource',
    {
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 'ecr:*',
          Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/33' } },
        },
      ],
    },
    'Statement[0].Condition.IpAddress.aws:SourceIp',
  );
  bad(
    'resource',
    { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:*', Resourc: '*' }] },
    'Statement[0].Resourc',
  );
  bad(
    'resource',
    {
      Statement: [
        { Sid: 'a', Effect: 'Allow', Principal: '*', Action: 'ecr:*' },
        { Sid: 'a', Effect: 'Deny', Principal: '*', Action: 'ecr:*' },
      ],
    },
    'Statement[1].Sid',
  );
  bad(
    'resource',
    { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:*', Sid: 'x'.repeat(POLICY_LIMITS.repository) }] },
    'Policy',
  );
});

test('the managed ECR policies grant what AWS documents', () => {
  const grants = (name: string, action: string) => {
    const policy = MANAGED_POLICIES.find((p) => p.name === name)!;
    return evaluate({
      caller: alice,
      action,
      resource: REPO,
      resourceAccount: A,
      context: buildContext(alice, {}, Date.now()),
      identityPolicies: [{ name, document: policy.document }],
      resourcePolicies: [],
    }).allowed;
  };
  assert.equal(grants('AmazonEC2ContainerRegistryPullOnly', 'ecr:BatchGetImage'), true);
  assert.equal(grants('AmazonEC2ContainerRegistryPullOnly', 'ecr:DescribeImages'), false);
  assert.equal(grants('AmazonEC2ContainerRegistryReadOnly', 'ecr:DescribeImages'), true);
  assert.equal(grants('AmazonEC2ContainerRegistryReadOnly', 'ecr:PutImage'), false);
  assert.equal(grants('AmazonEC2ContainerRegistryPowerUser', 'ecr:PutImage'), true);
  assert.equal(grants('AmazonEC2ContainerRegistryPowerUser', 'ecr:DeleteRepository'), false);
  assert.equal(grants('AmazonEC2ContainerRegistryFullAccess', 'ecr:DeleteRepository'), true);
});

test('session policies bound a role session: identity and resource allows count only inside them, but for a resource policy naming the session itself', () => {
  const own: Caller = {
    ...session,
    arn: `arn:aws:sts::${A}:assumed-role/ci/run-1`,
    roleArn: `arn:aws:iam::${A}:role/ci`,
    accountId: A,
  };
  const decide = (
    sessionStatements: object[] | undefined,
    options: { identity?: object[]; resource?: object[] } = {},
  ) => {
    const { input } = run(own, 'ecr:PutImage', options);
    const withSession = {
      ...input,
      ...(sessionStatements && {
        sessionPolicies: [{ name: 'session', document: doc('identity', sessionStatements) }],
      }),
    };
    return { input: withSession, decision: evaluate(withSession) };
  };
  const roleAllows = [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }];
  assert.equal(
    decide(undefined, { identity: roleAllows }).decision.allowed,
    true,
    'no session policy: the role decides',
  );
  assert.equal(
    decide([{ Effect: 'Allow', Action: 'ecr:PutImage', Resource: REPO }], { identity: roleAllows }).decision.allowed,
    true,
    'both allow',
  );
  const outside = decide([{ Effect: 'Allow', Action: 'ecr:BatchGetImage', Resource: '*' }], { identity: roleAllows });
  assert.deepEqual([outside.decision.allowed, outside.decision.reason], [false, 'no-session-allow']);
  assert.match(
    denialMessage(outside.input, outside.decision),
    /because no session policy allows the ecr:PutImage action$/,
  );
  assert.equal(
    decide([{ Effect: 'Allow', Action: 'ecr:PutImage', Resource: '*' }]).decision.allowed,
    false,
    'a session policy grants nothing by itself',
  );
  const denied = decide(
    [
      { Effect: 'Allow', Action: 'ecr:*', Resource: '*' },
      { Effect: 'Deny', Action: 'ecr:PutImage', Resource: '*' },
    ],
    { identity: roleAllows },
  );
  assert.deepEqual(
    [
      denied.decision.effect,
      denialMessage(denied.input, denied.decision).endsWith('with an explicit deny in a session policy'),
    ],
    ['ExplicitDeny', true],
  );
  const namingSession = [{ Effect: 'Allow', Principal: { AWS: own.arn }, Action: 'ecr:PutImage' }];
  const namingRole = [{ Effect: 'Allow', Principal: { AWS: own.roleArn }, Action: 'ecr:PutImage' }];
  const narrow = [{ Effect: 'Allow', Action: 'ecr:BatchGetImage', Resource: '*' }];
  assert.equal(
    decide(narrow, { resource: namingSession }).decision.allowed,
    true,
    'the session named itself: not bounded',
  );
  assert.equal(
    decide(narrow, { resource: namingRole }).decision.allowed,
    false,
    'the role named: bounded by the session policy',
  );
  assert.equal(
    decide([{ Effect: 'Allow', Action: 'ecr:PutImage', Resource: '*' }], { resource: namingRole }).decision.allowed,
    true,
    "inside the session policy the role's resource allow counts",
  );
});
