// STS: who am I (GetCallerIdentity), and temporary credentials for a role (AssumeRole,
// AssumeRoleWithWebIdentity) once the role's trust policy, evaluated by the policy engine,
// lets the caller in. Sessions last 15 minutes to the role's maximum (1 hour when a role
// session assumes another role, as IAM limits role chaining).
import { validateTags, type ResourceTag } from '../domain/resource-tags.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Role } from '../domain/records/roles.js';
import { parsePolicy, PolicyValidationError } from '../policy/document.js';
import { managedPolicy } from '../policy/managed.js';
import { denialMessage, evaluate, type NamedPolicy } from '../policy/evaluate.js';
import { buildContext, type Caller } from '../policy/request.js';
import type { RequestFacts } from '../domain/request-facts.js';
import type { AuthenticatedPrincipal } from '../domain/principal.js';
import { IdentityError } from './identities.js';
import { callerOf, sessionPoliciesOf } from './policy-authorizer.js';
import type { OidcProviderService } from './oidc-providers.js';
import type { WebIdentityVerifier } from './oidc.js';
import type { SessionCredentials, SessionService } from './sessions.js';

export const MIN_DURATION_SECONDS = 900;
export const DEFAULT_DURATION_SECONDS = 3600;
const CHAINED_MAX_SECONDS = 3600;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/;

/** The caller's identity policies (inline and attached), for the identity side of the trust decision. */
export type IdentityPolicies = (principal: AuthenticatedPrincipal) => Promise<NamedPolicy[]>;

export interface CallerIdentity {
  userId: string;
  account: string;
  arn: string;
}

export interface AssumedRole {
  credentials: SessionCredentials;
  /** arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION */
  arn: string;
  /** ROLEID:SESSION */
  assumedRoleId: string;
  /** How full the session policies are, in percent of what they may total (given session policies only). */
  packedPolicySize?: number;
}

export interface AssumeRoleInput {
  roleArn: string;
  sessionName: string;
  durationSeconds?: number;
  tags?: ResourceTag[];
  /** sts:ExternalId, for trust policies that ask for it. */
  externalId?: string;
  /** The inline session policy (Policy) and the managed session policies (PolicyArns). */
  policy?: string;
  policyArns?: string[];
  facts: RequestFacts;
}

/** What session policies may total (the inline text and the managed policies' texts), as STS counts its plaintext limit. */
export const SESSION_POLICY_MAX = 2048;
const MAX_POLICY_ARNS = 10;

export class StsService {
  constructor(
    private readonly store: Pick<MetadataStore, 'policies' | 'resourceTags' | 'roles'>,
    private readonly sessions: SessionService,
    private readonly providers: OidcProviderService,
    private readonly webIdentities: WebIdentityVerifier,
    private readonly identityPolicies: IdentityPolicies,
    /** An IAM user's tags: its aws:PrincipalTag/* in trust policies (a session carries its own). */
    private readonly userTags: (
      principal: AuthenticatedPrincipal,
    ) => Promise<Record<string, string>> = async () => ({}),
  ) {}

  callerIdentity(principal: AuthenticatedPrincipal): CallerIdentity {
    const caller = callerOf(principal);
    return { userId: caller.userId!, account: principal.accountId, arn: principal.arn };
  }

  async assumeRole(principal: AuthenticatedPrincipal, input: AssumeRoleInput): Promise<AssumedRole> {
    if (principal.kind === 'root')
      throw new IdentityError('AccessDenied', 'Roles may not be assumed by root accounts.');
    const role = await this.role(input.roleArn, principal.arn);
    const chained = principal.kind === 'role-session';
    const duration = this.duration(role, input.durationSeconds, chained);
    const tags = validateTags(input.tags ?? []);
    const caller =
      principal.kind === 'user'
        ? { ...callerOf(principal), tags: await this.userTags(principal) }
        : callerOf(principal);
    const identityPolicies = await this.identityPolicies(principal);
    // A session assuming another role acts within its own session policies.
    const bound = principal.kind === 'role-session' ? sessionPoliciesOf(principal.sessionPolicies) : undefined;
    const extra = new Map<string, string>([['sts:rolesessionname', input.sessionName]]);
    if (input.externalId !== undefined) extra.set('sts:externalid', input.externalId);
    this.trust(role, caller, 'sts:AssumeRole', identityPolicies, input.facts, [], extra, bound);
    if (tags.length > 0) this.trust(role, caller, 'sts:TagSession', identityPolicies, input.facts, tags, extra, bound);
    return this.issue(role, input.sessionName, duration, tags, await this.sessionPolicies(role, input));
  }

  /**
   * A session of `roleArn` for an AWS service principal acting in the role's own account (the
   * pull-through cache assuming a rule's customRoleArn as `pullthroughcache.ecr.amazonaws.com`):
   * the trust policy alone decides, and must name the service.
   */
  async assumeRoleAsService(
    service: string,
    input: {
      roleArn: string;
      sessionName: string;
      durationSeconds?: number;
      facts: RequestFacts;
      /** The account the service acts for (aws:SourceAccount, for trust policies that check it). */
      sourceAccount?: string;
    },
  ): Promise<AssumedRole> {
    const role = await this.role(input.roleArn, service);
    const duration = this.duration(role, input.durationSeconds, false);
    const caller: Caller = { type: 'Account', arn: service, service };
    const extra = new Map<string, string>([['sts:rolesessionname', input.sessionName]]);
    if (input.sourceAccount !== undefined) extra.set('aws:sourceaccount', input.sourceAccount);
    const document = parsePolicy(role.trustPolicy, { kind: 'trust', maxLength: Number.MAX_SAFE_INTEGER });
    const context = buildContext(caller, input.facts, Date.now());
    for (const [key, value] of extra) context.set(key, value);
    const decision = evaluate({
      caller,
      action: 'sts:AssumeRole',
      resource: role.arn,
      resourceAccount: role.accountId,
      context,
      identityPolicies: [],
      resourcePolicies: [{ name: 'trust', document }],
    });
    if (!decision.allowed)
      throw new IdentityError(
        'AccessDenied',
        `The trust policy of ${role.arn} does not allow the service ${service} to perform sts:AssumeRole`,
      );
    return this.issue(role, input.sessionName, duration, [], []);
  }

  /**
   * The texts of the session policies asked for: the inline one, checked as an identity policy
   * (MalformedPolicyDocument), and the managed ones, which must exist in the role's account (AWS
   * managed ones are in every account); together at most SESSION_POLICY_MAX characters.
   */
  private async sessionPolicies(role: Role, input: Pick<AssumeRoleInput, 'policy' | 'policyArns'>): Promise<string[]> {
    const texts: string[] = [];
    if (input.policy !== undefined) {
      try {
        parsePolicy(input.policy, { kind: 'identity', maxLength: SESSION_POLICY_MAX });
      } catch (err) {
        if (err instanceof PolicyValidationError)
          throw new IdentityError('MalformedPolicyDocument', `The session policy is not valid: ${err.message}`);
        throw err;
      }
      texts.push(input.policy);
    }
    const arns = input.policyArns ?? [];
    if (arns.length > MAX_POLICY_ARNS)
      throw new IdentityError(
        'ValidationError',
        `1 validation error detected: Value '${JSON.stringify(arns)}' at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to ${MAX_POLICY_ARNS}`,
      );
    for (const arn of new Set(arns)) {
      const builtIn = managedPolicy(arn);
      const own = builtIn
        ? undefined
        : arn.startsWith(`arn:aws:iam::${role.accountId}:policy/`)
          ? await this.store.policies.getManagedPolicy(arn)
          : undefined;
      const text = builtIn?.text ?? own?.policyText;
      if (text === undefined)
        throw new IdentityError(
          'InvalidParameterValue',
          `Policy ${arn} does not exist or is not attachable in the role's account ${role.accountId}.`,
        );
      texts.push(text);
    }
    const total = texts.reduce((sum, text) => sum + text.length, 0);
    if (total > SESSION_POLICY_MAX)
      throw new IdentityError(
        'PackedPolicyTooLarge',
        `The session policies total ${total} characters, more than the ${SESSION_POLICY_MAX} allowed.`,
      );
    return texts;
  }

  async assumeRoleWithWebIdentity(
    input: Omit<AssumeRoleInput, 'tags'> & { token: string },
  ): Promise<AssumedRole & { subject: string; audience: string; provider: string }> {
    const role = await this.role(input.roleArn, 'a web identity');
    const duration = this.duration(role, input.durationSeconds, false);
    const issuer = unverifiedIssuer(input.token);
    const url = issuer.replace(/^https:\/\//, '').replace(/\/+$/, '');
    const provider = await this.providers
      .find(role.accountId, `arn:aws:iam::${role.accountId}:oidc-provider/${url}`)
      .catch(() => {
        throw new IdentityError(
          'InvalidIdentityToken',
          `No OpenIDConnect provider found in your account for ${issuer}`,
        );
      });
    const identity = await this.webIdentities.verify(input.token, provider);
    // A web identity has no account nor identity policies: the trust policy alone decides.
    const caller: Caller = { type: 'FederatedUser', federated: provider.arn, arn: provider.arn };
    const extra = new Map<string, string | readonly string[]>([
      [`${provider.url}:sub`.toLowerCase(), identity.subject],
      [`${provider.url}:aud`.toLowerCase(), identity.audience],
    ]);
    if (typeof identity.claims.amr === 'string' || Array.isArray(identity.claims.amr))
      extra.set(`${provider.url}:amr`.toLowerCase(), identity.claims.amr as string | string[]);
    this.trust(role, caller, 'sts:AssumeRoleWithWebIdentity', [], input.facts, [], extra);
    return {
      ...(await this.issue(role, input.sessionName, duration, [], await this.sessionPolicies(role, input))),
      subject: identity.subject,
      audience: identity.audience,
      provider: provider.url,
    };
  }

  /** The role an ARN names, in its own account; AccessDenied (as STS answers) when there is none. */
  private async role(arn: string, who: string): Promise<Role> {
    const match = ROLE_ARN.exec(arn);
    const role = match ? await this.store.roles.get(match[1]!, match[2]!) : undefined;
    if (!role || role.arn !== arn)
      throw new IdentityError(
        'AccessDenied',
        `User: ${who} is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
      );
    return role;
  }

  private duration(role: Role, requested: number | undefined, chained: boolean): number {
    const seconds = requested ?? DEFAULT_DURATION_SECONDS;
    const max = chained ? Math.min(CHAINED_MAX_SECONDS, role.maxSessionDuration) : role.maxSessionDuration;
    if (!Number.isInteger(seconds) || seconds < MIN_DURATION_SECONDS) {
      throw new IdentityError(
        'ValidationError',
        `1 validation error detected: Value '${requested}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to ${MIN_DURATION_SECONDS}`,
      );
    }
    if (seconds > max) {
      throw new IdentityError(
        'ValidationError',
        chained
          ? `The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.`
          : `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`,
      );
    }
    return seconds;
  }

  /** Throws AccessDenied unless the trust policy (and, for the caller's side, its identity policies) allow `action`. */
  private trust(
    role: Role,
    caller: Caller,
    action: string,
    identityPolicies: NamedPolicy[],
    facts: RequestFacts,
    tags: ResourceTag[] = [],
    extra?: Map<string, string | readonly string[]>,
    sessionPolicies?: NamedPolicy[],
  ): void {
    const document = parsePolicy(role.trustPolicy, { kind: 'trust', maxLength: Number.MAX_SAFE_INTEGER });
    const requestTags = Object.fromEntries(tags.map((t) => [t.key, t.value]));
    const context = buildContext(caller, { ...facts, ...(tags.length > 0 && { requestTags }) }, Date.now());
    for (const [key, value] of extra ?? []) context.set(key, value);
    const request = {
      caller,
      action,
      resource: role.arn,
      resourceAccount: role.accountId,
      context,
      identityPolicies,
      resourcePolicies: [{ name: 'trust', document }],
      ...(sessionPolicies && { sessionPolicies }),
    };
    // A role's trust policy must always let the caller in (unlike other resource policies, an
    // identity policy alone never suffices): naming the caller itself (or its provider), or naming
    // its account when the caller's identity policies allow the action too — the cross-account
    // rule, which the second evaluation applies by giving the role no account.
    const full = evaluate(request);
    if (full.effect === 'ExplicitDeny') throw new IdentityError('AccessDenied', denialMessage(request, full));
    const direct = evaluate({ ...request, identityPolicies: [] });
    const viaAccount = evaluate({ ...request, resourceAccount: '' });
    if (!direct.allowed && !viaAccount.allowed)
      throw new IdentityError('AccessDenied', denialMessage(request, viaAccount));
  }

  /** The session's credentials; its principal tags are the role's, overridden by the session's own. */
  private async issue(
    role: Role,
    sessionName: string,
    durationSeconds: number,
    tags: ResourceTag[],
    sessionPolicies: string[],
  ): Promise<AssumedRole> {
    if (!SESSION_NAME.test(sessionName))
      throw new IdentityError(
        'ValidationError',
        `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
      );
    const arn = `arn:aws:sts::${role.accountId}:assumed-role/${role.name}/${sessionName}`;
    const credentials = this.sessions.issue({
      accountId: role.accountId,
      arn,
      roleArn: role.arn,
      roleId: role.id,
      sessionName,
      tags: Object.fromEntries(
        [...(await this.store.resourceTags.list(role.arn)), ...tags].map((t) => [t.key, t.value]),
      ),
      expiresAt: Date.now() + durationSeconds * 1000,
      ...(sessionPolicies.length > 0 && { sessionPolicies }),
    });
    const packed = sessionPolicies.reduce((sum, text) => sum + text.length, 0);
    return {
      credentials,
      arn,
      assumedRoleId: `${role.id}:${sessionName}`,
      ...(packed > 0 && { packedPolicySize: Math.ceil((packed / SESSION_POLICY_MAX) * 100) }),
    };
  }
}

/** The `iss` of a JWT before it is verified (to find the provider whose keys verify it). */
function unverifiedIssuer(token: string): string {
  const parts = token.split('.');
  try {
    if (parts.length === 3) {
      const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { iss?: unknown };
      if (typeof payload.iss === 'string' && payload.iss.startsWith('https://')) return payload.iss;
    }
  } catch {
    /* refused below */
  }
  throw new IdentityError('InvalidIdentityToken', 'The web identity token is not a JWT with an https issuer (iss)');
}
