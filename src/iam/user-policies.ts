// A user's identity policies: inline ones (PutUserPolicy) and attached managed ones
// (AttachUserPolicy; AWS managed or the account's customer managed). Validated by the policy
// engine before anything is stored; `berth admin policies` and the IAM API call this.
import type { MetadataStore } from '../metadata/store.js';
import type { PolicyOwner } from '../domain/records/policies.js';
import type { User } from '../domain/records/identities.js';
import { parsePolicy, PolicyValidationError, POLICY_LIMITS } from '../policy/document.js';
import { MANAGED_POLICIES, managedPolicy } from '../policy/managed.js';
import { IdentityError, type IdentityService } from './identities.js';

/** IAM's policy names: 1 to 128 of letters, digits and + = , . @ _ - */
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;

export interface AttachedPolicy {
  policyName: string;
  policyArn: string;
}

export class UserPolicyService {
  /** `changed` is told of every change (the server's authorizer forgets what it cached for the owner). */
  constructor(
    private readonly store: Pick<MetadataStore, 'policies'>,
    private readonly identities: IdentityService,
    private readonly changed: (owner: PolicyOwner) => void = () => {},
  ) {}

  async putUserPolicy(accountId: string, userName: string, policyName: string, policyText: string): Promise<void> {
    const owner = await this.owner(accountId, userName);
    if (!POLICY_NAME.test(policyName))
      throw new IdentityError(
        'InvalidInput',
        `a policy name is 1 to 128 letters, digits and + = , . @ _ -, not "${policyName}"`,
      );
    try {
      parsePolicy(policyText, { kind: 'identity', maxLength: POLICY_LIMITS.userInline });
    } catch (err) {
      if (err instanceof PolicyValidationError) throw new IdentityError('MalformedPolicyDocument', err.message);
      throw err;
    }
    await this.store.policies.putInlinePolicy(owner, policyName, policyText);
    this.changed(owner);
  }

  async getUserPolicy(accountId: string, userName: string, policyName: string): Promise<string> {
    const text = await this.store.policies.getInlinePolicy(await this.owner(accountId, userName), policyName);
    if (text === undefined)
      throw new IdentityError('NoSuchEntity', `The user policy with name ${policyName} cannot be found.`);
    return text;
  }

  async listUserPolicies(accountId: string, userName: string): Promise<string[]> {
    return (await this.store.policies.listInlinePolicies(await this.owner(accountId, userName))).map((p) => p.name);
  }

  async deleteUserPolicy(accountId: string, userName: string, policyName: string): Promise<void> {
    const owner = await this.owner(accountId, userName);
    if (!(await this.store.policies.deleteInlinePolicy(owner, policyName)))
      throw new IdentityError('NoSuchEntity', `The user policy with name ${policyName} cannot be found.`);
    this.changed(owner);
  }

  /** Attaches an AWS managed policy, or a customer managed policy of the user's account. */
  async attachUserPolicy(accountId: string, userName: string, policyArn: string): Promise<void> {
    const owner = await this.owner(accountId, userName);
    await this.assertAttachable(accountId, policyArn);
    await this.store.policies.attachPolicy(owner, policyArn);
    this.changed(owner);
  }

  async detachUserPolicy(accountId: string, userName: string, policyArn: string): Promise<void> {
    const owner = await this.owner(accountId, userName);
    if (!(await this.store.policies.detachPolicy(owner, policyArn)))
      throw new IdentityError('NoSuchEntity', `Policy ${policyArn} was not found.`);
    this.changed(owner);
  }

  async listAttachedUserPolicies(accountId: string, userName: string): Promise<AttachedPolicy[]> {
    const arns = await this.store.policies.listAttachedPolicies(await this.owner(accountId, userName));
    return arns.map((arn) => ({ policyArn: arn, policyName: arn.slice(arn.lastIndexOf('/') + 1) }));
  }

  /** The AWS managed policies every account has. */
  awsManagedPolicies(): AttachedPolicy[] {
    return MANAGED_POLICIES.map((p) => ({ policyName: p.name, policyArn: p.arn }));
  }

  private async assertAttachable(accountId: string, policyArn: string): Promise<void> {
    if (managedPolicy(policyArn)) return;
    const customer = await this.store.policies.getManagedPolicy(policyArn);
    if (!customer || customer.accountId !== accountId)
      throw new IdentityError('NoSuchEntity', `Policy ${policyArn} does not exist or is not attachable.`);
  }

  /** The user's policy owner; the root identity takes no policies (it needs none). */
  private async owner(accountId: string, userName: string): Promise<PolicyOwner> {
    const user: User = await this.identities.user(accountId, userName);
    if (user.kind === 'root')
      throw new IdentityError(
        'InvalidInput',
        "an account's root identity takes no policies: it may do everything in its account",
      );
    return { type: 'user', id: user.id };
  }
}
