// STS: who am I (GetCallerIdentity), and temporary credentials for a role (AssumeRole,
// AssumeRoleWithWebIdentity) once the role's trust policy, evaluated by the policy engine,
// lets the caller in. Sessions last 15 minutes to the role's maximum (1 hour when a role
// session assumes another role, as IAM limits role chaining).
import { validateTags, type ResourceTag } from '../domain/resource-tags.js';
import type { MetadataStore, Role } from '../metadata/store.js';
import { parsePolicy } from '../policy/document.js';
import { denialMessage, evaluate, type NamedPolicy } from '../policy/evaluate.js';
import { buildContext, type Caller, type RequestFacts } from '../policy/request.js';
import type { AuthenticatedPrincipal } from './authorizer.js';
import { IdentityError } from './identities.js';
import { callerOf } from './policy-authorizer.js';
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
}

export interface AssumeRoleInput {
  roleArn: string;
  sessionName: string;
  durationSeconds?: number;
  tags?: ResourceTag[];
  /** sts:ExternalId, for trust policies that ask for it. */
  externalId?: string;
  facts: RequestFacts;
}

export class StsService {
  constructor(
    private readonly store: MetadataStore,
    private readonly sessions: SessionService,
    private readonly providers: OidcProviderService,
    private readonly webIdentities: WebIdentityVerifier,
    private readonly identityPolicies: IdentityPolicies,
    /** An IAM user's tags: its aws:PrincipalTag/* in trust policies (a session carries its own). */
    private readonly userTags: (principal: AuthenticatedPrincipal) => Promise<Record<string, string>> = async () => ({}),
  ) {}

  callerIdentity(principal: AuthenticatedPrincipal): CallerIdentity {
    const caller = callerOf(principal);
    return { userId: caller.userId!, account: principal.accountId, arn: principal.arn };
  }

  async assumeRole(principal: AuthenticatedPrincipal, input: AssumeRoleInput): Promise<AssumedRole> {
    if (principal.kind === 'root') throw new IdentityError('AccessDenied', 'Roles may not be assumed by root accounts.');
    const role = await this.role(input.roleArn, principal.arn);
    const chained = principal.kind === 'role-session';
    const duration = this.duration(role, input.durationSeconds, chained);
    const tags = validateTags(input.tags ?? []);
    const caller = principal.kind === 'user' ? { ...callerOf(principal), tags: await this.userTags(principal) } : callerOf(principal);
    const identityPolicies = await this.identityPolicies(principal);
    const extra = new Map<string, string>([['sts:rolesessionname', input.sessionName]]);
    if (input.externalId !== undefined) extra.set('sts:externalid', input.externalId);
    this.trust(role, caller, 'sts:AssumeRole', identityPolicies, input.facts, [], extra);
    if (tags.length > 0) this.trust(role, caller, 'sts:TagSession', identityPolicies, input.facts, tags, extra);
    return this.issue(role, input.sessionName, duration, tags);
  }

  async assumeRoleWithWebIdentity(input: Omit<AssumeRoleInput, 'tags'> & { token: string }): Promise<AssumedRole & { subject: string; audience: string; provider: string }> {
    const role = await this.role(input.roleArn, 'a web identity');
    const duration = this.duration(role, input.durationSeconds, false);
    const issuer = unverifiedIssuer(input.token);
    const url = issuer.replace(/^https:\/\//, '').replace(/\/+$/, '');
    const provider = await this.providers.find(role.accountId, `arn:aws:iam::${role.accountId}:oidc-provider/${url}`).catch(() => {
      throw new IdentityError('InvalidIdentityToken', `No OpenIDConnect provider found in your account for ${issuer}`);
    });
    const identity = await this.webIdentities.verify(input.token, provider);
    // A web identity has no account nor identity policies: the trust policy alone decides.
    const caller: Caller = { type: 'FederatedUser', federated: provider.arn, arn: provider.arn };
    const extra = new Map<string, string | readonly string[]>([
      [`${provider.url}:sub`.toLowerCase(), identity.subject],
      [`${provider.url}:aud`.toLowerCase(), identity.audience],
    ]);
    if (typeof identity.claims.amr === 'string' || Array.isArray(identity.claims.amr)) extra.set(`${provider.url}:amr`.toLowerCase(), identity.claims.amr as string | string[]);
    this.trust(role, caller, 'sts:AssumeRoleWithWebIdentity', [], input.facts, [], extra);
    return { ...(await this.issue(role, input.sessionName, duration, [])), subject: identity.subject, audience: identity.audience, provider: provider.url };
  }

  /** The role an ARN names, in its own account; AccessDenied (as STS answers) when there is none. */
  private async role(arn: string, who: string): Promise<Role> {
    const match = ROLE_ARN.exec(arn);
    const role = match ? await this.store.roles.get(match[1]!, match[2]!) : undefined;
    if (!role || role.arn !== arn) throw new IdentityError('AccessDenied', `User: ${who} is not authorized to perform: sts:AssumeRole on resource: ${arn}`);
    return role;
  }

  private duration(role: Role, requested: number | undefined, chained: boolean): number {
    const seconds = requested ?? DEFAULT_DURATION_SECONDS;
    const max = chained ? Math.min(CHAINED_MAX_SECONDS, role.maxSessionDuration) : role.maxSessionDuration;
    if (!Number.isInteger(seconds) || seconds < MIN_DURATION_SECONDS || seconds > max) {
      throw new IdentityError('ValidationError', `The requested DurationSeconds exceeds the MaxSessionDuration set for this role (${MIN_DURATION_SECONDS} to ${max} seconds${chained ? ', role chaining limits sessions to one hour' : ''}).`);
    }
    return seconds;
  }

  /** Throws AccessDenied unless the trust policy (and, for the caller's side, its identity policies) allow `action`. */
  private trust(role: Role, caller: Caller, action: string, identityPolicies: NamedPolicy[], facts: RequestFacts, tags: ResourceTag[] = [], extra?: Map<string, string | readonly string[]>): void {
    const document = parsePolicy(role.trustPolicy, { kind: 'trust', maxLength: Number.MAX_SAFE_INTEGER });
    const requestTags = Object.fromEntries(tags.map((t) => [t.key, t.value]));
    const context = buildContext(caller, { ...facts, ...(tags.length > 0 && { requestTags }) }, Date.now());
    for (const [key, value] of extra ?? []) context.set(key, value);
    const request = {
      caller, action, resource: role.arn, resourceAccount: role.accountId, context,
      identityPolicies, resourcePolicies: [{ name: 'trust', document }],
    };
    // A role's trust policy must always let the caller in (unlike other resource policies, an
    // identity policy alone never suffices): naming the caller itself (or its provider), or naming
    // its account when the caller's identity policies allow the action too — the cross-account
    // rule, which the second evaluation applies by giving the role no account.
    const full = evaluate(request);
    if (full.effect === 'ExplicitDeny') throw new IdentityError('AccessDenied', denialMessage(request, full));
    const direct = evaluate({ ...request, identityPolicies: [] });
    const viaAccount = evaluate({ ...request, resourceAccount: '' });
    if (!direct.allowed && !viaAccount.allowed) throw new IdentityError('AccessDenied', denialMessage(request, viaAccount));
  }

  /** The session's credentials; its principal tags are the role's, overridden by the session's own. */
  private async issue(role: Role, sessionName: string, durationSeconds: number, tags: ResourceTag[]): Promise<AssumedRole> {
    if (!SESSION_NAME.test(sessionName)) throw new IdentityError('ValidationError', `RoleSessionName is 2 to 64 letters, digits and + = , . @ _ -, not "${sessionName}"`);
    const arn = `arn:aws:sts::${role.accountId}:assumed-role/${role.name}/${sessionName}`;
    const credentials = this.sessions.issue({
      accountId: role.accountId, arn, roleArn: role.arn, roleId: role.id, sessionName,
      tags: Object.fromEntries([...(await this.store.resourceTags.list(role.arn)), ...tags].map((t) => [t.key, t.value])), expiresAt: Date.now() + durationSeconds * 1000,
    });
    return { credentials, arn, assumedRoleId: `${role.id}:${sessionName}` };
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
  } catch { /* refused below */ }
  throw new IdentityError('InvalidIdentityToken', 'The web identity token is not a JWT with an https issuer (iss)');
}
