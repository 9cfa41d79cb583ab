// The records of the KMS index (metadata/store-kms.ts): the key service's keys, their material,
// aliases and grants.

export type KmsKeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';

export interface KmsKey {
  id: string;
  accountId: string;
  arn: string;
  description: string;
  state: KmsKeyState;
  keyUsage: string;
  keySpec: string;
  createdAt: number;
  deletionDate: number | null;
  pendingWindowDays: number | null;
  rotationEnabled: boolean;
  rotationPeriodDays: number | null;
  policy: string;
}

export interface KmsKeyMaterial {
  keyId: string;
  version: number;
  /** Sealed with the master key. */
  sealed: string;
  createdAt: number;
}

export interface KmsAlias {
  accountId: string;
  /** With its `alias/` prefix. */
  name: string;
  keyId: string;
  createdAt: number;
  updatedAt: number;
}

/** A grant's encryption context constraints (KMS GrantConstraints). */
export interface KmsGrantConstraints {
  encryptionContextSubset?: Record<string, string>;
  encryptionContextEquals?: Record<string, string>;
}

/** A grant on a key: its grantee may do the listed operations (KMS CreateGrant). */
export interface KmsGrant {
  /** 64 hex digits, unique across keys. */
  id: string;
  keyId: string;
  name: string | null;
  granteePrincipal: string;
  retiringPrincipal: string | null;
  /** The account the grant was created in (its creator's). */
  issuingAccount: string;
  operations: string[];
  constraints: KmsGrantConstraints | null;
  /** What CreateGrant returned; RetireGrant may name the grant by it. */
  token: string;
  createdAt: number;
}
