// The events API's authorization matrix: every action the face registers (so that a new action
// without a case fails here), for a user with no policy, a user allowed everything but the action,
// and a user allowed exactly events:<Action>, which must be served.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NewAccessKey } from '../../iam/identities.js';
import { callApi } from '../../testing/api-client.js';
import type { Credentials } from '../../testing/aws-signer.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../../testing/server.js';
import { eventsInputs } from './actions.js';
import { eventsCases } from '../../testing/events.js';

let server: TestBerth;
let A: string;
const keys = {} as Record<'nobody' | 'exact' | 'allBut', NewAccessKey>;

const policy = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });

async function call(action: string, input: object, credentials: Credentials) {
  const res = await callApi(server.berth.app, action, input, {
    target: `AWSEvents.${action}`,
    service: 'events',
    credentials,
  });
  return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Record<string, any>) : {} };
}

async function root(action: string, input: object): Promise<Record<string, any>> {
  const res = await call(action, input, TEST_ADMIN);
  assert.equal(res.status, 200, `${action} by the root: ${JSON.stringify(res.body)}`);
  return res.body;
}

const CASES = eventsCases(root);

before(async () => {
  server = await startBerth({ listen: false, settings: { auth: { mode: 'iam' } } });
  A = server.berth.accountId;
  for (const [name, user] of [
    ['nobody', 'ev-nobody'],
    ['exact', 'ev-exact'],
    ['allBut', 'ev-allbut'],
  ] as const) {
    await server.berth.identities.createUser(A, user);
    keys[name] = await server.berth.identities.createAccessKeyFor(A, user);
  }
});
after(() => server.close());

describe('events authorization matrix', () => {
  it('every registered action has a case', () => {
    assert.deepEqual(Object.keys(CASES).sort(), [...server.berth.eventsActions]);
    assert.deepEqual(Object.keys(eventsInputs).sort(), [...server.berth.eventsActions]);
  });
  for (const [action, input] of Object.entries(CASES)) {
    it(`${action}: refused without events:${action}, served with exactly it`, async () => {
      const name = `events:${action}`;
      await server.berth.userPolicies.putUserPolicy(
        A,
        'ev-exact',
        'm',
        policy({ Effect: 'Allow', Action: name, Resource: '*' }),
      );
      await server.berth.userPolicies.putUserPolicy(
        A,
        'ev-allbut',
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
