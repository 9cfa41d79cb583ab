// Berth's policy engine against an independent oracle, the IAM simulator of
// @cloud-copilot/iam-simulate: several hundred cases (hand-written, and generated from a seeded
// product of callers, actions, resources, identity policies, resource policies and request
// facts), each evaluated by both; every disagreement must be one listed below with its reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anonymousPrincipal, runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { parsePolicyObject } from './document.js';
import { evaluate } from './evaluate.js';
import { buildContext, type Caller } from './request.js';
import type { RequestFacts } from '../domain/request-facts.js';

const A = '111111111111';
const B = '222222222222';
const REGION = 'us-east-1';
const repo = (account: string, name: string) => `arn:aws:ecr:${REGION}:${account}:repository/${name}`;

const CALLERS: Record<string, Caller> = {
  aliceA: {
    type: 'User',
    arn: `arn:aws:iam::${A}:user/alice`,
    accountId: A,
    userId: 'AIDAALICE0000000001',
    username: 'alice',
  },
  bobB: {
    type: 'User',
    arn: `arn:aws:iam::${B}:user/bob`,
    accountId: B,
    userId: 'AIDABOB000000000001',
    username: 'bob',
  },
  rootA: { type: 'Account', arn: `arn:aws:iam::${A}:root`, accountId: A, userId: A },
  rootB: { type: 'Account', arn: `arn:aws:iam::${B}:root`, accountId: B, userId: B },
  sessionB: {
    type: 'AssumedRole',
    arn: `arn:aws:sts::${B}:assumed-role/ci/run-1`,
    roleArn: `arn:aws:iam::${B}:role/ci`,
    accountId: B,
    userId: 'AROACI0000000000001:run-1',
    tags: { team: 'web' },
  },
  sessionA: {
    type: 'AssumedRole',
    arn: `arn:aws:sts::${A}:assumed-role/deploy/s`,
    roleArn: `arn:aws:iam::${A}:role/deploy`,
    accountId: A,
    userId: 'AROADEPLOY000000001:s',
    tags: { team: 'ops' },
  },
  anonymous: { type: 'Anonymous' },
};

const ACTIONS = [
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer',
  'ecr:PutImage',
  'ecr:DeleteRepository',
  'ecr:SetRepositoryPolicy',
  'ecr:ListImages',
];
const RESOURCES = [repo(A, 'team/app'), repo(A, 'alice/tools'), repo(A, 'bob/x'), repo(A, 'web/site')];

type Doc = Record<string, unknown>;
const allow = (statement: Doc) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', ...statement }] });
const policy = (...statements: Doc[]) => ({ Version: '2012-10-17', Statement: statements });

const IDENTITY: Record<string, Doc | undefined> = {
  none: undefined,
  pull: allow({ Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Resource: '*' }),
  ecrAll: allow({ Action: 'ecr:*', Resource: '*' }),
  getStar: allow({ Action: 'ecr:Get*', Resource: '*' }),
  teamOnly: allow({ Action: 'ecr:*', Resource: `arn:aws:ecr:*:${A}:repository/team/*` }),
  ownPrefix: allow({ Action: 'ecr:*', Resource: `arn:aws:ecr:${REGION}:*:repository/\${aws:username}/*` }),
  notDelete: allow({ NotAction: ['ecr:Delete*', 'ecr:SetRepositoryPolicy'], Resource: '*' }),
  notTeam: allow({ Action: 'ecr:*', NotResource: `arn:aws:ecr:${REGION}:${A}:repository/team/*` }),
  qmark: allow({ Action: 'ecr:?utImage', Resource: `arn:aws:ecr:${REGION}:${A}:repository/???/*` }),
  allowButDenyPut: policy(
    { Effect: 'Allow', Action: '*', Resource: '*' },
    { Effect: 'Deny', Action: 'ecr:PutImage', Resource: '*' },
  ),
  officeOnly: allow({
    Action: 'ecr:*',
    Resource: '*',
    Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.0.2.0/24'] } },
  }),
  tlsOnly: allow({ Action: 'ecr:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }),
  tlsIfExists: allow({
    Action: 'ecr:*',
    Resource: '*',
    Condition: { BoolIfExists: { 'aws:SecureTransport': 'true' } },
  }),
  before2027: allow({
    Action: 'ecr:*',
    Resource: '*',
    Condition: { DateLessThan: { 'aws:CurrentTime': '2027-01-01T00:00:00Z' } },
  }),
  epochAfter: allow({
    Action: 'ecr:*',
    Resource: '*',
    Condition: { NumericGreaterThanEquals: { 'aws:EpochTime': 1_780_000_000 } },
  }),
  skopeoAgent: allow({ Action: 'ecr:*', Resource: '*', Condition: { StringLike: { 'aws:UserAgent': 'skopeo/*' } } }),
  teamTag: allow({ Action: 'ecr:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'web' } } }),
  teamTagIgnoreCase: allow({
    Action: 'ecr:*',
    Resource: '*',
    Condition: { StringEqualsIgnoreCase: { 'aws:PrincipalTag/team': 'WEB' } },
  }),
  notOps: allow({ Action: 'ecr:*', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalTag/team': 'ops' } } }),
  resourceTag: allow({ Action: 'ecr:*', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/env': 'dev' } } }),
  nullTag: allow({ Action: 'ecr:*', Resource: '*', Condition: { Null: { 'aws:ResourceTag/env': 'true' } } }),
  denyOutsideNet: policy(
    { Effect: 'Allow', Action: 'ecr:*', Resource: '*' },
    { Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
  ),
  arnLikeSelf: allow({
    Action: 'ecr:*',
    Resource: '*',
    Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/*' } },
  }),
  refererIfExists: allow({
    Action: 'ecr:*',
    Resource: '*',
    Condition: { StringEqualsIfExists: { 'aws:Referer': 'https://ci.example' } },
  }),
  refererRequired: allow({
    Action: 'ecr:*',
    Resource: '*',
    Condition: { StringEquals: { 'aws:Referer': 'https://ci.example' } },
  }),
  notRefererMissing: allow({
    Action: 'ecr:*',
    Resource: '*',
    Condition: { StringNotEquals: { 'aws:Referer': 'https://evil.example' } },
  }),
  useridAida: allow({ Action: 'ecr:*', Resource: '*', Condition: { StringLike: { 'aws:userid': 'AIDA*' } } }),
  notLikeCli: allow({
    Action: 'ecr:*',
    Resource: '*',
    Condition: { StringNotLike: { 'aws:UserAgent': ['aws-cli/*'] } },
  }),
  arnNotLikeRoles: allow({
    Action: 'ecr:*',
    Resource: '*',
    Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/*' } },
  }),
  forAllTagKeys: allow({
    Action: 'ecr:*',
    Resource: '*',
    Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team'] } },
  }),
  forAnyTagKeys: allow({
    Action: 'ecr:*',
    Resource: '*',
    Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['owner'] } },
  }),
  tagKeysPresent: allow({ Action: 'ecr:*', Resource: '*', Condition: { Null: { 'aws:TagKeys': 'false' } } }),
  epochBefore: allow({
    Action: 'ecr:*',
    Resource: '*',
    Condition: { NumericLessThan: { 'aws:EpochTime': '1790000000' } },
  }),
  dateAfter: allow({
    Action: 'ecr:*',
    Resource: '*',
    Condition: { DateGreaterThan: { 'aws:CurrentTime': '2026-03-01T00:00:00Z' } },
  }),
  accountIs: allow({ Action: 'ecr:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': A } } }),
  twoOperators: allow({
    Action: 'ecr:*',
    Resource: '*',
    Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' }, Bool: { 'aws:SecureTransport': true } },
  }),
  version2008: {
    Version: '2008-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'ecr:*', Resource: `arn:aws:ecr:${REGION}:*:repository/\${aws:username}/*` },
    ],
  },
};

const RESOURCE: Record<string, Doc | undefined> = {
  none: undefined,
  accountB: allow({ Principal: { AWS: B }, Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] }),
  accountBRootArn: allow({ Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'ecr:*' }),
  userBob: allow({ Principal: { AWS: `arn:aws:iam::${B}:user/bob` }, Action: 'ecr:BatchGetImage' }),
  userAlice: allow({ Principal: { AWS: `arn:aws:iam::${A}:user/alice` }, Action: 'ecr:*' }),
  roleCi: allow({ Principal: { AWS: `arn:aws:iam::${B}:role/ci` }, Action: ['ecr:BatchGetImage', 'ecr:PutImage'] }),
  roleDeploy: allow({ Principal: { AWS: `arn:aws:iam::${A}:role/deploy` }, Action: 'ecr:*' }),
  everyonePull: allow({ Principal: '*', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] }),
  everyoneAwsStar: allow({ Principal: { AWS: '*' }, Action: 'ecr:BatchGetImage' }),
  orgAccounts: allow({
    Principal: '*',
    Action: 'ecr:*',
    Condition: { StringEquals: { 'aws:PrincipalAccount': [A, B] } },
  }),
  denyDeleteAll: policy(
    { Effect: 'Deny', Principal: '*', Action: 'ecr:DeleteRepository' },
    { Effect: 'Allow', Principal: { AWS: B }, Action: 'ecr:*' },
  ),
  shareDenyOutside: policy(
    { Effect: 'Allow', Principal: { AWS: B }, Action: 'ecr:*' },
    {
      Effect: 'Deny',
      Principal: '*',
      Action: 'ecr:*',
      Condition: { NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '2001:db8::/32'] } },
    },
  ),
  arnLikeUsers: allow({
    Principal: '*',
    Action: 'ecr:BatchGetImage',
    Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${B}:user/*` } },
  }),
  typeUser: allow({ Principal: '*', Action: 'ecr:*', Condition: { StringEquals: { 'aws:PrincipalType': 'User' } } }),
  forAnyTag: allow({
    Principal: { AWS: B },
    Action: 'ecr:*',
    Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalTag/team': ['we*', 'dev'] } },
  }),
  secureOnly: policy(
    { Effect: 'Allow', Principal: { AWS: B }, Action: 'ecr:*' },
    { Effect: 'Deny', Principal: '*', Action: 'ecr:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
  ),
  withResource: allow({
    Principal: { AWS: B },
    Action: 'ecr:*',
    Resource: `arn:aws:ecr:${REGION}:${A}:repository/team/*`,
  }),
  notPrincipalDeny: policy(
    { Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' },
    {
      Effect: 'Deny',
      NotPrincipal: { AWS: [`arn:aws:iam::${B}:user/bob`, `arn:aws:iam::${B}:root`] },
      Action: 'ecr:BatchGetImage',
    },
  ),
};

const FACTS: Record<string, { facts: RequestFacts; now: number }> = {
  office: {
    facts: { sourceIp: '10.1.2.3', secureTransport: true, userAgent: 'skopeo/1.13' },
    now: Date.parse('2026-06-01T00:00:00Z'),
  },
  home: {
    facts: { sourceIp: '198.51.100.7', secureTransport: false, userAgent: 'aws-cli/2.15' },
    now: Date.parse('2027-06-01T00:00:00Z'),
  },
  v6: { facts: { sourceIp: '2001:db8::5', secureTransport: true }, now: Date.parse('2026-01-01T00:00:00Z') },
  tagging: {
    facts: {
      sourceIp: '192.0.2.9',
      secureTransport: true,
      referer: 'https://ci.example',
      requestTags: { env: 'dev', owner: 'x' },
    },
    now: Date.parse('2026-09-01T00:00:00Z'),
  },
  tagsOk: {
    facts: { sourceIp: '10.9.9.9', secureTransport: true, requestTags: { env: 'dev' } },
    now: Date.parse('2026-09-01T00:00:00Z'),
  },
};

const RESOURCE_TAGS: Record<string, Record<string, string>> = {
  [repo(A, 'web/site')]: { env: 'dev' },
  [repo(A, 'team/app')]: { env: 'prod' },
};

/** The keys buildContext fills, in IAM's spelling (the oracle wants them so). */
const KEY_NAMES = [
  'aws:CurrentTime',
  'aws:EpochTime',
  'aws:SecureTransport',
  'aws:SourceIp',
  'aws:UserAgent',
  'aws:Referer',
  'aws:PrincipalType',
  'aws:PrincipalArn',
  'aws:PrincipalAccount',
  'aws:userid',
  'aws:username',
  'aws:TagKeys',
];

interface Case {
  label: string;
  caller: string;
  action: string;
  resource: string;
  identity: string;
  resourcePolicy: string;
  facts: string;
}

type Outcome = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

function berth(c: Case): Outcome {
  const caller = CALLERS[c.caller]!;
  const { facts, now } = FACTS[c.facts]!;
  const identity = IDENTITY[c.identity];
  const resourcePolicy = RESOURCE[c.resourcePolicy];
  const decision = evaluate({
    caller,
    action: c.action,
    resource: c.resource,
    resourceAccount: A,
    context: buildContext(caller, facts, now, RESOURCE_TAGS[c.resource]),
    identityPolicies:
      identity && caller.type !== 'Account'
        ? [{ name: 'identity', document: parsePolicyObject(identity, 'identity') }]
        : [],
    resourcePolicies: resourcePolicy
      ? [{ name: 'repository', document: parsePolicyObject(resourcePolicy, 'resource') }]
      : [],
  });
  return decision.effect === 'Allow'
    ? 'Allowed'
    : decision.effect === 'ExplicitDeny'
      ? 'ExplicitlyDenied'
      : 'ImplicitlyDenied';
}

async function oracle(c: Case): Promise<Outcome | string> {
  const caller = CALLERS[c.caller]!;
  const { facts, now } = FACTS[c.facts]!;
  const context = buildContext(caller, facts, now, RESOURCE_TAGS[c.resource]);
  const contextVariables: Record<string, string | string[]> = {};
  for (const name of KEY_NAMES) {
    const value = context.get(name.toLowerCase());
    if (value !== undefined) contextVariables[name] = typeof value === 'string' ? value : [...value];
  }
  for (const [key, value] of Object.entries(caller.tags ?? {})) contextVariables[`aws:PrincipalTag/${key}`] = value;
  for (const [key, value] of Object.entries(RESOURCE_TAGS[c.resource] ?? {}))
    contextVariables[`aws:ResourceTag/${key}`] = value;
  const identity = IDENTITY[c.identity];
  // The root's rights in its own account are IAM's given; to the simulator they are an allow-all policy.
  const identityPolicies =
    caller.type === 'Account'
      ? [{ name: 'root', policy: allow({ Action: '*', Resource: '*' }) }]
      : caller.type === 'Anonymous' || !identity
        ? []
        : [{ name: 'identity', policy: identity }];
  const simulation: Simulation = {
    identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(RESOURCE[c.resourcePolicy] ? { resourcePolicy: RESOURCE[c.resourcePolicy] } : {}),
    request: {
      action: c.action,
      principal: caller.type === 'Anonymous' ? anonymousPrincipal : caller.arn!,
      resource: { accountId: A, resource: c.resource },
      contextVariables,
    },
  } as Simulation;
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') return `error: ${result.errors.message}`;
  return result.overallResult as Outcome;
}

/** Hand-written cases: the rules the issue names, one by one. */
const HAND: Case[] = [
  ['user without policy', 'aliceA', 'ecr:BatchGetImage', repo(A, 'team/app'), 'none', 'none', 'office'],
  ['same account identity allow', 'aliceA', 'ecr:BatchGetImage', repo(A, 'team/app'), 'pull', 'none', 'office'],
  [
    'same account resource allow naming user',
    'aliceA',
    'ecr:PutImage',
    repo(A, 'team/app'),
    'none',
    'userAlice',
    'office',
  ],
  [
    'same account resource allow naming role',
    'sessionA',
    'ecr:PutImage',
    repo(A, 'team/app'),
    'none',
    'roleDeploy',
    'office',
  ],
  ['cross account resource only', 'bobB', 'ecr:BatchGetImage', repo(A, 'team/app'), 'none', 'accountB', 'office'],
  ['cross account identity only', 'bobB', 'ecr:BatchGetImage', repo(A, 'team/app'), 'pull', 'none', 'office'],
  ['cross account both', 'bobB', 'ecr:BatchGetImage', repo(A, 'team/app'), 'pull', 'accountB', 'office'],
  [
    'cross account both, SourceIp deny',
    'bobB',
    'ecr:BatchGetImage',
    repo(A, 'team/app'),
    'pull',
    'shareDenyOutside',
    'home',
  ],
  ['cross account root', 'rootB', 'ecr:BatchGetImage', repo(A, 'team/app'), 'none', 'accountB', 'office'],
  [
    'cross account root without resource policy',
    'rootB',
    'ecr:BatchGetImage',
    repo(A, 'team/app'),
    'none',
    'none',
    'office',
  ],
  ['own root', 'rootA', 'ecr:DeleteRepository', repo(A, 'team/app'), 'none', 'none', 'office'],
  [
    'own root, explicit resource deny',
    'rootA',
    'ecr:DeleteRepository',
    repo(A, 'team/app'),
    'none',
    'denyDeleteAll',
    'office',
  ],
  ['anonymous, public pull', 'anonymous', 'ecr:BatchGetImage', repo(A, 'team/app'), 'none', 'everyonePull', 'office'],
  ['anonymous, push refused', 'anonymous', 'ecr:PutImage', repo(A, 'team/app'), 'none', 'everyonePull', 'office'],
  ['anonymous, account grant', 'anonymous', 'ecr:BatchGetImage', repo(A, 'team/app'), 'none', 'accountB', 'office'],
  [
    'role session named by role ARN, cross account',
    'sessionB',
    'ecr:PutImage',
    repo(A, 'team/app'),
    'ecrAll',
    'roleCi',
    'office',
  ],
  ['policy variable', 'aliceA', 'ecr:PutImage', repo(A, 'alice/tools'), 'ownPrefix', 'none', 'office'],
  ['policy variable, other prefix', 'aliceA', 'ecr:PutImage', repo(A, 'bob/x'), 'ownPrefix', 'none', 'office'],
  ['2008 version: no variables', 'aliceA', 'ecr:PutImage', repo(A, 'alice/tools'), 'version2008', 'none', 'office'],
].map(([label, caller, action, resource, identity, resourcePolicy, facts]) => ({
  label: label!,
  caller: caller!,
  action: action!,
  resource: resource!,
  identity: identity!,
  resourcePolicy: resourcePolicy!,
  facts: facts!,
}));

/** A small seeded generator (mulberry32), so the generated table is the same on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generated(count: number): Case[] {
  const next = random(20261128);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    cases.push({
      label: `generated #${i}`,
      caller: pick(Object.keys(CALLERS)),
      action: pick(ACTIONS),
      resource: pick(RESOURCES),
      identity: pick(Object.keys(IDENTITY)),
      resourcePolicy: pick(Object.keys(RESOURCE)),
      facts: pick(Object.keys(FACTS)),
    });
  }
  return cases;
}

/** Disagreements that are understood, by a predicate on the case, each with its reason: Berth follows AWS's documentation. */
const KNOWN: { reason: string; applies(c: Case, berth: Outcome, oracle: Outcome | string): boolean }[] = [
  {
    reason:
      'Version 2008-10-17 has no policy variables: AWS documents that ${aws:username} is then literal text; the simulator substitutes it anyway',
    applies: (c, ours, theirs) =>
      c.identity === 'version2008' &&
      c.caller === 'aliceA' &&
      c.resource === repo(A, 'alice/tools') &&
      ours === 'ImplicitlyDenied' &&
      theirs === 'Allowed',
  },
  {
    reason:
      "NotPrincipal with Deny naming bob and his account root: AWS documents that only bob is spared and the account's other principals are denied; the simulator spares the whole account (its source marks this as unresearched)",
    applies: (c, ours) =>
      c.resourcePolicy === 'notPrincipalDeny' &&
      c.caller === 'sessionB' &&
      c.action === 'ecr:BatchGetImage' &&
      ours === 'ExplicitlyDenied',
  },
];

test('the policy engine agrees with the iam-simulate oracle', async (t) => {
  const cases = [...HAND, ...generated(1000)];
  let agree = 0;
  const explained = new Map<string, number>();
  const unexplained: string[] = [];
  for (const c of cases) {
    const ours = berth(c);
    const theirs = await oracle(c);
    if (ours === theirs) {
      agree++;
      continue;
    }
    const known = KNOWN.find((k) => k.applies(c, ours, theirs));
    if (known) explained.set(known.reason, (explained.get(known.reason) ?? 0) + 1);
    else
      unexplained.push(
        `${c.label}: ${c.caller} ${c.action} ${c.resource} identity=${c.identity} resource=${c.resourcePolicy} facts=${c.facts}: Berth ${ours}, oracle ${theirs}`,
      );
  }
  const figure = `oracle agreement: ${agree}/${cases.length} cases (${HAND.length} hand-written, ${cases.length - HAND.length} generated); ${cases.length - agree - unexplained.length} explained disagreements, ${unexplained.length} unexplained`;
  t.diagnostic(figure);
  for (const [reason, n] of explained) t.diagnostic(`  ${n} × ${reason}`);
  assert.deepEqual(unexplained, []);
  // The table exercises both outcomes in quantity, so agreement is not agreement on "deny".
  const allowed = cases.filter((c) => berth(c) === 'Allowed').length;
  assert.ok(allowed > cases.length / 10 && allowed < cases.length * 0.9, `${allowed} of ${cases.length} allowed`);
});
