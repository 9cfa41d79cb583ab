// Registry aliases: each account's default alias, made with its public registry; custom aliases
// requested by accounts, refused when malformed or reserved, PENDING until an administrator
// approves (it becomes primary, the default keeps working) or rejects them; and which account an
// alias in a pull reference names.
import { aliasProblem, randomDefaultAlias } from '../domain/aliases.js';
import { ManagementError } from '../domain/management-errors.js';
import type { AliasStatus, PublicRegistry, RegistryAlias } from '../domain/records/public.js';
import type { MetadataStore } from '../metadata/store.js';

/** How long a resolved alias is trusted; an approval shows on every node within this. */
const RESOLVE_CACHE_MS = 5_000;

export class AliasService {
  private readonly resolved = new Map<string, { at: number; accountId: string | undefined }>();

  constructor(
    private readonly store: Pick<MetadataStore, 'publicRegistry'>,
    private readonly reservedVendors: readonly string[],
  ) {}

  /** The account's public registry, made with a fresh default alias the first time. */
  async ensureRegistry(accountId: string): Promise<PublicRegistry> {
    const existing = await this.store.publicRegistry.registry(accountId);
    if (existing) return existing;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.store.publicRegistry.ensureRegistry(accountId, randomDefaultAlias(), Date.now());
      } catch (err) {
        // The random name was taken (36^7 names make this rare): try another.
        if (attempt >= 4) throw err;
      }
    }
  }

  /** Asks for a custom alias for the account: PENDING until an administrator decides. */
  async request(accountId: string, name: string): Promise<RegistryAlias> {
    const problem = aliasProblem(name, this.reservedVendors);
    if (problem) throw new ManagementError('INVALID_PARAMETER', `Invalid parameter at 'aliasName': ${problem}`);
    await this.ensureRegistry(accountId);
    if (!(await this.store.publicRegistry.requestAlias(accountId, name, Date.now()))) {
      throw new ManagementError(
        'INVALID_PARAMETER',
        `Invalid parameter at 'aliasName': the alias '${name}' is taken or already requested`,
      );
    }
    return (await this.store.publicRegistry.alias(name))!;
  }

  list(status?: AliasStatus): Promise<RegistryAlias[]> {
    return this.store.publicRegistry.allAliases(status);
  }

  /** The account's aliases, default first. */
  ofAccount(accountId: string): Promise<RegistryAlias[]> {
    return this.store.publicRegistry.aliases(accountId);
  }

  async approve(name: string): Promise<RegistryAlias> {
    return this.decide(name, true);
  }

  async reject(name: string): Promise<RegistryAlias> {
    return this.decide(name, false);
  }

  /** The name clients use for the account's public registry: its primary alias, else its default. */
  async primary(accountId: string): Promise<string | undefined> {
    const aliases = await this.store.publicRegistry.aliases(accountId);
    return (aliases.find((a) => a.primary && a.status === 'ACTIVE') ?? aliases.find((a) => a.default))?.name;
  }

  /** The account an ACTIVE alias names; undefined for any other name. */
  async resolve(name: string): Promise<string | undefined> {
    const now = Date.now();
    const cached = this.resolved.get(name);
    if (cached && now - cached.at < RESOLVE_CACHE_MS) return cached.accountId;
    const alias = await this.store.publicRegistry.alias(name);
    const accountId = alias?.status === 'ACTIVE' ? alias.accountId : undefined;
    if (this.resolved.size >= 10_000) this.resolved.clear();
    this.resolved.set(name, { at: now, accountId });
    return accountId;
  }

  private async decide(name: string, approve: boolean): Promise<RegistryAlias> {
    const decided = await this.store.publicRegistry.decideAlias(name, approve);
    if (!decided) throw new ManagementError('INVALID_PARAMETER', `no pending alias is called '${name}'`);
    this.resolved.delete(name);
    return decided;
  }
}
