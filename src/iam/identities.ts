// Accounts, users and access keys: their administration, the bootstrap administrator, and the
// lookup of an access key's secret for signature checks (cached briefly per node, so a key
// deactivated or deleted elsewhere stops working within KEY_CACHE_MS on every node).
import { randomBytes, randomInt } from 'node:crypto';
import type { MasterKey } from '../keys/master-key.js';
import { accessKeyContext } from './access-key-secrets.js';
import type { AccessKey, AccessKeyStatus, Account, User } from '../domain/records/identities.js';
import type { MetadataStore } from '../metadata/store.js';
import type { AuthenticatedPrincipal } from '../domain/principal.js';

export const KEY_CACHE_MS = 5_000;
const KEY_ID = /^AKIA[A-Z2-7]{16}$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomId(prefix: string, length: number): string {
  let id = prefix;
  for (const byte of randomBytes(length)) id += ALPHABET[byte % 32];
  return id;
}

const ACCOUNT_ID = /^\d{12}$/;
/** IAM's user names: 1 to 64 of letters, digits and + = , . @ _ - */
const USER_NAME = /^[\w+=,.@-]{1,64}$/;

export type IdentityErrorCode =
  | 'NoSuchEntity'
  | 'EntityAlreadyExists'
  | 'DeleteConflict'
  | 'InvalidInput'
  | 'LimitExceeded'
  | 'MalformedPolicyDocument'
  | 'PolicyNotAttachable'
  | 'UnmodifiableEntity'
  | 'PasswordPolicyViolation'
  | 'InvalidUserType'
  | 'EntityTemporarilyUnmodifiable'
  // STS (sts.service-2.json) and the query protocol's AccessDenied
  | 'InvalidIdentityToken'
  | 'IDPCommunicationError'
  | 'IDPRejectedClaim'
  | 'ExpiredTokenException'
  | 'PackedPolicyTooLarge'
  | 'AccessDenied'
  | 'ValidationError'
  | 'InvalidParameterValue';

/** A refused change, named as IAM names it (the codes of iam.service-2.json). */
export class IdentityError extends Error {
  constructor(
    readonly code: IdentityErrorCode,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

export function newAccountId(): string {
  return String(randomInt(100_000_000_000, 999_999_999_999));
}

export function isAccessKeyId(value: string): boolean {
  return KEY_ID.test(value);
}

export interface ResolvedKey {
  principal: AuthenticatedPrincipal;
  secret: string;
  active: boolean;
}

export interface NewAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

/** An access key as administrators see it: never its secret. */
export interface AccessKeyInfo {
  accessKeyId: string;
  userName: string;
  status: AccessKeyStatus;
  createdAt: number;
  lastUsedAt: number | null;
  /** The service and region of the last use; null until the key is used. */
  lastUsedService: string | null;
  lastUsedRegion: string | null;
}

export class IdentityService {
  private readonly cache = new Map<string, { at: number; value: ResolvedKey | undefined }>();

  constructor(
    private readonly store: Pick<MetadataStore, 'identities' | 'settings'>,
    private readonly masterKey: MasterKey,
  ) {}

  /** Creates an account with its root identity; EntityAlreadyExists when there is one with that id. */
  async createAccount(id: string = newAccountId()): Promise<Account> {
    if (!ACCOUNT_ID.test(id)) throw new IdentityError('InvalidInput', `an account id is 12 digits, not "${id}"`);
    if (await this.store.identities.getAccount(id))
      throw new IdentityError('EntityAlreadyExists', `account ${id} already exists`);
    return this.ensureAccount(id);
  }

  /** The account with its root identity, created when missing (safe when several nodes race). */
  async ensureAccount(id: string): Promise<Account> {
    const account = await this.store.identities.ensureAccount(id, Date.now());
    await this.store.identities.createUser({
      id: randomId('AIDA', 17),
      accountId: id,
      name: 'root',
      kind: 'root',
      arn: `arn:aws:iam::${id}:root`,
      createdAt: Date.now(),
    });
    return account;
  }

  listAccounts(): Promise<Account[]> {
    return this.store.identities.listAccounts();
  }

  /** The account; NoSuchEntity when there is none. */
  async account(id: string): Promise<Account> {
    const account = ACCOUNT_ID.test(id) ? await this.store.identities.getAccount(id) : undefined;
    if (!account) throw new IdentityError('NoSuchEntity', `no account ${id}`);
    return account;
  }

  async root(accountId: string): Promise<User> {
    const user = await this.store.identities.getUserByName(accountId, 'root');
    if (user?.kind !== 'root') throw new Error(`account ${accountId} has no root identity`);
    return user;
  }

  /** Creates an IAM user; undefined when the account already has one of that name. */
  async createUser(accountId: string, name: string): Promise<User | undefined> {
    if (!USER_NAME.test(name))
      throw new IdentityError(
        'InvalidInput',
        `a user name is 1 to 64 letters, digits and + = , . @ _ -, not "${name}"`,
      );
    await this.account(accountId);
    const user: User = {
      id: randomId('AIDA', 17),
      accountId,
      name,
      kind: 'user',
      arn: `arn:aws:iam::${accountId}:user/${name}`,
      createdAt: Date.now(),
    };
    return (await this.store.identities.createUser(user)) ? user : undefined;
  }

  /** The account's identities, its root first. */
  async listUsers(accountId: string): Promise<User[]> {
    await this.account(accountId);
    const users = await this.store.identities.listUsers(accountId);
    return users.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'root' ? -1 : 1));
  }

  /** The identity called `name` (the root identity is "root", and the default); NoSuchEntity when missing. */
  async user(accountId: string, name = 'root'): Promise<User> {
    await this.account(accountId);
    const user = await this.store.identities.getUserByName(accountId, name);
    if (!user) throw new IdentityError('NoSuchEntity', `account ${accountId} has no user ${name}`);
    return user;
  }

  /** Deletes an IAM user and its access keys, which stop working on this node at once. */
  async deleteUser(accountId: string, name: string): Promise<void> {
    if (name === 'root') throw new IdentityError('DeleteConflict', "an account's root identity cannot be deleted");
    const user = await this.user(accountId, name);
    const keys = await this.store.identities.listAccessKeys(user.id);
    await this.store.identities.deleteUser(user.id);
    for (const key of keys) this.forget(key.id);
  }

  /** Creates an access key for the root identity (no `userName`) or an IAM user. */
  async createAccessKeyFor(accountId: string, userName?: string): Promise<NewAccessKey & { user: User }> {
    const user = await this.user(accountId, userName);
    return { ...(await this.createAccessKey(user.id)), user };
  }

  /** The access keys of one identity, or of every identity of the account when `userName` is undefined. */
  async listAccessKeys(accountId: string, userName?: string): Promise<AccessKeyInfo[]> {
    const users = userName === undefined ? await this.listUsers(accountId) : [await this.user(accountId, userName)];
    const lists = await Promise.all(
      users.map(async (user) =>
        (await this.store.identities.listAccessKeys(user.id)).map((key) => ({
          accessKeyId: key.id,
          userName: user.name,
          status: key.status,
          createdAt: key.createdAt,
          lastUsedAt: key.lastUsedAt,
          lastUsedService: key.lastUsedService,
          lastUsedRegion: key.lastUsedRegion,
        })),
      ),
    );
    return lists.flat();
  }

  /** Activates or deactivates a key; on this node at once, on others within KEY_CACHE_MS. */
  async setAccessKeyStatus(accessKeyId: string, status: AccessKeyStatus): Promise<void> {
    if (!isAccessKeyId(accessKeyId) || !(await this.store.identities.setAccessKeyStatus(accessKeyId, status))) {
      throw new IdentityError('NoSuchEntity', `no access key ${accessKeyId}`);
    }
    this.forget(accessKeyId);
  }

  /** Deletes a key; on this node at once, on others within KEY_CACHE_MS. */
  async deleteAccessKey(accessKeyId: string): Promise<void> {
    if (!isAccessKeyId(accessKeyId) || !(await this.store.identities.deleteAccessKey(accessKeyId))) {
      throw new IdentityError('NoSuchEntity', `no access key ${accessKeyId}`);
    }
    this.forget(accessKeyId);
  }

  /** Creates an access key; the secret is returned this once and stored only encrypted. */
  async createAccessKey(userId: string, pinned?: NewAccessKey): Promise<NewAccessKey> {
    const accessKeyId = pinned?.accessKeyId ?? randomId('AKIA', 16);
    const secretAccessKey = pinned?.secretAccessKey ?? randomBytes(30).toString('base64');
    if (!isAccessKeyId(accessKeyId)) throw new Error('an access key id is AKIA followed by 16 characters A-Z and 2-7');
    if (secretAccessKey.length < 20 || secretAccessKey.length > 128)
      throw new Error('a secret access key has 20 to 128 characters');
    const key: AccessKey = {
      id: accessKeyId,
      userId,
      secretCiphertext: this.masterKey.encrypt(secretAccessKey, accessKeyContext(accessKeyId)),
      status: 'Active',
      createdAt: Date.now(),
      lastUsedAt: null,
      lastUsedService: null,
      lastUsedRegion: null,
    };
    await this.store.identities.createAccessKey(key);
    return { accessKeyId, secretAccessKey };
  }

  /**
   * Makes sure the default account has an administrator key: the pinned one (when given and not
   * there yet), or a new one when the root has none. Returns a key only when it was just created.
   */
  async bootstrap(accountId: string, pinned?: NewAccessKey): Promise<NewAccessKey | undefined> {
    await this.ensureAccount(accountId);
    const root = await this.root(accountId);
    if (pinned) {
      const existing = await this.store.identities.getAccessKey(pinned.accessKeyId);
      if (existing) return undefined;
      try {
        return await this.createAccessKey(root.id, pinned);
      } catch (err) {
        // Another node starting at the same moment created it first.
        if (await this.store.identities.getAccessKey(pinned.accessKeyId)) return undefined;
        throw err;
      }
    }
    if ((await this.store.identities.listAccessKeys(root.id)).length > 0) return undefined;
    // Nodes starting at once on a new database: only the one that claims the bootstrap creates
    // (and prints) a key. Once made, it is never made again, even if the root's keys are removed.
    const claim = randomBytes(16).toString('hex');
    if ((await this.store.settings.setIfAbsent(`bootstrap_admin_key:${accountId}`, claim)) !== claim) return undefined;
    return this.createAccessKey(root.id);
  }

  /** The identity and secret behind an access key id (cached for KEY_CACHE_MS). */
  async resolve(accessKeyId: string, now = Date.now()): Promise<ResolvedKey | undefined> {
    const cached = this.cache.get(accessKeyId);
    if (cached && now - cached.at < KEY_CACHE_MS) return cached.value;
    const found = isAccessKeyId(accessKeyId) ? await this.store.identities.getAccessKey(accessKeyId) : undefined;
    const value: ResolvedKey | undefined = found && {
      principal:
        found.user.kind === 'root'
          ? { kind: 'root', accountId: found.user.accountId, arn: found.user.arn, userId: found.user.id, accessKeyId }
          : {
              kind: 'user',
              accountId: found.user.accountId,
              arn: found.user.arn,
              userId: found.user.id,
              userName: found.user.name,
              accessKeyId,
            },
      secret: this.masterKey.decrypt(found.key.secretCiphertext, accessKeyContext(accessKeyId)),
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
