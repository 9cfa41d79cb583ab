// Console passwords as the IAM API manages them (aws iam create-login-profile, change-password,
// update-account-password-policy …): a login profile per user (the root's is set by `berth admin`),
// hashed with scrypt, checked against the account's password policy, with IAM's errors.
import type { ConsoleSession, LoginProfile, PasswordPolicy } from '../domain/records/console.js';
import type { User } from '../domain/records/identities.js';
import type { AuthenticatedPrincipal } from '../domain/principal.js';
import type { MetadataStore } from '../metadata/store.js';
import type { IamAuthorize } from './iam-access.js';
import { IdentityError } from './identities.js';
import type { IamUserService } from './iam-users.js';
import { hashPassword, policyViolation, verifyPassword } from './passwords.js';

export type PasswordPolicyInput = { [K in keyof PasswordPolicy]?: PasswordPolicy[K] | undefined };

const profileMissing = (name: string) =>
  new IdentityError('NoSuchEntity', `Login Profile for User ${name} cannot be found.`);

export class LoginProfileService {
  constructor(
    private readonly store: Pick<MetadataStore, 'identities' | 'console'>,
    private readonly users: Pick<IamUserService, 'named'>,
    private readonly authorize: IamAuthorize,
    private readonly now: () => number = Date.now,
  ) {}

  async create(
    caller: AuthenticatedPrincipal,
    name: string | undefined,
    password: string,
    resetRequired: boolean,
  ): Promise<{ user: User; profile: LoginProfile }> {
    const user = await this.target(caller, name);
    await this.authorize(caller, 'iam:CreateLoginProfile', user.arn);
    const profile = await this.newProfile(user, password, resetRequired);
    if (!(await this.store.console.createLoginProfile(profile)))
      throw new IdentityError('EntityAlreadyExists', `Login Profile for user ${user.name} already exists.`);
    return { user, profile };
  }

  async get(caller: AuthenticatedPrincipal, name?: string): Promise<{ user: User; profile: LoginProfile }> {
    const user = await this.target(caller, name);
    await this.authorize(caller, 'iam:GetLoginProfile', user.arn);
    const profile = await this.store.console.getLoginProfile(user.id);
    if (!profile) throw profileMissing(user.name);
    return { user, profile };
  }

  async update(
    caller: AuthenticatedPrincipal,
    name: string,
    password: string | undefined,
    resetRequired: boolean | undefined,
  ): Promise<void> {
    const user = await this.users.named(caller.accountId, name);
    await this.authorize(caller, 'iam:UpdateLoginProfile', user.arn);
    const profile = await this.store.console.getLoginProfile(user.id);
    if (!profile) throw profileMissing(user.name);
    const changes = password === undefined ? {} : await this.newPassword(profile, password);
    await this.store.console.updateLoginProfile(user.id, {
      ...changes,
      ...(resetRequired !== undefined && { resetRequired }),
    });
    if (password !== undefined) await this.store.console.deleteUserSessions(user.id);
  }

  async delete(caller: AuthenticatedPrincipal, name?: string): Promise<void> {
    const user = await this.target(caller, name);
    await this.authorize(caller, 'iam:DeleteLoginProfile', user.arn);
    if (!(await this.store.console.deleteLoginProfile(user.id))) throw profileMissing(user.name);
    await this.store.console.deleteUserSessions(user.id);
  }

  /** An IAM user changes its own password (iam:ChangePassword, or the policy's AllowUsersToChangePassword). */
  async changePassword(caller: AuthenticatedPrincipal, oldPassword: string, newPassword: string): Promise<void> {
    if (caller.kind !== 'user')
      throw new IdentityError('InvalidUserType', 'Only IAM users can change their own password this way.');
    const user = await this.users.named(caller.accountId, caller.userName);
    const policy = await this.store.console.getPasswordPolicy(caller.accountId);
    if (!policy?.allowUsersToChangePassword) await this.authorize(caller, 'iam:ChangePassword', user.arn);
    await this.changeOwn(user, oldPassword, newPassword);
  }

  /** The change itself, shared with the console's forced change at sign-in: the old password must match. */
  async changeOwn(user: User, oldPassword: string, newPassword: string): Promise<void> {
    const profile = await this.store.console.getLoginProfile(user.id);
    if (!profile) throw profileMissing(user.name);
    if (!(await verifyPassword(oldPassword, profile.passwordHash)))
      throw new IdentityError('InvalidInput', 'The old password is incorrect.');
    await this.store.console.updateLoginProfile(user.id, {
      ...(await this.newPassword(profile, newPassword)),
      resetRequired: false,
    });
  }

  async getPolicy(caller: AuthenticatedPrincipal): Promise<PasswordPolicy> {
    await this.authorize(caller, 'iam:GetAccountPasswordPolicy', '*', caller.accountId);
    const policy = await this.store.console.getPasswordPolicy(caller.accountId);
    if (!policy)
      throw new IdentityError(
        'NoSuchEntity',
        `The Password Policy with domain name ${caller.accountId} cannot be found.`,
      );
    return policy;
  }

  /** Sets the whole policy: members left out take IAM's defaults, as UpdateAccountPasswordPolicy does. */
  async putPolicy(caller: AuthenticatedPrincipal, input: PasswordPolicyInput): Promise<void> {
    await this.authorize(caller, 'iam:UpdateAccountPasswordPolicy', '*', caller.accountId);
    await this.store.console.putPasswordPolicy(caller.accountId, {
      minimumPasswordLength: input.minimumPasswordLength ?? 6,
      requireSymbols: input.requireSymbols ?? false,
      requireNumbers: input.requireNumbers ?? false,
      requireUppercaseCharacters: input.requireUppercaseCharacters ?? false,
      requireLowercaseCharacters: input.requireLowercaseCharacters ?? false,
      allowUsersToChangePassword: input.allowUsersToChangePassword ?? false,
      maxPasswordAge: input.maxPasswordAge ?? null,
      passwordReusePrevention: input.passwordReusePrevention ?? null,
      hardExpiry: input.hardExpiry ?? null,
    });
  }

  async deletePolicy(caller: AuthenticatedPrincipal): Promise<void> {
    await this.authorize(caller, 'iam:DeleteAccountPasswordPolicy', '*', caller.accountId);
    if (!(await this.store.console.deletePasswordPolicy(caller.accountId)))
      throw new IdentityError('NoSuchEntity', `The account policy with name PasswordPolicy cannot be found.`);
  }

  /** The root's console password, set by the operator (`berth admin console-password`): the policy holds, no caller. */
  async setRootPassword(accountId: string, password: string): Promise<void> {
    const root = (await this.store.identities.listUsers(accountId)).find((u) => u.kind === 'root');
    if (!root) throw new IdentityError('NoSuchEntity', `account ${accountId} has no root identity`);
    const existing = await this.store.console.getLoginProfile(root.id);
    if (!existing) {
      await this.store.console.createLoginProfile(await this.newProfile(root, password, false));
    } else {
      await this.check(accountId, password);
      await this.store.console.updateLoginProfile(root.id, {
        passwordHash: await hashPassword(password),
        changedAt: this.now(),
        resetRequired: false,
      });
    }
    await this.store.console.deleteUserSessions(root.id);
  }

  /** Sessions end with the profile; the console calls this when a session's user no longer has one. */
  async profileOf(user: User): Promise<LoginProfile | undefined> {
    return this.store.console.getLoginProfile(user.id);
  }

  async endSessions(session: Pick<ConsoleSession, 'userId'>): Promise<void> {
    await this.store.console.deleteUserSessions(session.userId);
  }

  private async newProfile(user: User, password: string, resetRequired: boolean): Promise<LoginProfile> {
    await this.check(user.accountId, password);
    const now = this.now();
    return {
      userId: user.id,
      accountId: user.accountId,
      passwordHash: await hashPassword(password),
      resetRequired,
      createdAt: now,
      changedAt: now,
      history: [],
    };
  }

  private async newPassword(profile: LoginProfile, password: string) {
    const policy = await this.check(profile.accountId, password);
    const reuse = policy?.passwordReusePrevention ?? 0;
    if (reuse > 0) {
      for (const earlier of [profile.passwordHash, ...profile.history].slice(0, reuse)) {
        if (await verifyPassword(password, earlier))
          throw new IdentityError(
            'PasswordPolicyViolation',
            `Password does not conform to the account password policy: it must differ from the last ${reuse} passwords.`,
          );
      }
    }
    return {
      passwordHash: await hashPassword(password),
      changedAt: this.now(),
      history: [profile.passwordHash, ...profile.history].slice(0, 24),
    };
  }

  private async check(accountId: string, password: string): Promise<PasswordPolicy | undefined> {
    const policy = await this.store.console.getPasswordPolicy(accountId);
    const violation = policyViolation(password, policy);
    if (violation) throw new IdentityError('PasswordPolicyViolation', violation);
    return policy;
  }

  private async target(caller: AuthenticatedPrincipal, name?: string): Promise<User> {
    if (name !== undefined) return this.users.named(caller.accountId, name);
    if (caller.kind === 'role-session')
      throw new IdentityError('ValidationError', 'Must specify userName when calling with non-User credentials');
    const user = await this.store.identities.getUser(caller.userId);
    if (!user) throw new IdentityError('NoSuchEntity', 'The user of these credentials no longer exists.');
    return user;
  }
}
