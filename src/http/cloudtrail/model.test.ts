// CloudTrail's LookupEvents (the one action Berth implements) against CloudTrail's model
// (shared/specs/aws/cloudtrail.service-2.json): its answer fits the model's output shape (no
// member it does not have, CloudTrailEvent a JSON document), paging included, and inputs that
// differ from a valid one in one place (edge strings, bounds, wrong types, members removed) are
// answered with a 200 or a 4xx the operation declares, never a 5xx.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { callApi } from '../../testing/api-client.js';
import { mutations, type ServiceModel, violations } from '../../testing/ecr-model.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../../testing/server.js';
import { CLOUDTRAIL_TARGET_PREFIX } from './face.js';

const MODEL_PATH = '/work/shared/specs/aws/cloudtrail.service-2.json';
const model: ServiceModel | undefined = existsSync(MODEL_PATH)
  ? (JSON.parse(readFileSync(MODEL_PATH, 'utf8')) as ServiceModel)
  : undefined;
/** The protocol's own exceptions, which any operation may answer. */
const PROTOCOL = ['AccessDeniedException', 'ValidationException', 'SerializationException'];
/** The actions Berth implements of CloudTrail's. */
const IMPLEMENTED = ['LookupEvents'];

let server: TestBerth;

async function call(action: string, input: unknown) {
  const res = await callApi(server.berth.app, action, input, {
    target: `${CLOUDTRAIL_TARGET_PREFIX}.${action}`,
    service: 'cloudtrail',
    credentials: TEST_ADMIN,
  });
  return { status: res.statusCode, body: res.json() as Record<string, any> };
}

before(async () => {
  server = await startBerth({ listen: false, settings: { auth: { mode: 'iam' } } });
  // Something to find: three recorded calls (and their failures).
  for (const name of ['model/a', 'model/b', 'model/c'])
    assert.equal((await callApi(server.berth.app, 'CreateRepository', { repositoryName: name })).statusCode, 200);
  await callApi(server.berth.app, 'DescribeRepositories', { repositoryNames: ['model/missing'] });
});
after(() => server?.close());

describe('CloudTrail against its model', { skip: model ? false : `no model at ${MODEL_PATH}` }, () => {
  it('every implemented action is an operation of the model', () => {
    for (const action of IMPLEMENTED) assert.ok(model!.operations[action], action);
  });

  it('LookupEvents: the answer fits the model, pages too; one-place mutations of the input are never a 5xx', async () => {
    const operation = model!.operations.LookupEvents!;
    const now = Date.now() / 1000;
    const input = {
      LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: 'ecr.amazonaws.com' }],
      StartTime: now - 3600,
      EndTime: now + 60,
      MaxResults: 2,
    };
    const first = await call('LookupEvents', input);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.Events.length, 2);
    assert.equal(typeof first.body.NextToken, 'string');
    const second = await call('LookupEvents', { ...input, NextToken: first.body.NextToken });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    for (const page of [first.body, second.body]) {
      assert.deepEqual(violations(model!, operation.output!.shape, page, { strict: true }), [], JSON.stringify(page));
      for (const event of page.Events) {
        const detail = JSON.parse(event.CloudTrailEvent) as Record<string, unknown>;
        assert.equal(detail.eventID, event.EventId);
        assert.equal(detail.eventName, event.EventName);
      }
    }
    const declared = [...(operation.errors ?? []).map((e) => e.shape), ...PROTOCOL];
    let tried = 0;
    for (const mutated of mutations(model!, operation.input!.shape, input)) {
      const res = await call('LookupEvents', mutated);
      tried++;
      assert.ok(
        res.status < 500,
        `${JSON.stringify(mutated).slice(0, 300)}: ${res.status} ${JSON.stringify(res.body)}`,
      );
      if (res.status !== 200)
        assert.ok(
          declared.includes(res.body.__type),
          `${JSON.stringify(mutated).slice(0, 300)} raised ${res.body.__type}, not an error of the operation`,
        );
      else assert.deepEqual(violations(model!, operation.output!.shape, res.body, { strict: true }), []);
    }
    assert.ok(tried > 0);
  });

  it('an action Berth does not implement is UnknownOperationException, a 4xx', async () => {
    const res = await call('DescribeTrails', {});
    assert.ok(res.status >= 400 && res.status < 500, `${res.status}`);
    assert.equal(res.body.__type, 'UnknownOperationException');
  });
});
