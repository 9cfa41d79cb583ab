// The IAM and STS services behind the query protocol face, by API version (moved from
// http/iam/face.ts: building services is the composition root's work, not a face's).
import type { Authorizer } from '../domain/authorizer.js';
import { iamAuthorizer } from '../iam/iam-access.js';
import { IamPolicyService } from '../iam/iam-policies.js';
import { IamUserService } from '../iam/iam-users.js';
import type { IdentityService } from '../iam/identities.js';
import { WebIdentityVerifier } from '../iam/oidc.js';
import { OidcProviderService } from '../iam/oidc-providers.js';
import { validatePolicy } from '../iam/policy-validator.js';
import { RoleService } from '../iam/roles.js';
import type { SessionService } from '../iam/sessions.js';
import { StsService } from '../iam/sts.js';
import type { IdentityPolicySource } from '../iam/policy-sources.js';
import type { MetadataStore, PolicyOwner } from '../metadata/store.js';
import { oidcProviderActions } from '../http/iam/actions/oidc-providers.js';
import { policyActions } from '../http/iam/actions/policies.js';
import { roleActions } from '../http/iam/actions/roles.js';
import { stsActions } from '../http/iam/actions/sts.js';
import { userActions } from '../http/iam/actions/users.js';
import { IAM_NAMESPACE, STS_NAMESPACE } from '../http/iam/errors.js';
import { IAM_VERSION, STS_VERSION, type QueryService } from '../http/iam/plugin.js';

export interface IamFaceOptions {
  /** The callers' identity policies: the identity side of AssumeRole's decision; forgotten on this node when changed. */
  identityPolicies?: IdentityPolicySource & { forget?(owner?: PolicyOwner): void };
}

export function iamFace(
  store: MetadataStore,
  identities: IdentityService,
  sessions: SessionService,
  authorizer: Authorizer,
  options: IamFaceOptions = {},
): Record<string, QueryService> {
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
  return {
    [IAM_VERSION]: {
      signingName: 'iam',
      namespace: IAM_NAMESPACE,
      actions: {
        ...userActions(users),
        ...roleActions(roles),
        ...policyActions(policies),
        ...oidcProviderActions(providers),
      },
    },
    [STS_VERSION]: {
      signingName: 'sts',
      namespace: STS_NAMESPACE,
      actions: stsActions(sts),
      unsigned: ['AssumeRoleWithWebIdentity'],
    },
  };
}
