// The IAM and STS services behind the query protocol face, by API version (the services are
// built by iam/iam-services.ts).
import type { IamServices } from '../../iam/iam-services.js';
import { loginProfileActions } from './actions/login-profiles.js';
import { oidcProviderActions } from './actions/oidc-providers.js';
import { policyActions } from './actions/policies.js';
import { roleActions } from './actions/roles.js';
import { stsActions } from './actions/sts.js';
import { userActions } from './actions/users.js';
import { IAM_NAMESPACE, STS_NAMESPACE } from './errors.js';
import { IAM_VERSION, STS_VERSION, type QueryService } from './plugin.js';

export function iamFace({
  users,
  roles,
  policies,
  providers,
  sts,
  loginProfiles,
}: IamServices): Record<string, QueryService> {
  return {
    [IAM_VERSION]: {
      signingName: 'iam',
      namespace: IAM_NAMESPACE,
      actions: {
        ...userActions(users),
        ...roleActions(roles),
        ...policyActions(policies),
        ...oidcProviderActions(providers),
        ...loginProfileActions(loginProfiles),
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
