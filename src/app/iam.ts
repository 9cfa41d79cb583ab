// The IAM and STS services behind the query protocol face, built together: a user or role with
// policies attached cannot be deleted, so the user, role and policy services check each other.
import type { Authorizer } from '../domain/authorizer.js';
import type { PolicyOwner } from '../domain/records/policies.js';
import { iamFace } from '../http/iam/face.js';
import type { QueryService } from '../http/iam/plugin.js';
import { iamAuthorizer } from '../iam/iam-access.js';
import { IamPolicyService } from '../iam/iam-policies.js';
import type { IamServices } from '../iam/iam-services.js';
import { IamUserService } from '../iam/iam-users.js';
import { LoginProfileService } from '../iam/login-profiles.js';
import type { IdentityService } from '../iam/identities.js';
import { WebIdentityVerifier } from '../iam/oidc.js';
import { OidcProviderService } from '../iam/oidc-providers.js';
import type { IdentityPolicySource } from '../iam/policy-sources.js';
import { validatePolicy } from '../iam/policy-validator.js';
import { RoleService } from '../iam/roles.js';
import type { SessionService } from '../iam/sessions.js';
import { StsService } from '../iam/sts.js';
import type { MetadataStore } from '../metadata/store.js';

export interface IamFaceOptions {
  /** The callers' identity policies: the identity side of AssumeRole's decision; forgotten on this node when changed. */
  identityPolicies?: IdentityPolicySource & { forget?(owner?: PolicyOwner): void };
}

export function iamServices(
  store: MetadataStore,
  identities: IdentityService,
  sessions: SessionService,
  authorizer: Authorizer,
  options: IamFaceOptions = {},
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
  const forget = (owner: PolicyOwner) => options.identityPolicies?.forget?.(owner);
  const users = new IamUserService(
    store,
    identities,
    authorize,
    [
      (user) => policies.deletionConflict({ type: 'user', id: user.id }),
      async (user) =>
        (await store.console.getLoginProfile(user.id))
          ? 'Cannot delete entity, must delete login profile first.'
          : undefined,
    ],
    (user) => forget({ type: 'user', id: user.id }),
  );
  const roles = new RoleService(store, authorize, validatePolicy, [
    (role) => policies.deletionConflict({ type: 'role', id: role.id }),
  ]);
  const policies: IamPolicyService = new IamPolicyService(store, users, roles, authorize, forget);
  const loginProfiles = new LoginProfileService(store, users, authorize);
  return { users, roles, policies, providers, sts, loginProfiles };
}

/** The query protocol's services (IAM and STS), by API version. */
export function iamQueryServices(...args: Parameters<typeof iamServices>): Record<string, QueryService> {
  return iamFace(iamServices(...args));
}
