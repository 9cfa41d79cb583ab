// The one authorization call every operation makes: may this principal do this ECR action on
// this resource? Identities and the policy engine arrive with the IAM issue; until then the
// registry runs open (every principal, including anonymous, may do everything).
import type { Action } from '../domain/actions.js';

export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'user'; accountId: string; arn: string };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

export interface AuthorizationRequest {
  principal: Principal;
  action: Action;
  /** The resource ARN, e.g. arn:aws:ecr:us-east-1:123456789012:repository/app. */
  resource: string;
}

export interface Authorizer {
  /** Resolves when allowed; throws a RegistryError (UNAUTHORIZED or DENIED) otherwise. */
  authorize(request: AuthorizationRequest): Promise<void>;
}

export class OpenAuthorizer implements Authorizer {
  async authorize(): Promise<void> {}
}
