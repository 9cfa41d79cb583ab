// IAM roles: trust policies (who may assume a role), their description, maximum session length
// and tags, as the IAM API manages them (aws iam create-role, update-assume-role-policy …).
import { randomBytes } from 'node:crypto';
import { assertTagKey, MAX_RESOURCE_TAGS, validateTags, type ResourceTag } from '../domain/resource-tags.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Role } from '../domain/records/roles.js';
import type { PolicyDocument } from '../policy/document.js';
import type { AuthenticatedPrincipal } from '../domain/principal.js';
import { IAM_NAME, IAM_PATH, roleArn, type IamAuthorize } from './iam-access.js';
import { IdentityError } from './identities.js';
import { PrincipalDirectory } from './principal-directory.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const MIN_SESSION_SECONDS = 3600;
export const MAX_SESSION_SECONDS = 43200;

/** Checks a policy document (trust or identity policy); throws MalformedPolicyDocument naming what is wrong. */
/** Parses a policy document of this kind, or throws the error that says what is wrong with it. */
export type PolicyValidator = (document: string, kind: 'trust' | 'identity') => PolicyDocument;

/** Something that keeps a role from being deleted (its policies). */
export type RoleDeletionCheck = (role: Role) => Promise<string | undefined>;

export interface NewRole {
  name: string;
  trustPolicy: string;
  path?: string;
  description?: string;
  maxSessionDuration?: number;
  tags?: ResourceTag[];
}

export interface RoleInfo extends Role {
  tags: ResourceTag[];
}

export class RoleService {
  private readonly principals: PrincipalDirectory;

  constructor(
    private readonly store: Pick<MetadataStore, 'resourceTags' | 'roles' | 'identities' | 'oidcProviders'>,
    private readonly authorize: IamAuthorize,
    private readonly validate: PolicyValidator,
    private readonly deletionChecks: RoleDeletionCheck[] = [],
  ) {
    this.principals = new PrincipalDirectory(store);
  }

  /** A trust policy well formed and naming only principals that exist, or MalformedPolicyDocument as IAM words it. */
  private async checkTrustPolicy(document: string): Promise<void> {
    const unknown = await this.principals.firstUnknown(this.validate(document, 'trust'));
    if (unknown)
      throw new IdentityError(
        'MalformedPolicyDocument',
        `Invalid principal in policy: "${unknown.type}":"${unknown.principal}"`,
      );
  }

  async create(caller: AuthenticatedPrincipal, input: NewRole): Promise<RoleInfo> {
    const path = input.path ?? '/';
    if (!IAM_NAME.test(input.name) || input.name.length > 64)
      throw new IdentityError(
        'InvalidInput',
        `a role name is 1 to 64 letters, digits and + = , . @ _ -, not "${input.name}"`,
      );
    if (!IAM_PATH.test(path) || path.length > 512)
      throw new IdentityError('InvalidInput', `a path starts and ends with /, not "${path}"`);
    const maxSessionDuration = input.maxSessionDuration ?? MIN_SESSION_SECONDS;
    if (
      !Number.isInteger(maxSessionDuration) ||
      maxSessionDuration < MIN_SESSION_SECONDS ||
      maxSessionDuration > MAX_SESSION_SECONDS
    ) {
      throw new IdentityError(
        'InvalidInput',
        `MaxSessionDuration is ${MIN_SESSION_SECONDS} to ${MAX_SESSION_SECONDS} seconds`,
      );
    }
    const arn = roleArn(caller.accountId, input.name, path);
    await this.authorize(caller, 'iam:CreateRole', arn);
    await this.checkTrustPolicy(input.trustPolicy);
    const tags = validateTags(input.tags ?? []);
    let id = 'AROA';
    for (const byte of randomBytes(17)) id += ALPHABET[byte % 32];
    const role: Role = {
      id,
      accountId: caller.accountId,
      name: input.name,
      path,
      arn,
      trustPolicy: input.trustPolicy,
      description: input.description ?? null,
      maxSessionDuration,
      createdAt: Date.now(),
    };
    // IAM names are unique regardless of case.
    if (
      (await this.store.roles.list(caller.accountId)).some((r) => r.name.toLowerCase() === input.name.toLowerCase()) ||
      !(await this.store.roles.create(role))
    ) {
      throw new IdentityError('EntityAlreadyExists', `Role with name ${input.name} already exists.`);
    }
    if (tags.length > 0) await this.store.resourceTags.put(arn, tags, MAX_RESOURCE_TAGS);
    return { ...role, tags };
  }

  async get(caller: AuthenticatedPrincipal, name: string): Promise<RoleInfo> {
    const role = await this.named(caller.accountId, name);
    await this.authorize(caller, 'iam:GetRole', role.arn);
    return { ...role, tags: await this.store.resourceTags.list(role.arn) };
  }

  async list(caller: AuthenticatedPrincipal, pathPrefix = '/'): Promise<Role[]> {
    await this.authorize(caller, 'iam:ListRoles', roleArn(caller.accountId, '*'));
    return (await this.store.roles.list(caller.accountId)).filter((r) => r.path.startsWith(pathPrefix));
  }

  async updateTrustPolicy(caller: AuthenticatedPrincipal, name: string, document: string): Promise<void> {
    const role = await this.named(caller.accountId, name);
    await this.authorize(caller, 'iam:UpdateAssumeRolePolicy', role.arn);
    await this.checkTrustPolicy(document);
    if (!(await this.store.roles.setTrustPolicy(caller.accountId, name, document))) throw this.missing(name);
  }

  /** Deletes a role without policies (DeleteConflict otherwise, as IAM does) and its tags. */
  async delete(caller: AuthenticatedPrincipal, name: string): Promise<void> {
    const role = await this.named(caller.accountId, name);
    await this.authorize(caller, 'iam:DeleteRole', role.arn);
    for (const check of this.deletionChecks) {
      const reason = await check(role);
      if (reason) throw new IdentityError('DeleteConflict', reason);
    }
    if (!(await this.store.roles.delete(caller.accountId, name))) throw this.missing(name);
    await this.store.resourceTags.remove(
      role.arn,
      (await this.store.resourceTags.list(role.arn)).map((t) => t.key),
    );
  }

  async tag(caller: AuthenticatedPrincipal, name: string, tags: ResourceTag[]): Promise<void> {
    const role = await this.named(caller.accountId, name);
    await this.authorize(caller, 'iam:TagRole', role.arn);
    if (!(await this.store.resourceTags.put(role.arn, validateTags(tags), MAX_RESOURCE_TAGS))) {
      throw new IdentityError('LimitExceeded', `a role can have at most ${MAX_RESOURCE_TAGS} tags`);
    }
  }

  async untag(caller: AuthenticatedPrincipal, name: string, keys: string[]): Promise<void> {
    const role = await this.named(caller.accountId, name);
    await this.authorize(caller, 'iam:UntagRole', role.arn);
    await this.store.resourceTags.remove(role.arn, keys.map(assertTagKey));
  }

  async tags(caller: AuthenticatedPrincipal, name: string): Promise<ResourceTag[]> {
    const role = await this.named(caller.accountId, name);
    await this.authorize(caller, 'iam:ListRoleTags', role.arn);
    return this.store.resourceTags.list(role.arn);
  }

  /** A role of the account by name: NoSuchEntity as IAM words it. */
  async named(accountId: string, name: string): Promise<Role> {
    const role = await this.store.roles.get(accountId, name);
    if (!role) throw this.missing(name);
    return role;
  }

  private missing(name: string): IdentityError {
    return new IdentityError('NoSuchEntity', `The role with name ${name} cannot be found.`);
  }
}
