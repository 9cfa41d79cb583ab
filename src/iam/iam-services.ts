// The IAM and STS services the query protocol face calls (the composition root builds them
// together, app/iam.ts: the user, role and policy services check each other).
import type { IamPolicyService } from './iam-policies.js';
import type { IamUserService } from './iam-users.js';
import type { LoginProfileService } from './login-profiles.js';
import type { OidcProviderService } from './oidc-providers.js';
import type { RoleService } from './roles.js';
import type { StsService } from './sts.js';

export interface IamServices {
  users: IamUserService;
  roles: RoleService;
  policies: IamPolicyService;
  providers: OidcProviderService;
  sts: StsService;
  /** Console passwords and the account password policy. */
  loginProfiles: LoginProfileService;
}
