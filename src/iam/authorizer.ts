// The one authorization call every operation makes: may this principal do this ECR action on
// this resource? PolicyAuthorizer (policy-authorizer.ts) decides with the policy engine; an
// explicitly open registry (auth.mode: open) lets everyone do everything.
import type { Action } from '../domain/actions.js';
import type { GrantMatch } from '../policy/evaluate.js';
import type { RequestFacts } from '../policy/request.js';

/**
 * Who calls. `root` is an account's root identity (ARN arn:aws:iam::A:root); `user` an IAM user;
 * `role-session` a session of an assumed role (temporary credentials, made by AssumeRole and
 * AssumeRoleWithWebIdentity): its `arn` is arn:aws:sts::A:assumed-role/<role>/<session>.
 */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'root'; accountId: string; arn: string; userId: string; accessKeyId: string }
  | { kind: 'user'; accountId: string; arn: string; userId: string; userName: string; accessKeyId: string }
  | {
      kind: 'role-session';
      accountId: string;
      arn: string;
      roleArn: string;
      roleId: string;
      sessionName: string;
      accessKeyId: string;
      tags: Readonly<Record<string, string>>;
      expiresAt: number;
      /** The session policies it was given (the texts of AssumeRole's Policy and PolicyArns): they bound its rights. */
      sessionPolicies?: readonly string[];
    };

/** A principal that signed its request (every caller of the ECR API). */
export type AuthenticatedPrincipal = Exclude<Principal, { kind: 'anonymous' }>;

export const ANONYMOUS: Principal = { kind: 'anonymous' };

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

export interface Authorizer {
  /** Resolves when allowed; throws a RegistryError (UNAUTHORIZED or DENIED) otherwise. */
  authorize(request: AuthorizationRequest): Promise<void>;
  /** Forgets cached policies and resource tags after this node changed some. */
  forget?(): void;
}

export class OpenAuthorizer implements Authorizer {
  async authorize(): Promise<void> {}
}

/** The account of an ARN (`arn:aws:ecr:<region>:<account>:…`). */
export function arnAccount(arn: string): string | undefined {
  return arn.split(':')[4];
}
