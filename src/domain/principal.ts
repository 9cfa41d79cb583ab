// Who calls: resolved once per request by a face's authenticator, and handed to every service.

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

/** The account of an ARN (`arn:aws:ecr:<region>:<account>:…`). */
export function arnAccount(arn: string): string | undefined {
  // Found by index, not split: every authorization asks, and the split's six strings were a
  // third of the authorizer's time on a pull.
  let at = -1;
  for (let field = 0; field < 4; field++) {
    at = arn.indexOf(':', at + 1);
    if (at === -1) return undefined;
  }
  const end = arn.indexOf(':', at + 1);
  return end === -1 ? arn.slice(at + 1) : arn.slice(at + 1, end);
}
