// Identity-based policies as the IAM API manages them: inline policies of users and roles,
// customer managed policies (one version, v1), and attachments of those and of the AWS managed
// ECR policies (arn:aws:iam::aws:policy/AmazonEC2ContainerRegistry*). Documents are checked by
// the policy engine before anything is stored; this node forgets cached policies at once.
import { randomBytes } from 'node:crypto';
import type { ManagedPolicyRecord, PolicyOwner } from '../domain/records/policies.js';
import type { MetadataStore } from '../metadata/store.js';
import { parsePolicy, POLICY_LIMITS, PolicyValidationError } from '../policy/document.js';
import { managedPolicy, MANAGED_POLICIES } from '../policy/managed.js';
import type { AuthenticatedPrincipal } from '../domain/principal.js';
import { IAM_NAME, IAM_PATH, policyArn, type IamAuthorize } from './iam-access.js';
import type { IamUserService } from './iam-users.js';
import { IdentityError } from './identities.js';
import type { RoleService } from './roles.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const MAX_ATTACHED = 10;

/** Whose policies: a user or a role of the caller's account, by name. */
export interface OwnerRef {
  type: 'user' | 'role';
  name: string;
}

/** A managed policy as IAM describes it: a customer's (with its row) or an AWS managed one. */
export interface PolicyInfo {
  arn: string;
  name: string;
  id: string;
  path: string;
  description: string | null;
  text: string;
  createdAt: number;
  updatedAt: number;
  attachmentCount: number;
}

export class IamPolicyService {
  constructor(
    private readonly store: Pick<MetadataStore, 'policies'>,
    private readonly users: IamUserService,
    private readonly roles: RoleService,
    private readonly authorize: IamAuthorize,
    private readonly forget: (owner: PolicyOwner) => void,
  ) {}

  async putInline(caller: AuthenticatedPrincipal, owner: OwnerRef, name: string, document: string): Promise<void> {
    const { ref, arn } = await this.owner(caller, owner);
    await this.authorize(caller, owner.type === 'user' ? 'iam:PutUserPolicy' : 'iam:PutRolePolicy', arn);
    if (!IAM_NAME.test(name) || name.length > 128)
      throw new IdentityError(
        'InvalidInput',
        `a policy name is 1 to 128 letters, digits and + = , . @ _ -, not "${name}"`,
      );
    validate(document, owner.type === 'user' ? POLICY_LIMITS.userInline : POLICY_LIMITS.roleInline);
    await this.store.policies.putInlinePolicy(ref, name, document);
    this.forget(ref);
  }

  async getInline(caller: AuthenticatedPrincipal, owner: OwnerRef, name: string): Promise<string> {
    const { ref, arn } = await this.owner(caller, owner);
    await this.authorize(caller, owner.type === 'user' ? 'iam:GetUserPolicy' : 'iam:GetRolePolicy', arn);
    const text = await this.store.policies.getInlinePolicy(ref, name);
    if (text === undefined)
      throw new IdentityError('NoSuchEntity', `The ${owner.type} policy with name ${name} cannot be found.`);
    return text;
  }

  async listInline(caller: AuthenticatedPrincipal, owner: OwnerRef): Promise<string[]> {
    const { ref, arn } = await this.owner(caller, owner);
    await this.authorize(caller, owner.type === 'user' ? 'iam:ListUserPolicies' : 'iam:ListRolePolicies', arn);
    return (await this.store.policies.listInlinePolicies(ref)).map((p) => p.name);
  }

  async deleteInline(caller: AuthenticatedPrincipal, owner: OwnerRef, name: string): Promise<void> {
    const { ref, arn } = await this.owner(caller, owner);
    await this.authorize(caller, owner.type === 'user' ? 'iam:DeleteUserPolicy' : 'iam:DeleteRolePolicy', arn);
    if (!(await this.store.policies.deleteInlinePolicy(ref, name)))
      throw new IdentityError('NoSuchEntity', `The ${owner.type} policy with name ${name} cannot be found.`);
    this.forget(ref);
  }

  async create(
    caller: AuthenticatedPrincipal,
    input: { name: string; document: string; path?: string; description?: string },
  ): Promise<PolicyInfo> {
    const path = input.path ?? '/';
    if (!IAM_NAME.test(input.name) || input.name.length > 128)
      throw new IdentityError(
        'InvalidInput',
        `a policy name is 1 to 128 letters, digits and + = , . @ _ -, not "${input.name}"`,
      );
    if (!IAM_PATH.test(path)) throw new IdentityError('InvalidInput', `a path starts and ends with /, not "${path}"`);
    const arn = policyArn(caller.accountId, input.name, path);
    await this.authorize(caller, 'iam:CreatePolicy', arn);
    validate(input.document, POLICY_LIMITS.managed);
    let id = 'ANPA';
    for (const byte of randomBytes(17)) id += ALPHABET[byte % 32];
    const now = Date.now();
    const record: ManagedPolicyRecord = {
      arn,
      id,
      accountId: caller.accountId,
      name: input.name,
      path,
      description: input.description ?? null,
      policyText: input.document,
      createdAt: now,
      updatedAt: now,
    };
    if (!(await this.store.policies.createManagedPolicy(record)))
      throw new IdentityError(
        'EntityAlreadyExists',
        `A policy called ${input.name} already exists. Duplicate names are not allowed.`,
      );
    return { ...toInfo(record), attachmentCount: 0 };
  }

  /** GetPolicy (iam:GetPolicy) or GetPolicyVersion (iam:GetPolicyVersion): each read is its own action. */
  async get(
    caller: AuthenticatedPrincipal,
    arn: string,
    action: 'iam:GetPolicy' | 'iam:GetPolicyVersion' = 'iam:GetPolicy',
  ): Promise<PolicyInfo> {
    const policy = await this.find(caller, arn);
    // An AWS managed policy is in every account: reading it is decided in the caller's own.
    await this.authorize(caller, action, arn, managedPolicy(arn) ? caller.accountId : undefined);
    return policy;
  }

  /** Scope Local (the account's), AWS (the managed ECR policies) or All. */
  async list(
    caller: AuthenticatedPrincipal,
    scope: 'All' | 'AWS' | 'Local',
    onlyAttached: boolean,
  ): Promise<PolicyInfo[]> {
    await this.authorize(caller, 'iam:ListPolicies', policyArn(caller.accountId, '*'));
    const local = scope === 'AWS' ? [] : await this.store.policies.listManagedPolicies(caller.accountId);
    const infos = [
      ...(await Promise.all(
        local.map(async (p) => ({ ...toInfo(p), attachmentCount: await this.store.policies.attachmentCount(p.arn) })),
      )),
      ...(scope === 'Local'
        ? []
        : await Promise.all(
            MANAGED_POLICIES.map(async (p) => ({
              ...awsInfo(p.arn)!,
              attachmentCount: await this.store.policies.attachmentCount(p.arn, caller.accountId),
            })),
          )),
    ];
    return onlyAttached ? infos.filter((p) => p.attachmentCount > 0) : infos;
  }

  async delete(caller: AuthenticatedPrincipal, arn: string): Promise<void> {
    if (managedPolicy(arn))
      throw new IdentityError('UnmodifiableEntity', `Cannot delete an AWS managed policy: ${arn}`);
    await this.find(caller, arn);
    await this.authorize(caller, 'iam:DeletePolicy', arn);
    const outcome = await this.store.policies.deleteManagedPolicy(arn);
    if (outcome === 'attached')
      throw new IdentityError('DeleteConflict', 'Cannot delete a policy attached to entities.');
    if (outcome === 'missing') throw missingPolicy(arn);
  }

  async attach(caller: AuthenticatedPrincipal, owner: OwnerRef, arn: string): Promise<void> {
    const { ref, arn: ownerArn } = await this.owner(caller, owner);
    await this.find(caller, arn);
    await this.authorize(caller, owner.type === 'user' ? 'iam:AttachUserPolicy' : 'iam:AttachRolePolicy', ownerArn);
    const attached = await this.store.policies.listAttachedPolicies(ref);
    if (!attached.includes(arn) && attached.length >= MAX_ATTACHED)
      throw new IdentityError(
        'LimitExceeded',
        `Cannot exceed quota for PoliciesPer${owner.type === 'user' ? 'User' : 'Role'}: ${MAX_ATTACHED}`,
      );
    await this.store.policies.attachPolicy(ref, arn);
    this.forget(ref);
  }

  async detach(caller: AuthenticatedPrincipal, owner: OwnerRef, arn: string): Promise<void> {
    const { ref, arn: ownerArn } = await this.owner(caller, owner);
    await this.authorize(caller, owner.type === 'user' ? 'iam:DetachUserPolicy' : 'iam:DetachRolePolicy', ownerArn);
    if (!(await this.store.policies.detachPolicy(ref, arn)))
      throw new IdentityError('NoSuchEntity', `Policy ${arn} was not found.`);
    this.forget(ref);
  }

  async attached(caller: AuthenticatedPrincipal, owner: OwnerRef): Promise<{ arn: string; name: string }[]> {
    const { ref, arn } = await this.owner(caller, owner);
    await this.authorize(
      caller,
      owner.type === 'user' ? 'iam:ListAttachedUserPolicies' : 'iam:ListAttachedRolePolicies',
      arn,
    );
    return (await this.store.policies.listAttachedPolicies(ref)).map((policy) => ({
      arn: policy,
      name: policy.slice(policy.lastIndexOf('/') + 1),
    }));
  }

  /** Why an owner cannot be deleted yet (IAM's DeleteConflict), or undefined. */
  async deletionConflict(ref: PolicyOwner): Promise<string | undefined> {
    if ((await this.store.policies.listInlinePolicies(ref)).length > 0)
      return 'Cannot delete entity, must delete policies first.';
    if ((await this.store.policies.listAttachedPolicies(ref)).length > 0)
      return 'Cannot delete entity, must detach all policies first.';
    return undefined;
  }

  /** A managed policy the caller's account may use: its own customer policy or an AWS managed one. */
  private async find(caller: AuthenticatedPrincipal, arn: string): Promise<PolicyInfo> {
    const builtIn = awsInfo(arn);
    if (builtIn)
      return { ...builtIn, attachmentCount: await this.store.policies.attachmentCount(arn, caller.accountId) };
    const record = arn.startsWith(`arn:aws:iam::${caller.accountId}:policy/`)
      ? await this.store.policies.getManagedPolicy(arn)
      : undefined;
    if (!record) throw missingPolicy(arn);
    return { ...toInfo(record), attachmentCount: await this.store.policies.attachmentCount(arn) };
  }

  private async owner(caller: AuthenticatedPrincipal, owner: OwnerRef): Promise<{ ref: PolicyOwner; arn: string }> {
    if (owner.type === 'user') {
      const user = await this.users.named(caller.accountId, owner.name);
      return { ref: { type: 'user', id: user.id }, arn: user.arn };
    }
    const role = await this.roles.named(caller.accountId, owner.name);
    return { ref: { type: 'role', id: role.id }, arn: role.arn };
  }
}

function validate(document: string, maxLength: number): void {
  try {
    parsePolicy(document, { kind: 'identity', maxLength });
  } catch (err) {
    if (err instanceof PolicyValidationError) throw new IdentityError('MalformedPolicyDocument', err.message);
    throw err;
  }
}

function missingPolicy(arn: string): IdentityError {
  return new IdentityError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
}

function toInfo(record: ManagedPolicyRecord): Omit<PolicyInfo, 'attachmentCount'> {
  return {
    arn: record.arn,
    name: record.name,
    id: record.id,
    path: record.path,
    description: record.description,
    text: record.policyText,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** An AWS managed policy as IAM lists it, but for its attachment count (per account: the caller's). */
function awsInfo(arn: string): Omit<PolicyInfo, 'attachmentCount'> | undefined {
  const policy = managedPolicy(arn);
  if (!policy) return undefined;
  const id = `ANPA${Buffer.from(policy.name).toString('hex').toUpperCase().slice(0, 17)}`;
  return {
    arn: policy.arn,
    name: policy.name,
    id,
    path: '/',
    description: null,
    text: policy.text,
    createdAt: policy.createdAt,
    updatedAt: policy.updatedAt,
  };
}
