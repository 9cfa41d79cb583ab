// The AWS JSON host on its own, with two made-up faces: a request reaches the face its target
// prefix names (signed for that face's service), the face that answers names the errors, and a
// target no face is registered under is the protocol's UnknownOperationException.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AuthenticatedPrincipal } from '../../domain/principal.js';
import type { Authenticator } from '../../iam/authenticator.js';
import { addAwsProtocolConstraint } from '../aws-protocol.js';
import type { AwsJsonFace } from './call.js';
import { AwsJsonError } from './errors.js';
import type { PageTokens } from './page-tokens.js';
import { awsJsonPlugin } from './plugin.js';

const PRINCIPAL: AuthenticatedPrincipal = {
  kind: 'root',
  accountId: '111111111111',
  arn: 'arn:aws:iam::111111111111:root',
  userId: '111111111111',
  accessKeyId: 'AKIDEXAMPLE',
};

/** What a service throws; each face names it its own way. */
class ServiceError extends Error {}

const signedFor: string[] = [];
const authenticator = {
  identify: async () => {},
  sigV4: async (_request: unknown, service: string) => {
    signedFor.push(service);
    return PRINCIPAL;
  },
} as unknown as Authenticator;

function face(prefix: string, signingName: string, exception: string): AwsJsonFace {
  return {
    targetPrefix: prefix,
    signingName,
    actions: {
      Echo: async (call) => ({ face: prefix, action: call.action, body: call.body }),
      Fail: async () => {
        throw new ServiceError(`${prefix} failed`);
      },
      Crash: async () => {
        throw new Error('a bug');
      },
    },
    errors: (err) => (err instanceof ServiceError ? new AwsJsonError(exception, err.message, {}, 409) : undefined),
  };
}

let app: FastifyInstance;

before(async () => {
  app = Fastify();
  addAwsProtocolConstraint(app);
  await app.register(awsJsonPlugin, {
    authenticator,
    pageTokens: {} as PageTokens,
    faces: [face('Alpha_2020', 'alpha', 'AlphaException'), face('Beta', 'beta', 'BetaFault')],
  });
  await app.ready();
});
after(() => app.close());

function call(target: string | undefined, body = '{}') {
  return app.inject({
    method: 'POST',
    url: '/',
    headers: { 'content-type': 'application/x-amz-json-1.1', ...(target !== undefined && { 'x-amz-target': target }) },
    payload: body,
  });
}

describe('the AWS JSON host', () => {
  it('dispatches by target prefix, signed for the face it reaches', async () => {
    signedFor.length = 0;
    for (const [target, service] of [
      ['Alpha_2020.Echo', 'alpha'],
      ['Beta.Echo', 'beta'],
    ] as const) {
      const res = await call(target, '{"x":1}');
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'application/x-amz-json-1.1');
      assert.deepEqual(res.json(), { face: target.split('.')[0], action: target, body: { x: 1 } });
      assert.equal(signedFor.at(-1), service);
    }
  });

  it('the face that answers names the error, with its status', async () => {
    for (const [target, type] of [
      ['Alpha_2020.Fail', 'AlphaException'],
      ['Beta.Fail', 'BetaFault'],
    ] as const) {
      const res = await call(target);
      assert.equal(res.statusCode, 409);
      assert.equal(res.headers['x-amzn-errortype'], type);
      assert.deepEqual(Object.keys(res.json() as object).sort(), ['__type', 'message']);
      assert.equal((res.json() as { __type: string }).__type, type);
    }
  });

  it('an error no one names is ServerException (500)', async () => {
    const res = await call('Beta.Crash');
    assert.equal(res.statusCode, 500);
    assert.equal((res.json() as { __type: string }).__type, 'ServerException');
  });

  it('a target no face answers is UnknownOperationException', async () => {
    for (const target of [
      undefined,
      'Gamma.Echo',
      'Alpha_2020',
      'alpha_2020.Echo',
      'Beta.Nope',
      'Beta.toString',
      '.Echo',
    ]) {
      const res = await call(target);
      assert.equal(res.statusCode, 400, String(target));
      assert.equal((res.json() as { __type: string }).__type, 'UnknownOperationException', String(target));
    }
  });

  it('a body that is not a JSON object is SerializationException', async () => {
    for (const body of ['[]', 'nope', 'null']) {
      const res = await call('Alpha_2020.Echo', body);
      assert.equal((res.json() as { __type: string }).__type, 'SerializationException', body);
    }
  });

  it('refuses two faces under one target prefix', async () => {
    const other = Fastify();
    addAwsProtocolConstraint(other);
    other.register(awsJsonPlugin, {
      authenticator,
      pageTokens: {} as PageTokens,
      faces: [face('Beta', 'beta', 'X'), face('Beta', 'beta2', 'Y')],
    });
    await assert.rejects(async () => other.ready(), /two AWS JSON faces under the target prefix Beta/);
    await other.close();
  });
});
