// The IAM and STS faces: POST / with the AWS query protocol (form body Action=…&Version=…),
// SigV4-signed for the service the Version names, answered in XML as the models describe:
// <ActionResponse><ActionResult>…</ActionResult><ResponseMetadata><RequestId>…
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../../iam/authenticator.js';
import { ANONYMOUS, type Principal } from '../../domain/principal.js';
import type { PageTokens } from '../aws-json/page-tokens.js';
import { AWS_PROTOCOL_CONSTRAINT } from '../aws-protocol.js';
import { withRequestFacts } from '../../iam/iam-access.js';
import { requestFacts } from '../facts.js';
import type { IamActionTable } from './call.js';
import { IAM_NAMESPACE, IamError, renderIamError, STS_NAMESPACE } from './errors.js';
import { parseForm, unflatten } from './form.js';
import { elements } from './xml.js';

const MAX_BODY = 1024 * 1024;

export interface QueryService {
  /** The SigV4 service name (iam, sts). */
  signingName: string;
  namespace: string;
  actions: IamActionTable;
  /** Actions called without a signature (STS AssumeRoleWithWebIdentity). */
  unsigned?: readonly string[];
}

export interface QueryPluginOptions {
  authenticator: Authenticator;
  /** By API version: 2010-05-08 (IAM), 2011-06-15 (STS). */
  services: Record<string, QueryService>;
  /** Signs and opens the list actions' Markers. */
  pageTokens: PageTokens;
}

export const IAM_VERSION = '2010-05-08';
export const STS_VERSION = '2011-06-15';
export { IAM_NAMESPACE, STS_NAMESPACE };

export async function awsQueryPlugin(app: FastifyInstance, options: QueryPluginOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY }, (_request, body, done) => done(null, body));
  app.setErrorHandler((err, request, reply) => {
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status < 500 && !(err instanceof IamError))
      return renderIamError(new IamError('InvalidParameterValue', (err as Error).message), request, reply);
    return renderIamError(err, request, reply);
  });

  app.post('/', { constraints: { [AWS_PROTOCOL_CONSTRAINT]: 'query' } }, async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    let namespace = IAM_NAMESPACE;
    try {
      const form = parseForm(body);
      const name = form.get('Action');
      const version = form.get('Version');
      if (!name) throw new IamError('MissingAction', 'the request names no Action');
      const service =
        version !== undefined && Object.hasOwn(options.services, version) ? options.services[version]! : undefined;
      if (!service)
        throw new IamError(
          'InvalidAction',
          `Version ${version ?? '(none)'} is not a version Berth answers: 2010-05-08 (IAM) or 2011-06-15 (STS)`,
        );
      namespace = service.namespace;
      const action = Object.hasOwn(service.actions, name) ? service.actions[name] : undefined;
      // As AWS: an action the service does not answer is InvalidAction whether or not the request is signed.
      if (!action)
        throw new IamError(
          'InvalidAction',
          `Could not find operation ${name} for version ${version}: Berth does not implement it`,
        );
      const unsigned = service.unsigned?.includes(name) ?? false;
      let principal: Principal = ANONYMOUS;
      if (!unsigned) {
        principal = await options.authenticator.sigV4(
          {
            method: request.method,
            url: request.url,
            headers: request.headers,
            bodySha256: createHash('sha256').update(body).digest('hex'),
          },
          service.signingName,
        );
      }
      const facts = requestFacts(request);
      const result = await withRequestFacts(facts, () =>
        action({
          principal,
          body: unflatten(form),
          facts,
          action: `${service.signingName}:${name}`,
          pages: options.pageTokens,
        }),
      );
      const xml =
        `<?xml version="1.0" encoding="UTF-8"?>\n<${name}Response xmlns="${namespace}">` +
        (result ? `<${name}Result>${elements(result)}</${name}Result>` : '') +
        `<ResponseMetadata><RequestId>${request.id}</RequestId></ResponseMetadata></${name}Response>`;
      return reply.header('x-amzn-RequestId', request.id).type('text/xml').send(Buffer.from(xml));
    } catch (err) {
      return renderIamError(err, request, reply, namespace);
    }
  });
}
