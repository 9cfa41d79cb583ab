// The authorizer of auth.mode iam: gathers the caller's identity policies and the resource's
// policies (repository, registry, KMS key) and asks the policy engine. A denial says why, in ECR's words
// (the error message) and with the deciding statement (the log).
import { RegistryError } from '../domain/errors.js';
import { type Decision, denialMessage, evaluate, type EvaluationInput, type NamedPolicy } from '../policy/evaluate.js';
import { ANONYMOUS_CALLER, buildContext, type Caller, type ContextValues } from '../policy/request.js';
import { arnAccount, type Principal } from '../domain/principal.js';
import type { AccessExplanation, AuthorizationRequest, Authorizer } from '../domain/authorizer.js';
import {
  storedDocument,
  type IdentityPolicySource,
  type ResourcePolicies,
  type ResourcePolicySource,
} from './policy-sources.js';

/** A principal as the policy language sees it. */
export function callerOf(principal: Principal): Caller {
  switch (principal.kind) {
    case 'anonymous':
      return ANONYMOUS_CALLER;
    case 'root':
      return { type: 'Account', arn: principal.arn, accountId: principal.accountId, userId: principal.accountId };
    case 'user':
      return {
        type: 'User',
        arn: principal.arn,
        accountId: principal.accountId,
        userId: principal.userId,
        username: principal.userName,
      };
    case 'role-session':
      return {
        type: 'AssumedRole',
        arn: principal.arn,
        roleArn: principal.roleArn,
        accountId: principal.accountId,
        userId: `${principal.roleId}:${principal.sessionName}`,
        tags: principal.tags,
      };
  }
}

const NO_CONTEXT: ContextValues = new Map();

/** A session's session policies as the policy engine reads them; undefined when it was given none. */
export function sessionPoliciesOf(texts: readonly string[] | undefined): NamedPolicy[] | undefined {
  if (!texts || texts.length === 0) return undefined;
  return texts.map((text, i) => ({ name: `session policy ${i + 1}`, document: storedDocument(text, 'identity') }));
}

export interface DecisionLog {
  info(fields: object, message: string): void;
}

export class PolicyAuthorizer implements Authorizer {
  constructor(
    private readonly identities: IdentityPolicySource & { forget?(): void },
    private readonly resources: ResourcePolicySource & { forget?(): void },
    private readonly options: {
      log?: DecisionLog;
      now?: () => number;
      /** The policies of private endpoints by endpoint id (aws:SourceVpce): they bound requests through them. */
      endpointPolicies?: ReadonlyMap<string, readonly NamedPolicy[]>;
    } = {},
  ) {}

  async authorize(request: AuthorizationRequest): Promise<void> {
    const { input, decision } = await this.decide(request);
    if (decision.allowed) return;
    const { principal, action, resource, facts } = request;
    const caller = input.caller;
    const message = denialMessage(input, decision);
    this.options.log?.info(
      {
        principal: caller.arn ?? 'anonymous',
        action,
        resource,
        decision: decision.effect,
        reason: decision.reason,
        statement: decision.statement,
        ...(facts?.sourceVpce !== undefined && { endpoint: facts.sourceVpce }),
      },
      'access denied',
    );
    if (principal.kind === 'anonymous') throw new RegistryError('UNAUTHORIZED', `authentication required: ${message}`);
    throw new RegistryError('DENIED', message);
  }

  /** The same decision as authorize, with the statement that decided, for the console's access check. */
  async explain(request: AuthorizationRequest): Promise<AccessExplanation> {
    const { decision } = await this.decide(request);
    return {
      allowed: decision.allowed,
      effect: decision.effect,
      reason: decision.reason,
      ...(decision.statement && { statement: decision.statement }),
      ...(decision.identityStatement && { identityStatement: decision.identityStatement }),
    };
  }

  private async decide({
    principal,
    action,
    resource,
    resourceAccount,
    facts,
    proposedPolicy,
    grant,
  }: AuthorizationRequest): Promise<{ input: EvaluationInput; decision: Decision }> {
    const account = resourceAccount ?? arnAccount(resource) ?? '';
    let caller = callerOf(principal);
    // The hot path (pulls by an account's root, no policy on the repository) reads two cached
    // values and builds no context: only statements read condition keys.
    const identityPolicies =
      principal.kind === 'user' || principal.kind === 'role-session'
        ? await this.identities.identityPolicies(principal)
        : [];
    const onResource =
      proposedPolicy !== undefined
        ? this.proposed(resource, proposedPolicy)
        : await this.resources.resourcePolicies(resource, account);
    const sessionPolicies =
      principal.kind === 'role-session' ? sessionPoliciesOf(principal.sessionPolicies) : undefined;
    const endpointPolicies =
      facts?.sourceVpce === undefined ? undefined : this.options.endpointPolicies?.get(facts.sourceVpce);
    const anyPolicy =
      identityPolicies.length > 0 ||
      onResource.policies.length > 0 ||
      sessionPolicies !== undefined ||
      endpointPolicies !== undefined;
    // A user's tags are its aws:PrincipalTag/* (a role session carries the tags it was given).
    if (anyPolicy && principal.kind === 'user' && this.identities.principalTags)
      caller = { ...caller, tags: await this.identities.principalTags(principal) };
    const input: EvaluationInput = {
      caller,
      action,
      resource,
      resourceAccount: account,
      context: anyPolicy
        ? buildContext(caller, facts ?? {}, (this.options.now ?? Date.now)(), onResource.tags)
        : NO_CONTEXT,
      identityPolicies,
      resourcePolicies: onResource.policies,
      ...(onResource.rule && { rule: onResource.rule }),
      ...(grant && { grant }),
      ...(sessionPolicies && { sessionPolicies }),
      ...(endpointPolicies && { endpointPolicies }),
    };
    return { input, decision: evaluate(input) };
  }

  private proposed(resource: string, policyText: string): ResourcePolicies {
    if (!this.resources.proposed)
      throw new Error(`this authorizer's resource policies cannot judge a proposed policy for ${resource}`);
    return this.resources.proposed(resource, policyText);
  }

  forget(): void {
    this.identities.forget?.();
    this.resources.forget?.();
  }
}
