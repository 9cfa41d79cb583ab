// Secrets Manager's authorization matrix: every action the face registers (so that a new action
// without a case fails here), for a user with no policy, a user allowed everything but the action,
// and a user allowed exactly secretsmanager:<Action>, which must be served.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NewAccessKey } from '../../iam/identities.js';
import { callApi } from '../../testing/api-client.js';
import type { Credentials } from '../../testing/aws-signer.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../../testing/server.js';
import { secretsInputs } from './actions.js';

let server: TestBerth;
let A: string;
const keys = {} as Record<'nobody' | 'exact' | 'allBut', NewAccessKey>;
let n = 0;

const policy = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });

async function call(action: string, input: object, credentials: Credentials) {
  const res = await callApi(server.berth.app, action, input, {
    target: `secretsmanager.${action}`,
    service: 'secretsmanager',
    credentials,
  });
  return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Record<string, any>) : {} };
}

async function root(action: string, input: object): Promise<Record<string, any>> {
  const res = await call(action, input, TEST_ADMIN);
  assert.equal(res.status, 200, `${action} by the root: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A fresh secret with a value and a tag, for one call. */
async function fresh(): Promise<string> {
  return (await root('CreateSecret', { Name: `matrix/${++n}`, SecretString: 'v', Tags: [{ Key: 't', Value: 'v' }] }))
    .ARN;
}

const CASES: Record<string, () => Promise<object>> = {
  CreateSecret: async () => ({ Name: `matrix/new-${++n}`, SecretString: 'v' }),
  GetSecretValue: async () => ({ SecretId: await fresh() }),
  PutSecretValue: async () => ({ SecretId: await fresh(), SecretString: 'w' }),
  DescribeSecret: async () => ({ SecretId: await fresh() }),
  ListSecrets: async () => ({}),
  UpdateSecret: async () => ({ SecretId: await fresh(), Description: 'd' }),
  DeleteSecret: async () => ({ SecretId: await fresh() }),
  RestoreSecret: async () => {
    const SecretId = await fresh();
    await root('DeleteSecret', { SecretId });
    return { SecretId };
  },
  TagResource: async () => ({ SecretId: await fresh(), Tags: [{ Key: 'k', Value: 'v' }] }),
  UntagResource: async () => ({ SecretId: await fresh(), TagKeys: ['t'] }),
  PutResourcePolicy: async () => ({
    SecretId: await fresh(),
    ResourcePolicy: policy({
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${A}:root` },
      Action: '*',
      Resource: '*',
    }),
  }),
  GetResourcePolicy: async () => ({ SecretId: await fresh() }),
  DeleteResourcePolicy: async () => ({ SecretId: await fresh() }),
};

before(async () => {
  server = await startBerth({ listen: false, settings: { auth: { mode: 'iam' } } });
  A = server.berth.accountId;
  for (const [name, user] of [
    ['nobody', 'sm-nobody'],
    ['exact', 'sm-exact'],
    ['allBut', 'sm-allbut'],
  ] as const) {
    await server.berth.identities.createUser(A, user);
    keys[name] = await server.berth.identities.createAccessKeyFor(A, user);
  }
});
after(() => server.close());

describe('Secrets Manager authorization matrix', () => {
  it('CreateSecret with tags also asks secretsmanager:TagResource', async () => {
    const exact = (actions: string[]) =>
      server.berth.userPolicies.putUserPolicy(
        A,
        'sm-exact',
        'm',
        policy({ Effect: 'Allow', Action: actions, Resource: '*' }),
      );
    const input = () => ({ Name: `matrix/tagged-${++n}`, Tags: [{ Key: 'k', Value: 'v' }] });
    await exact(['secretsmanager:CreateSecret']);
    const refused = await call('CreateSecret', input(), keys.exact);
    assert.equal(refused.body.__type, 'AccessDeniedException', JSON.stringify(refused.body));
    assert.match(refused.body.message, /secretsmanager:TagResource/);
    await exact(['secretsmanager:CreateSecret', 'secretsmanager:TagResource']);
    assert.equal((await call('CreateSecret', input(), keys.exact)).status, 200);
  });

  it('every registered action has a case', () => {
    assert.deepEqual(Object.keys(CASES).sort(), [...server.berth.secretsActions]);
    assert.deepEqual(Object.keys(secretsInputs).sort(), [...server.berth.secretsActions]);
  });
  for (const [action, input] of Object.entries(CASES)) {
    it(`${action}: refused without secretsmanager:${action}, served with exactly it`, async () => {
      const name = `secretsmanager:${action}`;
      await server.berth.userPolicies.putUserPolicy(
        A,
        'sm-exact',
        'm',
        policy({ Effect: 'Allow', Action: name, Resource: '*' }),
      );
      await server.berth.userPolicies.putUserPolicy(
        A,
        'sm-allbut',
        'm',
        policy({ Effect: 'Allow', NotAction: name, Resource: '*' }),
      );
      for (const who of ['nobody', 'allBut'] as const) {
        const res = await call(action, await input(), keys[who]);
        assert.equal(res.status, 400, `${action} for ${who}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.__type, 'AccessDeniedException', `${action} for ${who}: ${JSON.stringify(res.body)}`);
        assert.match(res.body.message, new RegExp(name));
      }
      const served = await call(action, await input(), keys.exact);
      assert.equal(served.status, 200, `${action} for a user allowed exactly ${name}: ${JSON.stringify(served.body)}`);
    });
  }
});
