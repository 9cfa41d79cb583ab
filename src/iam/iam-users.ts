// IAM users and their access keys and tags as the IAM API manages them (aws iam create-user,
// create-access-key, tag-user …): the identity service's users, with the API's rules on names,
// ownership (a key is changed only through its own user, in the caller's account) and deletion.
import { assertTagKey, MAX_RESOURCE_TAGS, validateTags, type ResourceTag } from '../domain/resource-tags.js';
import type { AccessKey, AccessKeyStatus, User } from '../domain/records/identities.js';
import type { MetadataStore } from '../metadata/store.js';
import type { AuthenticatedPrincipal } from '../domain/principal.js';
import { IAM_PATH, userArn, type IamAuthorize } from './iam-access.js';
import { IdentityError, type AccessKeyInfo, type IdentityService, type NewAccessKey } from './identities.js';

export interface UserInfo extends User {
  path: string;
  tags: ResourceTag[];
}

/** Something that keeps a user from being deleted (its policies, once policies exist). */
export type UserDeletionCheck = (user: User) => Promise<string | undefined>;

export class IamUserService {
  constructor(
    private readonly store: Pick<MetadataStore, 'identities' | 'resourceTags'>,
    private readonly identities: IdentityService,
    private readonly authorize: IamAuthorize,
    private readonly deletionChecks: UserDeletionCheck[] = [],
    /** Told after a user's tags changed (its aws:PrincipalTag/* values, cached by the authorizer). */
    private readonly tagsChanged: (user: User) => void = () => {},
  ) {}

  async create(caller: AuthenticatedPrincipal, name: string, path = '/', tags: ResourceTag[] = []): Promise<UserInfo> {
    if (path !== '/')
      throw new IdentityError(
        'InvalidInput',
        `Berth keeps users at the path / only, not ${IAM_PATH.test(path) ? path : 'a malformed path'}`,
      );
    if (name.toLowerCase() === 'root')
      throw new IdentityError('InvalidInput', 'the name root is reserved for the account');
    await this.authorize(caller, 'iam:CreateUser', userArn(caller.accountId, name));
    validateTags(tags);
    // IAM names are unique regardless of case.
    const taken = (await this.store.identities.listUsers(caller.accountId)).some(
      (u) => u.kind === 'user' && u.name.toLowerCase() === name.toLowerCase(),
    );
    const user = taken ? undefined : await this.identities.createUser(caller.accountId, name);
    if (!user) throw new IdentityError('EntityAlreadyExists', `User with name ${name} already exists.`);
    if (tags.length > 0) await this.store.resourceTags.put(user.arn, tags, MAX_RESOURCE_TAGS);
    return { ...user, path: '/', tags };
  }

  /** The named user, or the caller's own user without a name. */
  async get(caller: AuthenticatedPrincipal, name?: string): Promise<UserInfo> {
    const user = await this.target(caller, name);
    await this.authorize(caller, 'iam:GetUser', user.arn);
    return { ...user, path: '/', tags: await this.store.resourceTags.list(user.arn) };
  }

  /** The account's IAM users (not its root identity). */
  async list(caller: AuthenticatedPrincipal): Promise<UserInfo[]> {
    await this.authorize(caller, 'iam:ListUsers', userArn(caller.accountId, '*'));
    const users = (await this.identities.listUsers(caller.accountId)).filter((u) => u.kind === 'user');
    return Promise.all(
      users.map(async (user) => ({ ...user, path: '/', tags: await this.store.resourceTags.list(user.arn) })),
    );
  }

  /** Deletes a user that has no access keys (nor policies): DeleteConflict otherwise, as IAM does. */
  async delete(caller: AuthenticatedPrincipal, name: string): Promise<void> {
    const user = await this.named(caller.accountId, name);
    await this.authorize(caller, 'iam:DeleteUser', user.arn);
    if ((await this.store.identities.listAccessKeys(user.id)).length > 0)
      throw new IdentityError('DeleteConflict', 'Cannot delete entity, must delete access keys first.');
    for (const check of this.deletionChecks) {
      const reason = await check(user);
      if (reason) throw new IdentityError('DeleteConflict', reason);
    }
    await this.identities.deleteUser(caller.accountId, name);
    await this.store.resourceTags.remove(
      user.arn,
      (await this.store.resourceTags.list(user.arn)).map((t) => t.key),
    );
  }

  async createAccessKey(
    caller: AuthenticatedPrincipal,
    name?: string,
  ): Promise<NewAccessKey & { user: User; createdAt: number }> {
    const user = await this.target(caller, name);
    await this.authorize(caller, 'iam:CreateAccessKey', user.arn);
    const keys = await this.store.identities.listAccessKeys(user.id);
    if (keys.length >= 2) throw new IdentityError('LimitExceeded', 'Cannot exceed quota for AccessKeysPerUser: 2');
    const createdAt = Date.now();
    return { ...(await this.identities.createAccessKey(user.id)), user, createdAt };
  }

  async listAccessKeys(caller: AuthenticatedPrincipal, name?: string): Promise<AccessKeyInfo[]> {
    const user = await this.target(caller, name);
    await this.authorize(caller, 'iam:ListAccessKeys', user.arn);
    return this.identities.listAccessKeys(caller.accountId, user.name);
  }

  async updateAccessKey(
    caller: AuthenticatedPrincipal,
    accessKeyId: string,
    status: AccessKeyStatus,
    name?: string,
  ): Promise<void> {
    const user = await this.keyOwner(caller, accessKeyId, name);
    await this.authorize(caller, 'iam:UpdateAccessKey', user.arn);
    await this.identities.setAccessKeyStatus(accessKeyId, status);
  }

  async deleteAccessKey(caller: AuthenticatedPrincipal, accessKeyId: string, name?: string): Promise<void> {
    const user = await this.keyOwner(caller, accessKeyId, name);
    await this.authorize(caller, 'iam:DeleteAccessKey', user.arn);
    await this.identities.deleteAccessKey(accessKeyId);
  }

  /** GetAccessKeyLastUsed: any key of the caller's account, authorized on its owner (a user, or the root). */
  async accessKeyLastUsed(
    caller: AuthenticatedPrincipal,
    accessKeyId: string,
  ): Promise<{ user: User; key: AccessKey }> {
    const found = await this.store.identities.getAccessKey(accessKeyId);
    if (!found || found.user.accountId !== caller.accountId)
      throw new IdentityError('NoSuchEntity', `The Access Key with id ${accessKeyId} cannot be found.`);
    await this.authorize(caller, 'iam:GetAccessKeyLastUsed', found.user.arn);
    return found;
  }

  async tag(caller: AuthenticatedPrincipal, name: string, tags: ResourceTag[]): Promise<void> {
    const user = await this.named(caller.accountId, name);
    await this.authorize(caller, 'iam:TagUser', user.arn);
    if (!(await this.store.resourceTags.put(user.arn, validateTags(tags), MAX_RESOURCE_TAGS))) {
      throw new IdentityError('LimitExceeded', `a user can have at most ${MAX_RESOURCE_TAGS} tags`);
    }
    this.tagsChanged(user);
  }

  async untag(caller: AuthenticatedPrincipal, name: string, keys: string[]): Promise<void> {
    const user = await this.named(caller.accountId, name);
    await this.authorize(caller, 'iam:UntagUser', user.arn);
    await this.store.resourceTags.remove(user.arn, keys.map(assertTagKey));
    this.tagsChanged(user);
  }

  async tags(caller: AuthenticatedPrincipal, name: string): Promise<ResourceTag[]> {
    const user = await this.named(caller.accountId, name);
    await this.authorize(caller, 'iam:ListUserTags', user.arn);
    return this.store.resourceTags.list(user.arn);
  }

  /** An IAM user of the account by name (never the root identity): NoSuchEntity as IAM words it. */
  async named(accountId: string, name: string): Promise<User> {
    const user = await this.store.identities.getUserByName(accountId, name);
    if (user?.kind !== 'user') throw new IdentityError('NoSuchEntity', `The user with name ${name} cannot be found.`);
    return user;
  }

  private async target(caller: AuthenticatedPrincipal, name?: string): Promise<User> {
    if (name !== undefined) return this.named(caller.accountId, name);
    if (caller.kind === 'role-session')
      throw new IdentityError('ValidationError', 'Must specify userName when calling with non-User credentials');
    const user = await this.store.identities.getUser(caller.userId);
    if (!user) throw new IdentityError('NoSuchEntity', 'The user of these credentials no longer exists.');
    return user;
  }

  /** The user a key belongs to, in the caller's account (and the named user, when a name is given). */
  private async keyOwner(caller: AuthenticatedPrincipal, accessKeyId: string, name?: string): Promise<User> {
    const user = await this.target(caller, name);
    const found = await this.store.identities.getAccessKey(accessKeyId);
    if (!found || found.user.id !== user.id)
      throw new IdentityError('NoSuchEntity', `The Access Key with id ${accessKeyId} cannot be found.`);
    return user;
  }
}
