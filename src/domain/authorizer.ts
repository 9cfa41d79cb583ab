// The one authorization call every operation makes: may this principal do this ECR action on
// this resource? iam/policy-authorizer.ts decides with the policy engine; an explicitly open
// registry (auth.mode: open) lets everyone do everything.
import type { Action } from './actions.js';
import type { Principal } from './principal.js';
import type { RequestFacts } from './request-facts.js';

/** How a KMS grant matched the caller: as its grantee principal, or as the grantee's account. */
export type GrantMatch = 'principal' | 'account';

export interface AuthorizationRequest {
  principal: Principal;
  action: Action;
  /** The resource ARN, e.g. arn:aws:ecr:us-east-1:123456789012:repository/app, or "*" (GetAuthorizationToken). */
  resource: string;
  /** The account that owns the resource; by default the ARN's. */
  resourceAccount?: string;
  /** What the face knows of the request, for policy conditions (aws:SourceIp, …). */
  facts?: RequestFacts;
  /** Decide as if the resource's own policy were this text (KMS's lockout check, before a key policy is stored). */
  proposedPolicy?: string;
  /** A KMS grant on the key allows the action to the caller or its account (explicit denies still win). */
  grant?: GrantMatch;
}

/** A statement of a policy, by the policy's name and the statement's Sid or position. */
export interface DecidingStatement {
  kind: 'identity' | 'resource' | 'session' | 'endpoint';
  policy: string;
  index: number;
  sid?: string;
}

/** The decision on a request, and what decided it (the console's "can this principal do this?"). */
export interface AccessExplanation {
  allowed: boolean;
  effect: 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';
  /** The engine's reason (e.g. account-root, identity-allow, resource-allow, no-allow). */
  reason: string;
  statement?: DecidingStatement;
  /** Cross-account allows: the identity statement that allowed alongside the resource one. */
  identityStatement?: DecidingStatement;
}

export interface Authorizer {
  /** Resolves when allowed; throws a RegistryError (UNAUTHORIZED or DENIED) otherwise. */
  authorize(request: AuthorizationRequest): Promise<void>;
  /** The same decision as authorize, explained instead of thrown; absent where nothing decides (open mode). */
  explain?(request: AuthorizationRequest): Promise<AccessExplanation>;
  /** Forgets cached policies and resource tags after this node changed some. */
  forget?(): void;
}

export class OpenAuthorizer implements Authorizer {
  async authorize(): Promise<void> {}
}
