// Aliases of the key service's keys: CreateAlias and ListAliases (finding a key by alias is the
// key directory's).
import { KmsActions } from '../domain/actions.js';
import { KmsError } from '../domain/kms-errors.js';
import type { KmsAlias } from '../domain/records/kms.js';
import type { MetadataStore } from '../metadata/store.js';
import type { KeyAuthorization, KmsContext } from './key-authorization.js';
import { invalidState } from './key-states.js';

const ALIAS_NAME = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;

export class KeyAliases {
  constructor(
    private readonly store: Pick<MetadataStore, 'kms'>,
    private readonly access: KeyAuthorization,
  ) {}

  async create(ctx: KmsContext, name: string, targetReference: string): Promise<void> {
    if (!ALIAS_NAME.test(name) || name.startsWith('alias/aws/')) {
      throw new KmsError(
        'InvalidAliasNameException',
        `${name} is not a valid alias name: alias/ then letters, digits, /, _ and -, not alias/aws/`,
      );
    }
    const { directory } = this.access;
    const key = await this.access.target(ctx, targetReference, KmsActions.CreateAlias);
    if (key.state === 'PendingDeletion') throw invalidState(key);
    await this.access.authorize(ctx, KmsActions.CreateAlias, directory.aliasArn(ctx.accountId, name));
    const now = Date.now();
    if (
      !(await this.store.kms.createAlias({
        accountId: ctx.accountId,
        name,
        keyId: key.id,
        createdAt: now,
        updatedAt: now,
      }))
    ) {
      throw new KmsError(
        'AlreadyExistsException',
        `An alias with the name ${directory.aliasArn(ctx.accountId, name)} already exists`,
      );
    }
  }

  async list(
    ctx: KmsContext,
    keyReference: string | undefined,
    after: string | undefined,
    limit: number,
  ): Promise<KmsAlias[]> {
    const { directory } = this.access;
    const key = keyReference === undefined ? undefined : await directory.find(ctx.accountId, keyReference);
    await this.access.authorize(ctx, KmsActions.ListAliases, directory.aliasArn(ctx.accountId, '*'));
    return this.store.kms.listAliases(ctx.accountId, key?.id, after, limit);
  }
}
