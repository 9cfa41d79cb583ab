// "Can this principal do this action?" on a repository, answered by the policy engine from the
// repository's policy, with the statement that decided. Identity policies are the principal's own
// and not weighed here: within the account they may allow what the repository policy does not name.
import { repositoryArn } from '../../domain/registry.js';
import { parsePolicy } from '../../policy/document.js';
import { evaluate } from '../../policy/evaluate.js';
import { buildContext, type Caller } from '../../policy/request.js';

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

function callerOfArn(arn: string): Caller | undefined {
  if (arn === '*') return { type: 'Anonymous' };
  const root = /^arn:aws:iam::(\d{12}):root$/.exec(arn);
  if (root) return { type: 'Account', arn, accountId: root[1]!, userId: root[1]! };
  const user = /^arn:aws:iam::(\d{12}):user\/([\w+=,.@-]+)$/.exec(arn);
  if (user) return { type: 'User', arn, accountId: user[1]!, username: user[2]! };
  const role = /^arn:aws:iam::(\d{12}):role\/([\w+=,.@-]+)$/.exec(arn);
  if (role)
    return {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${role[1]}:assumed-role/${role[2]}/console-check`,
      roleArn: arn,
      accountId: role[1]!,
    };
  return undefined;
}

export function checkAccess(
  policyText: string,
  accountId: string,
  region: string,
  name: string,
  principal: string,
  action: string,
): AccessAnswer {
  const caller = callerOfArn(principal.trim());
  if (!caller)
    return {
      allowed: false,
      text: 'Name a principal by ARN: arn:aws:iam::<account>:root, …:user/<name>, …:role/<name>, or * for anyone.',
    };
  const resource = repositoryArn({ accountId, visibility: 'private' }, region, name);
  const document = policyText.trim() ? parsePolicy(policyText, { kind: 'resource', maxLength: 10_240 }) : undefined;
  const decision = evaluate({
    caller,
    action,
    resource,
    resourceAccount: accountId,
    context: buildContext(caller, {}, Date.now()),
    identityPolicies: [],
    resourcePolicies: document ? [{ name: 'repository', document }] : [],
  });
  const statement = decision.statement
    ? `statement ${decision.statement.sid ? `"${decision.statement.sid}"` : `#${decision.statement.index + 1}`} of the ${decision.statement.policy} policy`
    : undefined;
  if (decision.allowed)
    return {
      allowed: true,
      text: `Allowed: ${principal} may ${action} on ${resource}${statement ? `, by ${statement}` : decision.reason === 'account-root' ? ' (the account root)' : ''}.`,
    };
  if (decision.effect === 'ExplicitDeny')
    return {
      allowed: false,
      text: `Denied: ${statement ?? 'a statement'} denies ${action} to ${principal} explicitly.`,
    };
  return {
    allowed: false,
    text: `Not allowed by the repository policy: no statement allows ${action} to ${principal}${caller.accountId === accountId ? ' (its own identity policies may still allow it)' : ''}.`,
  };
}
