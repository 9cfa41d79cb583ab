// The events API against EventBridge's model (shared/specs/aws/events.service-2.json): every
// action's answer fits the model's output shape (no member it does not have), and inputs that
// differ from a valid one in one place (edge strings, bounds, wrong types, members removed) are
// answered with a 200 or a 4xx the operation declares, never a 5xx.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { callApi } from '../../testing/api-client.js';
import { mutations, type ServiceModel, violations } from '../../testing/ecr-model.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../../testing/server.js';
import { eventsCases } from '../../testing/events.js';
import { BERTH_ONLY_ACTIONS } from './actions.js';

const MODEL_PATH = '/work/shared/specs/aws/events.service-2.json';
const model: ServiceModel | undefined = existsSync(MODEL_PATH)
  ? (JSON.parse(readFileSync(MODEL_PATH, 'utf8')) as ServiceModel)
  : undefined;
/** The protocol's own exceptions, which any operation may answer. */
const PROTOCOL = ['AccessDeniedException', 'ValidationException', 'SerializationException'];

let server: TestBerth;

async function call(action: string, input: unknown) {
  const res = await callApi(server.berth.app, action, input, {
    target: `AWSEvents.${action}`,
    service: 'events',
    credentials: TEST_ADMIN,
  });
  return { status: res.statusCode, body: res.json() as Record<string, any> };
}

const INPUTS = eventsCases(async (action, input) => {
  const res = await call(action, input);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
});

before(async () => {
  server = await startBerth({ listen: false });
});
after(() => server.close());

describe('the events API against its model', { skip: model ? false : `no model at ${MODEL_PATH}` }, () => {
  for (const [action, input] of Object.entries(INPUTS).filter(([a]) => !BERTH_ONLY_ACTIONS.includes(a))) {
    it(`${action}: the answer fits the model; one-place mutations of the input are never a 5xx`, async () => {
      const operation = model!.operations[action]!;
      const ok = await call(action, await input());
      assert.equal(ok.status, 200, `${action}: ${JSON.stringify(ok.body)}`);
      if (operation.output)
        assert.deepEqual(
          violations(model!, operation.output.shape, ok.body, { strict: true }),
          [],
          JSON.stringify(ok.body),
        );
      const declared = [...(operation.errors ?? []).map((e) => e.shape), ...PROTOCOL];
      let tried = 0;
      for (const mutated of mutations(model!, operation.input!.shape, await input())) {
        const res = await call(action, mutated);
        tried++;
        assert.ok(
          res.status < 500,
          `${action} ${JSON.stringify(mutated).slice(0, 300)}: ${res.status} ${JSON.stringify(res.body)}`,
        );
        if (res.status !== 200)
          assert.ok(
            declared.includes(res.body.__type),
            `${action} ${JSON.stringify(mutated).slice(0, 300)} raised ${res.body.__type}, not an error of the operation`,
          );
      }
      assert.ok(tried > 0);
    });
  }
});
