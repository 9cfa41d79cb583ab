// The records of the policy index (metadata/store-policies.ts): identity policies' owners and
// policies as stored.

/** Who an identity policy belongs to: an IAM user or role, by its unique id. */
export interface PolicyOwner {
  type: 'user' | 'role';
  id: string;
}

/** A customer managed policy (IAM CreatePolicy), one version kept. */
export interface ManagedPolicyRecord {
  arn: string;
  /** IAM's unique policy id (ANPA…). */
  id: string;
  accountId: string;
  name: string;
  path: string;
  description: string | null;
  policyText: string;
  createdAt: number;
  updatedAt: number;
}

/** A policy document as stored, with the name it is known by. */
export interface StoredPolicy {
  name: string;
  policyText: string;
}
