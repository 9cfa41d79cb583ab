// POST / carries two AWS protocols on one listener: AWS JSON 1.1 (ECR: X-Amz-Target) and the
// query protocol (IAM, STS: a form-encoded body with Action=…&Version=…). A route constraint
// tells them apart before routing, so each face keeps its own parser and error boundary.
import type { FastifyInstance, FastifyRequest } from 'fastify';

export type AwsProtocol = 'json' | 'query';
export const AWS_PROTOCOL_CONSTRAINT = 'awsProtocol';

/** Query protocol: a form body and no X-Amz-Target. Anything else goes to the JSON face, whose errors say what is wrong. */
export function awsProtocolOf(headers: FastifyRequest['headers']): AwsProtocol {
  const type = headers['content-type'];
  const form = typeof type === 'string' && /^application\/x-www-form-urlencoded\b/i.test(type);
  return form && headers['x-amz-target'] === undefined ? 'query' : 'json';
}

export function addAwsProtocolConstraint(app: FastifyInstance): void {
  app.addConstraintStrategy({
    name: AWS_PROTOCOL_CONSTRAINT,
    storage() {
      const handlers = new Map<string, unknown>();
      return {
        get: (value: string) => (handlers.get(value) ?? null) as never,
        set: (value: string, store: unknown) => {
          handlers.set(value, store);
        },
      };
    },
    deriveConstraint: (request: { headers: FastifyRequest['headers'] }) => awsProtocolOf(request.headers),
    mustMatchWhenDerived: false,
  });
}
