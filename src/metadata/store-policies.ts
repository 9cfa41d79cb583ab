// The policy index of the metadata port: resource-based and identity-based policies as stored.
// Adapter: kysely-policies.ts.
import type { ManagedPolicyRecord, PolicyOwner, StoredPolicy } from '../domain/records/policies.js';

/**
 * Policies: the resource-based ones (a repository's, a registry's) and the identity-based ones
 * (inline policies of users and roles, customer managed policies and their attachments). Texts
 * are stored as given; validation is the policy engine's, before anything is stored.
 */
export interface PolicyIndex {
  getRepositoryPolicy(repositoryId: string): Promise<string | undefined>;
  /** False (and nothing changes) when the repository does not exist. */
  setRepositoryPolicy(repositoryId: string, policyText: string, at: number): Promise<boolean>;
  /** The text that was deleted, or undefined when there was none. */
  deleteRepositoryPolicy(repositoryId: string): Promise<string | undefined>;
  getRegistryPolicy(accountId: string): Promise<string | undefined>;
  putRegistryPolicy(accountId: string, policyText: string, at: number): Promise<void>;
  deleteRegistryPolicy(accountId: string): Promise<string | undefined>;

  /** Creates or replaces the owner's inline policy of that name. */
  putInlinePolicy(owner: PolicyOwner, name: string, policyText: string): Promise<void>;
  getInlinePolicy(owner: PolicyOwner, name: string): Promise<string | undefined>;
  /** By name, in byte order. */
  listInlinePolicies(owner: PolicyOwner): Promise<StoredPolicy[]>;
  deleteInlinePolicy(owner: PolicyOwner, name: string): Promise<boolean>;

  /** False when the account has a policy of that name already. */
  createManagedPolicy(policy: ManagedPolicyRecord): Promise<boolean>;
  getManagedPolicy(arn: string): Promise<ManagedPolicyRecord | undefined>;
  /** The account's customer managed policies by name. */
  listManagedPolicies(accountId: string): Promise<ManagedPolicyRecord[]>;
  /** 'attached' (and nothing changes) while an owner has it attached, as IAM's DeleteConflict. */
  deleteManagedPolicy(arn: string): Promise<'deleted' | 'missing' | 'attached'>;
  /** Attaches a policy by ARN (customer or AWS managed); false when already attached. */
  attachPolicy(owner: PolicyOwner, policyArn: string): Promise<boolean>;
  detachPolicy(owner: PolicyOwner, policyArn: string): Promise<boolean>;
  /** ARNs in byte order. */
  listAttachedPolicies(owner: PolicyOwner): Promise<string[]>;
  /** How many owners have the policy attached; only the users and roles of `accountId` when given (an AWS managed policy's count is per account). */
  attachmentCount(policyArn: string, accountId?: string): Promise<number>;
  /** Removes the owner's inline policies and attachments (when a user or role is deleted). */
  deleteOwner(owner: PolicyOwner): Promise<void>;
  /**
   * What the authorizer reads per request: the owner's inline policies (named by their names)
   * and the texts of its attached customer managed policies (named by ARN), and the ARNs of
   * attached policies without a row (AWS managed ones, resolved by the policy layer).
   */
  identityPolicies(owner: PolicyOwner): Promise<{ policies: StoredPolicy[]; otherArns: string[] }>;
}
