// Authorizing a caller's use of the key service: every operation on a key is authorized on the
// key's ARN, where the key's policy is the primary control (the authorizer's resource policy for
// key ARNs, KMS's rule), or else by a grant on the key for the caller. The key and grant services
// share it (KeyAccess), so neither imports the other.
import type { Action } from '../domain/actions.js';
import type { Authorizer, GrantMatch } from '../domain/authorizer.js';
import { RegistryError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import type { KmsKey } from '../domain/records/kms.js';
import type { RequestFacts } from '../domain/request-facts.js';
import type { MetadataStore } from '../metadata/store.js';
import { kmsConditionValues, type KmsRequest } from './condition-keys.js';
import { coveringGrant, granteesOf, grantOperationsOf, type GrantScope } from './grant-rules.js';
import type { KeyDirectory } from './key-directory.js';

export interface KmsContext {
  principal: Principal;
  accountId: string;
  /** What the face knows of the request, for key and identity policy conditions. */
  facts?: RequestFacts;
  /** The service calling for the principal (kms:ViaService), e.g. ECR using a repository's key. */
  viaService?: string;
}

/** What the grant service asks of the keys: finding one, and authorizing a caller on it or on the account. */
export interface KeyAccess {
  find(accountId: string, reference: string): Promise<KmsKey>;
  authorizeOn(ctx: KmsContext, action: Action, key: KmsKey, request?: KmsRequest, proposed?: GrantScope): Promise<void>;
  authorizeAccount(ctx: KmsContext, action: Action, resource: string): Promise<void>;
}

/** Whether a grant on `key` lets this caller do `action` (undefined when none does). */
export async function grantCovering(
  store: Pick<MetadataStore, 'kms'>,
  principal: Principal,
  action: Action,
  key: KmsKey,
  request: KmsRequest,
  proposed?: GrantScope,
): Promise<GrantMatch | undefined> {
  const operation = action.slice('kms:'.length);
  // A grant's RetireGrant lets its grantee retire that grant only (GrantService.retire), not others on the key.
  if (!grantOperationsOf(key).has(operation) || operation === 'RetireGrant') return undefined;
  const { direct, account } = granteesOf(principal);
  const grants = await store.kms.grantsFor(key.id, account === undefined ? direct : [...direct, account]);
  return coveringGrant(grants, principal, {
    operation,
    ...(request.encryptionContext && { encryptionContext: request.encryptionContext }),
    ...(proposed && { proposed }),
  });
}

export class KeyAuthorization implements KeyAccess {
  constructor(
    private readonly store: Pick<MetadataStore, 'kms'>,
    private readonly authorizer: Authorizer,
    readonly directory: KeyDirectory,
  ) {}

  /** Authorizes `action` on `resource` by the caller's policies; `proposedPolicy` is a key policy about to be stored. */
  async authorize(
    ctx: KmsContext,
    action: Action,
    resource: string,
    request: KmsRequest = {},
    proposedPolicy?: string,
    grant?: GrantMatch,
  ): Promise<void> {
    const facts = {
      ...ctx.facts,
      serviceValues: kmsConditionValues(
        { accountId: ctx.accountId, ...(ctx.viaService !== undefined && { viaService: ctx.viaService }) },
        request,
      ),
    };
    await this.authorizer.authorize({
      principal: ctx.principal,
      action,
      resource,
      facts,
      ...(proposedPolicy !== undefined && { proposedPolicy }),
      ...(grant && { grant }),
    });
  }

  /**
   * Authorizes `action` on `key` by the key policy and the caller's identity policies, or else
   * by a grant on the key for the caller (a grant allows; an explicit deny in a policy still
   * wins). `proposed` is the grant a CreateGrant asks for, which a grant's CreateGrant
   * permission must cover.
   */
  async authorizeOn(
    ctx: KmsContext,
    action: Action,
    key: KmsKey,
    request: KmsRequest = {},
    proposed?: GrantScope,
  ): Promise<void> {
    const full: KmsRequest = { key, aliases: await this.directory.aliasesOf(key), ...request };
    try {
      await this.authorize(ctx, action, key.arn, full);
    } catch (err) {
      if (!(err instanceof RegistryError)) throw err;
      const grant = await grantCovering(this.store, ctx.principal, action, key, request, proposed);
      if (!grant) throw err;
      await this.authorize(ctx, action, key.arn, full, undefined, grant);
    }
  }

  /** Authorizes an action that is on no key (kms:ListRetirableGrants on a principal of the caller's account). */
  authorizeAccount(ctx: KmsContext, action: Action, resource: string): Promise<void> {
    return this.authorize(ctx, action, resource);
  }

  find(accountId: string, reference: string): Promise<KmsKey> {
    return this.directory.find(accountId, reference);
  }

  /** The key `reference` names, once the caller may do `action` on it (`request` says more for conditions). */
  async target(ctx: KmsContext, reference: string, action: Action, request: KmsRequest = {}): Promise<KmsKey> {
    const key = await this.directory.find(ctx.accountId, reference);
    await this.authorizeOn(ctx, action, key, { reference, ...request });
    return key;
  }
}
