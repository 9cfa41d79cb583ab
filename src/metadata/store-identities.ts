// The identity index of the metadata port: accounts, their users and the users' access keys.
// Adapter: kysely-identities.ts.
import type { AccessKey, AccessKeyStatus, AccessKeyUse, Account, User } from '../domain/records/identities.js';

/** Accounts, their users and the users' access keys. */
export interface IdentityIndex {
  ensureAccount(id: string, at: number): Promise<Account>;
  getAccount(id: string): Promise<Account | undefined>;
  listAccounts(): Promise<Account[]>;
  /** False when the account already has a user of that name. */
  createUser(user: User): Promise<boolean>;
  getUser(id: string): Promise<User | undefined>;
  getUserByName(accountId: string, name: string): Promise<User | undefined>;
  listUsers(accountId: string): Promise<User[]>;
  /** Deletes the user and its access keys. */
  deleteUser(id: string): Promise<boolean>;
  createAccessKey(key: AccessKey): Promise<void>;
  /** The key with the user it belongs to. */
  getAccessKey(id: string): Promise<{ key: AccessKey; user: User } | undefined>;
  listAccessKeys(userId: string): Promise<AccessKey[]>;
  setAccessKeyStatus(id: string, status: AccessKeyStatus): Promise<boolean>;
  /** Replaces a key's sealed secret (master key rotation). */
  setAccessKeySecret(id: string, secretCiphertext: string): Promise<boolean>;
  deleteAccessKey(id: string): Promise<boolean>;
  /**
   * Records uses of keys (batched by the caller): each key keeps its latest use, so nodes
   * writing the same or older uses in any order change nothing (idempotent, the maximum wins).
   */
  recordAccessKeyUses(uses: readonly AccessKeyUse[]): Promise<void>;
}
