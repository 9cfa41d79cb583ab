// The root's console password, set offline by `berth admin console-password` (the root has no
// IAM user to set one through the IAM API).
import { IamUserService } from '../iam/iam-users.js';
import { LoginProfileService } from '../iam/login-profiles.js';
import type { Deployment } from './deployment.js';

export async function setRootConsolePassword(
  deployment: Deployment,
  accountId: string,
  password: string,
): Promise<void> {
  const refuse = async () => {
    throw new Error('no caller: the operator sets the root password');
  };
  const users = new IamUserService(deployment.store, deployment.identities, refuse);
  await new LoginProfileService(deployment.store, users, refuse).setRootPassword(accountId, password);
}
