// Accounts, users and access keys: creation, the bootstrap administrator, and the lookup of an
// access key's secret for signature checks (cached briefly per node, so a deactivated or deleted
// key stops working within KEY_CACHE_MS on every node).
import { randomBytes, randomInt } from 'node:crypto';
import type { MasterKey } from '../keys/master-key.js';
import type { AccessKey, Account, MetadataStore, User } from '../metadata/store.js';
import type { Principal } from './authorizer.js';

export const KEY_CACHE_MS = 5_000;
const KEY_ID = /^AKIA[A-Z2-7]{16}$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomId(prefix: string, length: number): string {
  let id = prefix;
  for (const byte of randomBytes(length)) id += ALPHABET[byte % 32];
  return id;
}

export function newAccountId(): string {
  return String(randomInt(100_000_000_000, 999_999_999_999));
}

export function isAccessKeyId(value: string): boolean {
  return KEY_ID.test(value);
}

export interface ResolvedKey {
  principal: Extract<Principal, { kind: 'user' }>;
  secret: string;
  active: boolean;
}

export interface NewAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export class IdentityService {
  private readonly cache = new Map<string, { at: number; value: ResolvedKey | undefined }>();

  constructor(private readonly store: MetadataStore, private readonly masterKey: MasterKey) {}

  /** Creates an account with its root identity. */
  async createAccount(id: string = newAccountId()): Promise<Account> {
    const account = await this.store.identities.ensureAccount(id, Date.now());
    await this.store.identities.createUser({ id: randomId('AIDA', 17), accountId: id, name: 'root', kind: 'root', arn: `arn:aws:iam::${id}:root`, createdAt: Date.now() });
    return account;
  }

  async root(accountId: string): Promise<User> {
    const user = await this.store.identities.getUserByName(accountId, 'root');
    if (!user || user.kind !== 'root') throw new Error(`account ${accountId} has no root identity`);
    return user;
  }

  /** Creates an IAM user; undefined when the account already has one of that name. */
  async createUser(accountId: string, name: string): Promise<User | undefined> {
    const user: User = { id: randomId('AIDA', 17), accountId, name, kind: 'user', arn: `arn:aws:iam::${accountId}:user/${name}`, createdAt: Date.now() };
    return (await this.store.identities.createUser(user)) ? user : undefined;
  }

  /** Creates an access key; the secret is returned this once and stored only encrypted. */
  async createAccessKey(userId: string, pinned?: NewAccessKey): Promise<NewAccessKey> {
    const accessKeyId = pinned?.accessKeyId ?? randomId('AKIA', 16);
    const secretAccessKey = pinned?.secretAccessKey ?? randomBytes(30).toString('base64');
    if (!isAccessKeyId(accessKeyId)) throw new Error('an access key id is AKIA followed by 16 characters A-Z and 2-7');
    if (secretAccessKey.length < 20 || secretAccessKey.length > 128) throw new Error('a secret access key has 20 to 128 characters');
    const key: AccessKey = {
      id: accessKeyId, userId, secretCiphertext: this.masterKey.encrypt(secretAccessKey, `access-key:${accessKeyId}`),
      status: 'Active', createdAt: Date.now(), lastUsedAt: null,
    };
    await this.store.identities.createAccessKey(key);
    return { accessKeyId, secretAccessKey };
  }

  /**
   * Makes sure the default account has an administrator key: the pinned one (when given and not
   * there yet), or a new one when the root has none. Returns a key only when it was just created.
   */
  async bootstrap(accountId: string, pinned?: NewAccessKey): Promise<NewAccessKey | undefined> {
    // Unconditionally (both steps are idempotent): a node starting beside another may see the
    // other's account before its root identity is committed.
    await this.createAccount(accountId);
    const root = await this.root(accountId);
    if (pinned) {
      const existing = await this.store.identities.getAccessKey(pinned.accessKeyId);
      if (existing) return undefined;
      try {
        return await this.createAccessKey(root.id, pinned);
      } catch (err) {
        // Another node starting at the same time created it first.
        if (await this.store.identities.getAccessKey(pinned.accessKeyId)) return undefined;
        throw err;
      }
    }
    if ((await this.store.identities.listAccessKeys(root.id)).length > 0) return undefined;
    return this.createAccessKey(root.id);
  }

  /** The identity and secret behind an access key id (cached for KEY_CACHE_MS). */
  async resolve(accessKeyId: string, now = Date.now()): Promise<ResolvedKey | undefined> {
    const cached = this.cache.get(accessKeyId);
    if (cached && now - cached.at < KEY_CACHE_MS) return cached.value;
    const found = isAccessKeyId(accessKeyId) ? await this.store.identities.getAccessKey(accessKeyId) : undefined;
    const value: ResolvedKey | undefined = found && {
      principal: { kind: 'user', accountId: found.user.accountId, arn: found.user.arn, userId: found.user.id, accessKeyId },
      secret: this.masterKey.decrypt(found.key.secretCiphertext, `access-key:${accessKeyId}`),
      active: found.key.status === 'Active',
    };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(accessKeyId, { at: now, value });
    return value;
  }

  /** Forgets cached keys (after this node changed one). */
  forget(accessKeyId?: string): void {
    if (accessKeyId) this.cache.delete(accessKeyId);
    else this.cache.clear();
  }
}
