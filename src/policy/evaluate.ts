// The one policy decision, pure: explicit deny wins; in one account an allow in an identity or
// (naming the caller) resource policy suffices; across accounts both sides must allow; the
// account root holds every right in its own account; anonymous callers only what "*" is granted.
// A KMS key policy is the primary control instead (rule 'key-policy'): see keyPolicyDecision;
// a KMS grant allows beside the policies (`grant`), unless a policy denies explicitly.
import { conditionHolds } from './conditions.js';
import type { PolicyDocument, PrincipalBlock, Statement } from './document.js';
import { actionMatch, resourceMatch } from './patterns.js';
import type { GrantMatch } from '../domain/authorizer.js';
import type { Caller, ContextValues } from './request.js';

export interface NamedPolicy {
  /** Which policy this is, for the decision's reasons: a policy name, `repository`, `registry`. */
  name: string;
  document: PolicyDocument;
}

export interface EvaluationInput {
  caller: Caller;
  /** e.g. ecr:BatchGetImage */
  action: string;
  /** The resource ARN. */
  resource: string;
  /** The account that owns the resource. */
  resourceAccount: string;
  context: ContextValues;
  /** The caller's identity policies (inline and attached). */
  identityPolicies: readonly NamedPolicy[];
  /** Resource-based policies on the resource (the repository policy, the registry policy, a key policy). */
  resourcePolicies: readonly NamedPolicy[];
  /** How the sides combine: IAM's rule by default; 'key-policy' where the resource policy is a KMS key's. */
  rule?: CombinationRule;
  /** A KMS grant on the resource names the caller (its ARN, its role) or the caller's account. */
  grant?: GrantMatch;
  /**
   * A role session's session policies (AssumeRole's Policy and PolicyArns), when it was given
   * any: they bound what the identity policies allow, and what resource policies allow unless
   * they name the session itself (its assumed-role ARN), as STS documents.
   */
  sessionPolicies?: readonly NamedPolicy[];
  /**
   * The policy of the private endpoint the request came through (a VPC endpoint policy): it
   * bounds every caller, the account root included — an explicit deny in it refuses, and so does
   * an action it does not allow (to the caller, to the caller's account, or to "*").
   */
  endpointPolicies?: readonly NamedPolicy[];
}

/**
 * 'principal': the grant alone allows. 'account': the grant delegates to the account, whose
 * root is allowed and whose users and roles are allowed by their identity policies.
 */

/** 'key-policy': KMS's rule, where nothing is allowed that the key's policy does not allow (directly or by enabling IAM policies). */
export type CombinationRule = 'key-policy';

export interface StatementRef {
  kind: 'identity' | 'resource' | 'session' | 'endpoint';
  policy: string;
  index: number;
  sid?: string;
}

export type DecisionReason =
  | 'explicit-deny'
  | 'account-root'
  | 'identity-allow'
  | 'resource-allow'
  | 'cross-account-allow'
  | 'grant'
  | 'no-identity-allow'
  | 'no-resource-allow'
  | 'no-session-allow'
  | 'no-endpoint-allow';

export interface Decision {
  allowed: boolean;
  effect: 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';
  reason: DecisionReason;
  /** The statement that decided (a deny, or the allow); absent when nothing matched. */
  statement?: StatementRef;
  /** Cross-account allows: the identity statement that allowed alongside the resource one. */
  identityStatement?: StatementRef;
}

/** How a resource policy's principal names the caller: itself (or everyone), only its account, or not. */
type PrincipalMatch = 'direct' | 'account' | 'none';

function principalMatch(block: PrincipalBlock, caller: Caller): PrincipalMatch {
  const aws = block.AWS ?? [];
  if (aws.includes('*')) return 'direct';
  if (caller.type === 'Anonymous') return 'none';
  const named = (arn: string | undefined) => arn !== undefined && aws.includes(arn);
  if (named(caller.arn) || (caller.type === 'AssumedRole' && named(caller.roleArn))) return 'direct';
  if (caller.federated !== undefined && (block.Federated ?? []).includes(caller.federated)) return 'direct';
  if (caller.service !== undefined && (block.Service ?? []).includes(caller.service)) return 'direct';
  if (caller.accountId !== undefined && named(`arn:aws:iam::${caller.accountId}:root`)) return 'account';
  return 'none';
}

/** NotPrincipal: applies to every caller except those it names together with their account. */
function notPrincipalApplies(block: PrincipalBlock, caller: Caller): boolean {
  const aws = block.AWS ?? [];
  if (aws.includes('*')) return false;
  if (caller.type === 'Anonymous') return true;
  const match = principalMatch(block, caller);
  if (caller.type === 'Account') return match === 'none';
  const accountNamed = aws.includes(`arn:aws:iam::${caller.accountId}:root`);
  return !(match === 'direct' && accountNamed);
}

function statementMatches(statement: Statement, input: EvaluationInput, variables: ContextValues | undefined): boolean {
  const { action, resource, context } = input;
  if (statement.action && !statement.action.some((p) => actionMatch(p, action))) return false;
  if (statement.notAction?.some((p) => actionMatch(p, action))) return false;
  if (statement.resource && !statement.resource.some((p) => resourceMatch(p, resource, variables))) return false;
  if (statement.notResource?.some((p) => resourceMatch(p, resource, variables))) return false;
  return statement.conditions.every((c) => conditionHolds(c, context, variables));
}

interface Scan {
  deny?: StatementRef;
  allow?: StatementRef;
  /** Resource policies only: an allow naming only the caller's account. */
  accountAllow?: StatementRef;
  /** Resource policies only: an allow naming the caller's own ARN (a session's, which session policies do not bound). */
  ownArnAllow?: StatementRef;
}

function scan(policies: readonly NamedPolicy[], kind: StatementRef['kind'], input: EvaluationInput): Scan {
  const result: Scan = {};
  for (const { name, document } of policies) {
    const variables = document.version === '2012-10-17' ? input.context : undefined;
    document.statements.forEach((statement, index) => {
      let match: PrincipalMatch = 'direct';
      if (kind === 'resource' || kind === 'endpoint') {
        if (statement.principal) match = principalMatch(statement.principal, input.caller);
        else if (statement.notPrincipal)
          match = notPrincipalApplies(statement.notPrincipal, input.caller) ? 'direct' : 'none';
      }
      if (match === 'none' || !statementMatches(statement, input, variables)) return;
      const ref: StatementRef = { kind, policy: name, index, ...(statement.sid ? { sid: statement.sid } : {}) };
      if (statement.effect === 'Deny') result.deny ??= ref;
      else if (match === 'direct') {
        result.allow ??= ref;
        if (
          kind === 'resource' &&
          input.caller.arn !== undefined &&
          statement.principal?.AWS?.includes(input.caller.arn)
        )
          result.ownArnAllow ??= ref;
      } else result.accountAllow ??= ref;
    });
  }
  return result;
}

export function evaluate(input: EvaluationInput): Decision {
  const { caller } = input;
  // Callers without an account of their own (anonymous, and a web identity asking to assume a
  // role, named by its provider) have no identity policies: a resource policy alone decides.
  const anonymous = caller.type === 'Anonymous' || (caller.federated !== undefined && caller.accountId === undefined);
  let identity: Scan = anonymous ? {} : scan(input.identityPolicies, 'identity', input);
  let resource: Scan = scan(input.resourcePolicies, 'resource', input);
  const session = input.sessionPolicies && !anonymous ? scan(input.sessionPolicies, 'session', input) : undefined;
  const endpoint = input.endpointPolicies ? scan(input.endpointPolicies, 'endpoint', input) : undefined;
  const deny = identity.deny ?? session?.deny ?? resource.deny ?? endpoint?.deny;
  if (deny) return { allowed: false, effect: 'ExplicitDeny', reason: 'explicit-deny', statement: deny };
  if (endpoint && !endpoint.allow && !endpoint.accountAllow)
    return { allowed: false, effect: 'ImplicitDeny', reason: 'no-endpoint-allow' };
  if (session && !session.allow) {
    // Outside the session policies only a resource policy naming the session itself allows.
    identity = {};
    resource = resource.ownArnAllow ? { allow: resource.ownArnAllow } : {};
    const decision = decide(input, anonymous, identity, resource);
    return decision.allowed ? decision : { allowed: false, effect: 'ImplicitDeny', reason: 'no-session-allow' };
  }
  return decide(input, anonymous, identity, resource);
}

function decide(input: EvaluationInput, anonymous: boolean, identity: Scan, resource: Scan): Decision {
  const { caller } = input;

  if (anonymous) {
    if (resource.allow) return { allowed: true, effect: 'Allow', reason: 'resource-allow', statement: resource.allow };
    return { allowed: false, effect: 'ImplicitDeny', reason: 'no-resource-allow' };
  }
  // The root holds every identity-side right (in its own account, and to offer across accounts).
  const root = caller.type === 'Account';
  const identityAllows = root || identity.allow !== undefined;
  const identityRef = identity.allow ? { identityStatement: identity.allow } : {};
  if (input.grant === 'principal' || (input.grant === 'account' && identityAllows))
    return { allowed: true, effect: 'Allow', reason: 'grant', ...identityRef };
  if (input.rule === 'key-policy' && caller.accountId === input.resourceAccount)
    return keyPolicyDecision(identity, resource);
  if (caller.accountId === input.resourceAccount) {
    if (root) return { allowed: true, effect: 'Allow', reason: 'account-root' };
    if (identity.allow) return { allowed: true, effect: 'Allow', reason: 'identity-allow', statement: identity.allow };
    if (resource.allow) return { allowed: true, effect: 'Allow', reason: 'resource-allow', statement: resource.allow };
    return { allowed: false, effect: 'ImplicitDeny', reason: 'no-identity-allow' };
  }
  const resourceAllow = resource.allow ?? resource.accountAllow;
  if (!resourceAllow) return { allowed: false, effect: 'ImplicitDeny', reason: 'no-resource-allow' };
  if (!identityAllows)
    return { allowed: false, effect: 'ImplicitDeny', reason: 'no-identity-allow', statement: resourceAllow };
  return { allowed: true, effect: 'Allow', reason: 'cross-account-allow', statement: resourceAllow, ...identityRef };
}

/**
 * KMS in the key's own account: the key policy allows the caller itself (its ARN, its role, "*";
 * the root by its ARN), or it allows the account (its root principal), which lets the caller's
 * identity policies decide ("enables IAM policies"). The root is not implied: a key policy that
 * names neither it nor "*" shuts it out. Across accounts the usual rule holds (both sides allow).
 */
function keyPolicyDecision(identity: Scan, key: Scan): Decision {
  if (key.allow) return { allowed: true, effect: 'Allow', reason: 'resource-allow', statement: key.allow };
  if (!key.accountAllow) return { allowed: false, effect: 'ImplicitDeny', reason: 'no-resource-allow' };
  if (!identity.allow)
    return { allowed: false, effect: 'ImplicitDeny', reason: 'no-identity-allow', statement: key.accountAllow };
  return { allowed: true, effect: 'Allow', reason: 'identity-allow', statement: identity.allow };
}

/** How AWS names the kind of policy whose explicit deny decided. */
const DENYING_KIND: Record<StatementRef['kind'], string> = {
  identity: 'an identity-based',
  resource: 'a resource-based',
  session: 'a session',
  endpoint: 'a VPC endpoint',
};

/** The denial as AWS words it (ECR puts this in AccessDeniedException and the registry's DENIED). */
export function denialMessage(
  input: Pick<EvaluationInput, 'caller' | 'action' | 'resource'>,
  decision: Decision,
): string {
  const who = input.caller.type === 'Anonymous' ? 'anonymous' : (input.caller.arn ?? 'anonymous');
  const head = `User: ${who} is not authorized to perform: ${input.action} on resource: ${input.resource}`;
  if (decision.reason === 'explicit-deny') {
    const kind = DENYING_KIND[decision.statement?.kind ?? 'identity'];
    return `${head} with an explicit deny in ${kind} policy`;
  }
  if (decision.reason === 'no-endpoint-allow')
    return `${head} because no VPC endpoint policy allows the ${input.action} action`;
  if (decision.reason === 'no-session-allow')
    return `${head} because no session policy allows the ${input.action} action`;
  const side = decision.reason === 'no-resource-allow' ? 'resource-based' : 'identity-based';
  return `${head} because no ${side} policy allows the ${input.action} action`;
}
