// The AWS JSON 1.1 host on the registry's listener: POST / with X-Amz-Target, dispatched by its
// target prefix to the face registered under it (ECR, ECR Public, KMS, …), every request
// SigV4-signed for that face's service, errors named by that face.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../../iam/authenticator.js';
import { AWS_PROTOCOL_CONSTRAINT } from '../aws-protocol.js';
import { requestFacts } from '../facts.js';
import type { AwsJsonFace } from './call.js';
import { AwsJsonError, protocolError, renderAwsJsonError } from './errors.js';
import type { PageTokens } from './page-tokens.js';
import { MAX_BODY, parseTarget, sendOutput, type Target } from './protocol.js';

export interface AwsJsonPluginOptions {
  authenticator: Authenticator;
  faces: AwsJsonFace[];
  pageTokens: PageTokens;
}

interface Dispatch {
  target: Target;
  face: AwsJsonFace;
}

/** The action's input: an empty body is `{}`; anything but a JSON object is a SerializationException. */
function parseBody(body: Buffer): object {
  let parsed: unknown = {};
  if (body.length > 0) {
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw protocolError('SerializationException', 'the request body is not valid JSON');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw protocolError('SerializationException', 'the request body must be a JSON object');
  return parsed;
}

export async function awsJsonPlugin(app: FastifyInstance, options: AwsJsonPluginOptions): Promise<void> {
  const faces = new Map<string, AwsJsonFace>();
  for (const face of options.faces) {
    if (faces.has(face.targetPrefix))
      throw new Error(`two AWS JSON faces under the target prefix ${face.targetPrefix}`);
    faces.set(face.targetPrefix, face);
  }

  // The face a request is for, looked up once per request (undefined: no face under its prefix).
  const dispatched = new WeakMap<FastifyRequest, Dispatch | null>();
  const lookup = (request: FastifyRequest): Dispatch | undefined => {
    let found = dispatched.get(request);
    if (found === undefined) {
      const target = parseTarget(request.headers['x-amz-target']);
      const face = target && faces.get(target.prefix);
      found = target && face ? { target, face } : null;
      dispatched.set(request, found);
    }
    return found ?? undefined;
  };
  /** The face X-Amz-Target names (an UnknownOperationException for none). */
  const dispatch = (request: FastifyRequest): Dispatch => {
    const found = lookup(request);
    if (!found) throw protocolError('UnknownOperationException', 'missing or unknown X-Amz-Target');
    return found;
  };

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY }, (_request, body, done) => done(null, body));
  app.setErrorHandler((err, request, reply) => {
    const translate = lookup(request)?.face.errors;
    const status = (err as { statusCode?: number }).statusCode;
    if (status === 413)
      return renderAwsJsonError(protocolError('SerializationException', 'request body too large'), request, reply);
    if (status !== undefined && status < 500 && !(err instanceof AwsJsonError))
      return renderAwsJsonError(protocolError('SerializationException', (err as Error).message), request, reply);
    return renderAwsJsonError(err, request, reply, translate);
  });

  // Before the body is read (up to MAX_BODY): a request that is not signed by a working access
  // key is refused without the server taking its body. The signature over the body is checked
  // once the body is in.
  const identify = async (request: FastifyRequest) => {
    dispatch(request);
    await options.authenticator.identify({ method: request.method, url: request.url, headers: request.headers });
  };

  app.post(
    '/',
    { constraints: { [AWS_PROTOCOL_CONSTRAINT]: 'json' }, preParsing: identify },
    async (request, reply) => {
      const { target, face } = dispatch(request);
      const action = Object.hasOwn(face.actions, target.action) ? face.actions[target.action] : undefined;
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const principal = await options.authenticator.sigV4(
        {
          method: request.method,
          url: request.url,
          headers: request.headers,
          bodySha256: createHash('sha256').update(body).digest('hex'),
        },
        face.signingName,
      );
      if (!action)
        throw protocolError('UnknownOperationException', `${target.action} is not an operation Berth implements`);
      const token = request.headers['x-amz-security-token'];
      const securityToken = typeof token === 'string' ? token : undefined;
      const output = await action({
        principal,
        body: parseBody(body),
        host: request.host || 'localhost',
        protocol: request.protocol,
        facts: requestFacts(request),
        action: target.target,
        pages: options.pageTokens,
        ...(securityToken && { securityToken }),
      });
      return sendOutput(request, reply, output);
    },
  );
}
