// The records of the identity index (metadata/store-identities.ts): accounts, their users and the
// users' access keys.

export interface Account {
  id: string;
  createdAt: number;
}

export interface User {
  id: string;
  accountId: string;
  name: string;
  /** The account's root identity, or an IAM user. */
  kind: 'root' | 'user';
  arn: string;
  createdAt: number;
}

export type AccessKeyStatus = 'Active' | 'Inactive';

export interface AccessKey {
  id: string;
  userId: string;
  /** The secret, encrypted with the master key. */
  secretCiphertext: string;
  status: AccessKeyStatus;
  createdAt: number;
  lastUsedAt: number | null;
  /** The service and region of the last use (the SigV4 scope's), null until used. */
  lastUsedService: string | null;
  lastUsedRegion: string | null;
}

/** A use of an access key: when, for which service, in which region. */
export interface AccessKeyUse {
  id: string;
  at: number;
  service: string;
  region: string;
}
