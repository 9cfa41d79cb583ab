// The IAM and STS services the query protocol face calls, built together: the user, role and
// policy services check each other (a user or role with policies attached cannot be deleted).
import type { Authorizer } from '../domain/authorizer.js';
import type { PolicyOwner } from '../domain/records/policies.js';
import type { MetadataStore } from '../metadata/store.js';
import { parsePolicy, POLICY_LIMITS, PolicyValidationError } from '../policy/document.js';
import { iamAuthorizer } from './iam-access.js';
import { IamPolicyService } from './iam-policies.js';
import { IamUserService } from './iam-users.js';
import { IdentityError, type IdentityService } from './identities.js';
import { WebIdentityVerifier } from './oidc.js';
import { OidcProviderService } from './oidc-providers.js';
import type { IdentityPolicySource } from './policy-sources.js';
import { RoleService, type PolicyValidator } from './roles.js';
import type { SessionService } from './sessions.js';
import { StsService } from './sts.js';

/** Policy documents checked by the policy engine's parser, refused as MalformedPolicyDocument. */
export const validatePolicy: PolicyValidator = (document, kind) => {
  try {
    return parsePolicy(document, { kind, maxLength: kind === 'trust' ? POLICY_LIMITS.trust : POLICY_LIMITS.managed });
  } catch (err) {
    if (err instanceof PolicyValidationError) throw new IdentityError('MalformedPolicyDocument', err.message);
    throw err;
  }
};

export interface IamServicesOptions {
  /** The callers' identity policies: the identity side of AssumeRole's decision; forgotten on this node when changed. */
  identityPolicies?: IdentityPolicySource & { forget?(owner?: PolicyOwner): void };
}

export interface IamServices {
  users: IamUserService;
  roles: RoleService;
  policies: IamPolicyService;
  providers: OidcProviderService;
  sts: StsService;
}

export function iamServices(
  store: MetadataStore,
  identities: IdentityService,
  sessions: SessionService,
  authorizer: Authorizer,
  options: IamServicesOptions = {},
): IamServices {
  const authorize = iamAuthorizer(authorizer);
  const providers = new OidcProviderService(store, authorize);
  const source = options.identityPolicies;
  const sts = new StsService(
    store,
    sessions,
    providers,
    new WebIdentityVerifier(),
    source ? (p) => source.identityPolicies(p) : async () => [],
    source?.principalTags ? (p) => source.principalTags!(p) : undefined,
  );
  const users = new IamUserService(
    store,
    identities,
    authorize,
    [(user) => policies.deletionConflict({ type: 'user', id: user.id })],
    (user) => forget({ type: 'user', id: user.id }),
  );
  const roles = new RoleService(store, authorize, validatePolicy, [
    (role) => policies.deletionConflict({ type: 'role', id: role.id }),
  ]);
  const forget = (owner: PolicyOwner) => options.identityPolicies?.forget?.(owner);
  const policies: IamPolicyService = new IamPolicyService(store, users, roles, authorize, forget);
  return { users, roles, policies, providers, sts };
}
