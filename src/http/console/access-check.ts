// "Can this principal do this action?" on a repository, answered by the one authorizer as the API
// would decide it: the principal's identity policies, the repository's policy and the registry's
// policy, with the statement that decided.
import type { Action } from '../../domain/actions.js';
import type { AccessExplanation, Authorizer, DecidingStatement } from '../../domain/authorizer.js';
import { ANONYMOUS, type Principal } from '../../domain/principal.js';
import { repositoryArn } from '../../domain/registry.js';

export interface AccessAnswer {
  allowed: boolean;
  text: string;
}

/** The ECR actions the check offers. */
export const CHECKABLE_ACTIONS = [
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer',
  'ecr:PutImage',
  'ecr:InitiateLayerUpload',
  'ecr:BatchDeleteImage',
  'ecr:DescribeImages',
  'ecr:ListImages',
  'ecr:DeleteRepository',
  'ecr:SetRepositoryPolicy',
] as const;

const ARN = /^arn:aws:iam::\d{12}:(root|user\/[\w+=,.@/-]+|role\/[\w+=,.@/-]+)$/;

export interface AccessCheck {
  authorizer: Authorizer;
  /** The principal an IAM ARN names (a user or role of some account here, an account's root); undefined when none. */
  principalOf(arn: string): Promise<Principal | undefined>;
  region: string;
}

function statementText(s: DecidingStatement): string {
  const which = s.sid ? `"${s.sid}"` : `#${s.index + 1}`;
  return s.kind === 'identity'
    ? `statement ${which} of the identity policy "${s.policy}"`
    : `statement ${which} of the ${s.policy} policy`;
}

function answerText(
  e: AccessExplanation,
  principal: string,
  action: string,
  resource: string,
  crossAccount: boolean,
): string {
  if (e.allowed) {
    const by = e.statement
      ? `, by ${statementText(e.statement)}${e.identityStatement ? ` and ${statementText(e.identityStatement)}` : ''}`
      : e.reason === 'account-root'
        ? ' (the account root)'
        : '';
    return `Allowed: ${principal} may ${action} on ${resource}${by}.`;
  }
  if (e.effect === 'ExplicitDeny')
    return `Denied: ${e.statement ? statementText(e.statement) : 'a statement'} denies ${action} to ${principal} explicitly.`;
  if (crossAccount && e.reason === 'no-identity-allow')
    return `Not allowed: no identity policy of ${principal} allows ${action} (a principal of another account needs its own account's allow too).`;
  return `Not allowed: no statement of its identity policies, the repository policy or the registry policy allows ${action} to ${principal}.`;
}

export async function checkAccess(
  check: AccessCheck,
  accountId: string,
  name: string,
  principalArn: string,
  action: (typeof CHECKABLE_ACTIONS)[number],
): Promise<AccessAnswer> {
  const arn = principalArn.trim();
  if (arn !== '*' && !ARN.test(arn))
    return {
      allowed: false,
      text: 'Name a principal by ARN: arn:aws:iam::<account>:root, …:user/<name>, …:role/<name>, or * for anyone.',
    };
  const principal = arn === '*' ? ANONYMOUS : await check.principalOf(arn);
  if (!principal) return { allowed: false, text: `No such principal: ${arn}.` };
  if (!check.authorizer.explain)
    return { allowed: true, text: 'Allowed: the registry is open (auth.mode open), so everyone may do everything.' };
  const resource = repositoryArn({ accountId, visibility: 'private' }, check.region, name);
  const explained = await check.authorizer.explain({
    principal,
    action: action as Action,
    resource,
    resourceAccount: accountId,
  });
  return {
    allowed: explained.allowed,
    text: answerText(
      explained,
      arn,
      action,
      resource,
      principal.kind !== 'anonymous' && principal.accountId !== accountId,
    ),
  };
}
