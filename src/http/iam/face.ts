// The IAM and STS services behind the query protocol face, by API version: built here so
// app.ts wires one thing.
import type { Authorizer } from '../../domain/authorizer.js';
import { iamAuthorizer } from '../../iam/iam-access.js';
import { IamPolicyService } from '../../iam/iam-policies.js';
import { IamUserService } from '../../iam/iam-users.js';
import { IdentityError, type IdentityService } from '../../iam/identities.js';
import { WebIdentityVerifier } from '../../iam/oidc.js';
import { OidcProviderService } from '../../iam/oidc-providers.js';
import { RoleService, type PolicyValidator } from '../../iam/roles.js';
import type { SessionService } from '../../iam/sessions.js';
import { StsService } from '../../iam/sts.js';
import type { IdentityPolicySource } from '../../iam/policy-sources.js';
import type { MetadataStore } from '../../metadata/store.js';
import type { PolicyOwner } from '../../domain/records/policies.js';
import { parsePolicy, POLICY_LIMITS, PolicyValidationError } from '../../policy/document.js';
import { oidcProviderActions } from './actions/oidc-providers.js';
import { policyActions } from './actions/policies.js';
import { roleActions } from './actions/roles.js';
import { stsActions } from './actions/sts.js';
import { userActions } from './actions/users.js';
import { IAM_NAMESPACE, STS_NAMESPACE } from './errors.js';
import { IAM_VERSION, STS_VERSION, type QueryService } from './plugin.js';

/** Policy documents checked by the policy engine's parser, refused as MalformedPolicyDocument. */
export const validatePolicy: PolicyValidator = (document, kind) => {
  try {
    return parsePolicy(document, { kind, maxLength: kind === 'trust' ? POLICY_LIMITS.trust : POLICY_LIMITS.managed });
  } catch (err) {
    if (err instanceof PolicyValidationError) throw new IdentityError('MalformedPolicyDocument', err.message);
    throw err;
  }
};

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
