import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Principal } from '../domain/principal.js';
import type { KmsGrant } from '../domain/records/kms.js';
import {
  constraintsHold,
  coveringGrant,
  grantIdOfToken,
  isGrantId,
  newGrantId,
  newGrantToken,
  within,
} from './grant-rules.js';

const A = '111111111111';
const user: Principal = {
  kind: 'user',
  accountId: A,
  arn: `arn:aws:iam::${A}:user/app`,
  userId: 'AIDAAPP',
  userName: 'app',
  accessKeyId: 'AKIA1',
};
const session: Principal = {
  kind: 'role-session',
  accountId: A,
  arn: `arn:aws:sts::${A}:assumed-role/ci/run`,
  roleArn: `arn:aws:iam::${A}:role/ci`,
  roleId: 'AROACI',
  sessionName: 'run',
  accessKeyId: 'ASIA1',
  tags: {},
  expiresAt: Date.now() + 3_600_000,
};

function grant(overrides: Partial<KmsGrant>): KmsGrant {
  return {
    id: newGrantId(),
    keyId: 'k',
    name: null,
    granteePrincipal: `arn:aws:iam::${A}:user/app`,
    retiringPrincipal: null,
    issuingAccount: A,
    operations: ['Decrypt'],
    constraints: null,
    token: 't',
    createdAt: 0,
    ...overrides,
  };
}

test('constraints: Subset needs its pairs, Equals exactly its pairs; keys without case, values with', () => {
  assert.equal(constraintsHold(null, undefined), true);
  assert.equal(constraintsHold({ encryptionContextSubset: { Team: 'web' } }, { team: 'web', build: '1' }), true);
  assert.equal(constraintsHold({ encryptionContextSubset: { Team: 'web' } }, { team: 'Web' }), false);
  assert.equal(constraintsHold({ encryptionContextSubset: { Team: 'web' } }, undefined), false);
  assert.equal(constraintsHold({ encryptionContextEquals: { a: '1' } }, { A: '1' }), true);
  assert.equal(constraintsHold({ encryptionContextEquals: { a: '1' } }, { a: '1', b: '2' }), false);
});

test("a grant made with a grant's CreateGrant stays within it", () => {
  const parent = { operations: ['CreateGrant', 'Decrypt'], constraints: { encryptionContextSubset: { team: 'web' } } };
  assert.equal(
    within({ operations: ['Decrypt'], constraints: { encryptionContextSubset: { TEAM: 'web', app: 'x' } } }, parent),
    true,
  );
  assert.equal(
    within({ operations: ['Decrypt'], constraints: { encryptionContextEquals: { team: 'web' } } }, parent),
    true,
  );
  assert.equal(within({ operations: ['Decrypt'], constraints: null }, parent), false);
  assert.equal(
    within({ operations: ['Encrypt'], constraints: { encryptionContextSubset: { team: 'web' } } }, parent),
    false,
  );
  const equals = { operations: ['Decrypt'], constraints: { encryptionContextEquals: { team: 'web' } } };
  assert.equal(
    within({ operations: ['Decrypt'], constraints: { encryptionContextSubset: { team: 'web' } } }, equals),
    false,
  );
  assert.equal(
    within({ operations: ['Decrypt'], constraints: { encryptionContextEquals: { Team: 'web' } } }, equals),
    true,
  );
  assert.equal(
    within({ operations: ['Decrypt'], constraints: null }, { operations: ['Decrypt'], constraints: null }),
    true,
  );
});

test('a grant covers its grantee, a role grant its sessions, an account grant by delegation; for its operations only', () => {
  assert.equal(coveringGrant([grant({})], user, { operation: 'Decrypt' }), 'principal');
  assert.equal(coveringGrant([grant({})], user, { operation: 'Encrypt' }), undefined);
  assert.equal(
    coveringGrant([grant({ granteePrincipal: `arn:aws:iam::${A}:root` })], user, { operation: 'Decrypt' }),
    'account',
  );
  const both = [
    grant({ granteePrincipal: `arn:aws:iam::${A}:root` }),
    grant({ granteePrincipal: `arn:aws:iam::${A}:role/ci` }),
  ];
  assert.equal(coveringGrant(both, session, { operation: 'Decrypt' }), 'principal');
  assert.equal(
    coveringGrant([grant({ granteePrincipal: `arn:aws:iam::${A}:user/other` })], user, { operation: 'Decrypt' }),
    undefined,
  );
  const constrained = grant({
    constraints: { encryptionContextSubset: { a: 'b' } },
    operations: ['Decrypt', 'DescribeKey'],
  });
  assert.equal(coveringGrant([constrained], user, { operation: 'Decrypt', encryptionContext: { a: 'c' } }), undefined);
  assert.equal(
    coveringGrant([constrained], user, { operation: 'DescribeKey' }),
    'principal',
    'constraints do not apply to DescribeKey',
  );
});

test('grant ids and tokens', () => {
  const id = newGrantId();
  assert.equal(isGrantId(id), true);
  assert.equal(isGrantId('abc'), false);
  const token = newGrantToken(id);
  assert.equal(grantIdOfToken(token), id);
  assert.notEqual(newGrantToken(id), token);
  for (const bad of ['', 'not a token', 'abc', Buffer.alloc(10).toString('base64url')])
    assert.equal(grantIdOfToken(bad), undefined);
});
