// Naming and finding the key service's keys: key and alias ARNs of this region, and the key a
// KeyId names (a key id, key ARN, alias name or alias ARN). Finding checks nothing about who
// asks: the callers authorize on the key found.
import { KmsError } from '../domain/kms-errors.js';
import type { KmsKey } from '../domain/records/kms.js';
import type { MetadataStore } from '../metadata/store.js';
import { deleted } from './key-states.js';

export const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The key a key ARN of this region names; undefined for any other ARN (aliases, key/*, other services). */
export function parseKeyArn(arn: string, region: string): { accountId: string; id: string } | undefined {
  const match = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/.exec(arn);
  return match && match[1] === region && KEY_ID.test(match[3]!) ? { accountId: match[2]!, id: match[3]! } : undefined;
}

/** The account of an ARN (its fifth field). */
export function arnAccountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

export class KeyDirectory {
  constructor(
    private readonly store: Pick<MetadataStore, 'kms'>,
    readonly region: string,
  ) {}

  keyArn(accountId: string, id: string): string {
    return `arn:aws:kms:${this.region}:${accountId}:key/${id}`;
  }

  aliasArn(accountId: string, name: string): string {
    return `arn:aws:kms:${this.region}:${accountId}:${name}`;
  }

  /**
   * The key a KeyId names: a key id, key ARN, alias name or alias ARN. Keys of other accounts
   * only by ARN. A key whose deletion date has passed is gone.
   */
  async find(accountId: string, reference: string): Promise<KmsKey> {
    let account = accountId;
    let ref = reference;
    const arn = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):((?:key|alias)\/.+)$/.exec(reference);
    if (reference.startsWith('arn:')) {
      if (!arn || arn[1] !== this.region)
        throw new KmsError('InvalidArnException', `${reference} is not a KMS key or alias ARN of ${this.region}`);
      account = arn[2]!;
      ref = arn[3]!;
    }
    let id = ref.startsWith('key/') ? ref.slice(4) : ref;
    if (ref.startsWith('alias/')) {
      const alias = await this.store.kms.getAlias(account, ref);
      if (!alias) throw new KmsError('NotFoundException', `Alias ${this.aliasArn(account, ref)} is not found.`);
      id = alias.keyId;
    }
    const key = KEY_ID.test(id) ? await this.store.kms.getKey(id) : undefined;
    if (!key || key.accountId !== account || deleted(key, Date.now())) {
      throw new KmsError('NotFoundException', `Key '${this.keyArn(account, id)}' does not exist`);
    }
    return key;
  }

  /** The names of the key's aliases, for kms:ResourceAliases (KMS evaluates at most 100). */
  async aliasesOf(key: KmsKey): Promise<string[]> {
    return (await this.store.kms.listAliases(key.accountId, key.id, undefined, 100)).map((alias) => alias.name);
  }
}
