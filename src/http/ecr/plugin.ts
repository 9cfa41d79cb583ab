// The AWS APIs on the registry's listener: POST / with the AWS JSON 1.1 protocol, dispatched by
// the X-Amz-Target prefix (AmazonEC2ContainerRegistry_V20150921.<Action> for ECR,
// TrentService.<Action> for the key service), every request SigV4-signed for its service.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../../iam/authenticator.js';
import { requestFacts } from '../facts.js';
import type { PageTokens } from '../aws-json/page-tokens.js';
import { AWS_PROTOCOL_CONSTRAINT } from '../aws-protocol.js';
import type { ApiActionTable } from './call.js';
import { ApiError, renderApiError } from './errors.js';

export const ECR_TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921';
const MAX_BODY = 64 * 1024 * 1024;

export const KMS_TARGET_PREFIX = 'TrentService';

export interface ApiService {
  targetPrefix: string;
  /** The SigV4 service name requests must be signed for. */
  signingName: string;
  actions: ApiActionTable;
}

export interface ApiPluginOptions {
  authenticator: Authenticator;
  services: ApiService[];
  pageTokens: PageTokens;
}

export async function awsJsonPlugin(app: FastifyInstance, options: ApiPluginOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY }, (_request, body, done) => done(null, body));
  app.setErrorHandler((err, request, reply) => {
    const status = (err as { statusCode?: number }).statusCode;
    if (status === 413)
      return renderApiError(new ApiError('SerializationException', 'request body too large'), request, reply);
    if (status !== undefined && status < 500 && !(err instanceof ApiError))
      return renderApiError(new ApiError('SerializationException', (err as Error).message), request, reply);
    return renderApiError(err, request, reply);
  });

  /** The service X-Amz-Target names (an UnknownOperationException for none). */
  const serviceOf = (request: FastifyRequest): { target: string; service: ApiService } => {
    const target = request.headers['x-amz-target'];
    const service =
      typeof target === 'string' ? options.services.find((s) => target.startsWith(`${s.targetPrefix}.`)) : undefined;
    if (typeof target !== 'string' || !service)
      throw new ApiError('UnknownOperationException', 'missing or unknown X-Amz-Target');
    return { target, service };
  };

  // Before the body is read (up to MAX_BODY): a request that is not signed by a working access
  // key is refused without the server taking its body. The signature over the body is checked
  // once the body is in.
  const identify = async (request: FastifyRequest) => {
    serviceOf(request);
    await options.authenticator.identify({ method: request.method, url: request.url, headers: request.headers });
  };

  app.post(
    '/',
    { constraints: { [AWS_PROTOCOL_CONSTRAINT]: 'json' }, preParsing: identify },
    async (request, reply) => {
      const { target, service } = serviceOf(request);
      const name = target.slice(service.targetPrefix.length + 1);
      const action = Object.hasOwn(service.actions, name) ? service.actions[name] : undefined;
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const principal = await options.authenticator.sigV4(
        {
          method: request.method,
          url: request.url,
          headers: request.headers,
          bodySha256: createHash('sha256').update(body).digest('hex'),
        },
        service.signingName,
      );
      if (!action) throw new ApiError('UnknownOperationException', `${name} is not an operation Berth implements`);
      let parsed: unknown = {};
      if (body.length > 0) {
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          throw new ApiError('SerializationException', 'the request body is not valid JSON');
        }
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new ApiError('SerializationException', 'the request body must be a JSON object');
      const token = request.headers['x-amz-security-token'];
      const securityToken = typeof token === 'string' ? token : undefined;
      const output = await action({
        principal,
        body: parsed,
        host: request.host || 'localhost',
        protocol: request.protocol,
        facts: requestFacts(request),
        action: target,
        pages: options.pageTokens,
        ...(securityToken && { securityToken }),
      });
      // A Buffer: Fastify appends '; charset=utf-8' to the Content-Type of a string body.
      return reply
        .header('x-amzn-RequestId', request.id)
        .type('application/x-amz-json-1.1')
        .send(Buffer.from(JSON.stringify(output)));
    },
  );
}
