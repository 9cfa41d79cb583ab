// Secrets Manager against its model (shared/specs/aws/secretsmanager.service-2.json): every
// action's answer fits the model's output shape (no member it does not have), and inputs that
// differ from a valid one in one place (edge strings, bounds, wrong types, members removed) are
// answered with a 200 or a 4xx the operation declares, never a 5xx.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { callApi } from '../../testing/api-client.js';
import { mutations, type ServiceModel, violations } from '../../testing/ecr-model.js';
import { startBerth, TEST_ADMIN, type TestBerth } from '../../testing/server.js';

const MODEL_PATH = '/work/shared/specs/aws/secretsmanager.service-2.json';
const model: ServiceModel | undefined = existsSync(MODEL_PATH)
  ? (JSON.parse(readFileSync(MODEL_PATH, 'utf8')) as ServiceModel)
  : undefined;
/** The protocol's own exceptions, which any operation may answer. */
const PROTOCOL = ['AccessDeniedException', 'ValidationException', 'SerializationException'];

let server: TestBerth;
let n = 0;

async function call(action: string, input: unknown) {
  const res = await callApi(server.berth.app, action, input, {
    target: `secretsmanager.${action}`,
    service: 'secretsmanager',
    credentials: TEST_ADMIN,
  });
  return { status: res.statusCode, body: res.json() as Record<string, any> };
}

async function fresh(): Promise<string> {
  const res = await call('CreateSecret', { Name: `model/${++n}`, SecretString: 'v', Tags: [{ Key: 't', Value: 'v' }] });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.ARN;
}

const token = () => `${String(++n).padStart(8, '0')}-aaaa-bbbb-cccc-dddddddddddd`;
const INPUTS: Record<string, () => Promise<object>> = {
  CreateSecret: async () => ({
    Name: `model/new-${++n}`,
    SecretString: 'v',
    Description: 'd',
    ClientRequestToken: token(),
    Tags: [{ Key: 'k', Value: 'v' }],
  }),
  GetSecretValue: async () => ({ SecretId: await fresh(), VersionStage: 'AWSCURRENT' }),
  PutSecretValue: async () => ({
    SecretId: await fresh(),
    SecretString: 'w',
    ClientRequestToken: token(),
    VersionStages: ['AWSCURRENT'],
  }),
  DescribeSecret: async () => ({ SecretId: await fresh() }),
  ListSecrets: async () => ({
    MaxResults: 2,
    Filters: [{ Key: 'name', Values: ['model/'] }],
    SortOrder: 'asc',
    SortBy: 'name',
    IncludePlannedDeletion: true,
  }),
  UpdateSecret: async () => ({ SecretId: await fresh(), Description: 'd2', SecretString: 'x' }),
  DeleteSecret: async () => ({ SecretId: await fresh(), RecoveryWindowInDays: 7 }),
  RestoreSecret: async () => {
    const SecretId = await fresh();
    await call('DeleteSecret', { SecretId });
    return { SecretId };
  },
  TagResource: async () => ({ SecretId: await fresh(), Tags: [{ Key: 'k', Value: 'v' }] }),
  UntagResource: async () => ({ SecretId: await fresh(), TagKeys: ['t'] }),
  PutResourcePolicy: async () => ({
    SecretId: await fresh(),
    ResourcePolicy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${server.berth.accountId}:root` },
          Action: '*',
          Resource: '*',
        },
      ],
    }),
  }),
  GetResourcePolicy: async () => ({ SecretId: await fresh() }),
  DeleteResourcePolicy: async () => ({ SecretId: await fresh() }),
};

before(async () => {
  server = await startBerth({ listen: false, settings: { auth: { mode: 'iam' } } });
});
after(() => server.close());

describe('Secrets Manager against its model', { skip: model ? false : `no model at ${MODEL_PATH}` }, () => {
  for (const [action, input] of Object.entries(INPUTS)) {
    it(`${action}: the answer fits the model; one-place mutations of the input are never a 5xx`, async () => {
      const operation = model!.operations[action]!;
      const base = await input();
      const ok = await call(action, base);
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
