// The key service (a KMS subset): customer keys with their lifecycle, aliases, policies and
// rotation, and the cryptography Berth needs from them (wrapping blobs' data keys). Keys belong
// to an account; every operation by a caller is authorized on the key's ARN, where the key's
// policy is the primary control (the authorizer's resource policy for key ARNs, KMS's rule).
import { randomBytes, randomUUID } from 'node:crypto';
import { KmsActions, type Action } from '../domain/actions.js';
import { RegistryError } from '../domain/errors.js';
import { KmsError } from '../domain/kms-errors.js';
import type { Authorizer } from '../domain/authorizer.js';
import type { Principal } from '../domain/principal.js';
import type { GrantMatch } from '../domain/authorizer.js';
import { PrincipalDirectory } from '../iam/principal-directory.js';
import type { RequestFacts } from '../domain/request-facts.js';
import type { Seal } from '../keys/shared-secret.js';
import type { KeyWrapping, RepositoryKeys } from '../domain/key-wrapping.js';
import type { KmsAlias, KmsKey } from '../domain/records/kms.js';
import type { MetadataStore } from '../metadata/store.js';
import { kmsConditionValues, type KmsRequest } from './condition-keys.js';
import type { GrantScope } from './grant-rules.js';
import { grantCovering } from './grant-service.js';
import { blobKey, type EncryptionContext } from './key-material.js';
import { KeyMaterials } from './key-materials.js';
import { deleted, invalidState, usable } from './key-states.js';
import { checkPolicy, defaultPolicy, LOCKOUT_MESSAGE } from './key-policy.js';

export interface KmsContext {
  principal: Principal;
  accountId: string;
  /** What the face knows of the request, for key and identity policy conditions. */
  facts?: RequestFacts;
  /** The service calling for the principal (kms:ViaService), e.g. ECR using a repository's key. */
  viaService?: string;
}

/** The alias of the key ECR uses for a KMS repository that names none (AWS managed in ECR). */
export const ECR_DEFAULT_ALIAS = 'alias/aws/ecr';
const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ALIAS_NAME = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;
const DAY_MS = 86_400_000;

/** The key a key ARN of this region names; undefined for any other ARN (aliases, key/*, other services). */
export function parseKeyArn(arn: string, region: string): { accountId: string; id: string } | undefined {
  const match = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/.exec(arn);
  return match && match[1] === region && KEY_ID.test(match[3]!) ? { accountId: match[2]!, id: match[3]! } : undefined;
}

export class KeyService implements KeyWrapping, RepositoryKeys {
  private readonly principals: PrincipalDirectory;
  private readonly materials: KeyMaterials;

  constructor(
    private readonly store: Pick<MetadataStore, 'kms' | 'identities' | 'roles' | 'oidcProviders'>,
    seal: Seal,
    private readonly authorizer: Authorizer,
    private readonly region: string,
  ) {
    this.principals = new PrincipalDirectory(store);
    this.materials = new KeyMaterials(store, seal);
  }

  /** A key policy well formed and naming only principals that exist (MalformedPolicyDocumentException, as KMS says it). */
  private async checkPolicy(policy: string): Promise<void> {
    const unknown = await this.principals.firstUnknown(checkPolicy(policy));
    if (unknown)
      throw new KmsError(
        'MalformedPolicyDocumentException',
        `Policy contains a statement with one or more invalid principals. (${unknown.element}: ${unknown.principal})`,
      );
  }

  keyArn(accountId: string, id: string): string {
    return `arn:aws:kms:${this.region}:${accountId}:key/${id}`;
  }

  aliasArn(accountId: string, name: string): string {
    return `arn:aws:kms:${this.region}:${accountId}:${name}`;
  }

  private async authorize(
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
    const full: KmsRequest = { key, aliases: await this.aliasesOf(key), ...request };
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

  /**
   * The lockout safety check: a key policy about to be stored must let its author call
   * PutKeyPolicy on the key afterwards (directly, or by enabling IAM policies that allow it).
   */
  private async checkLockout(ctx: KmsContext, keyArn: string, key: KmsRequest['key'], policy: string): Promise<void> {
    try {
      await this.authorize(ctx, KmsActions.PutKeyPolicy, keyArn, { key }, policy);
    } catch (err) {
      if (err instanceof RegistryError) throw new KmsError('MalformedPolicyDocumentException', LOCKOUT_MESSAGE);
      throw err;
    }
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

  /** The key `reference` names, once the caller may do `action` on it (`request` says more for conditions). */
  private async target(ctx: KmsContext, reference: string, action: Action, request: KmsRequest = {}): Promise<KmsKey> {
    const key = await this.find(ctx.accountId, reference);
    await this.authorizeOn(ctx, action, key, { reference, ...request });
    return key;
  }

  /** The names of the key's aliases, for kms:ResourceAliases (KMS evaluates at most 100). */
  private async aliasesOf(key: KmsKey): Promise<string[]> {
    return (await this.store.kms.listAliases(key.accountId, key.id, undefined, 100)).map((alias) => alias.name);
  }

  async create(
    ctx: KmsContext,
    request: {
      description?: string;
      keyUsage?: string;
      keySpec?: string;
      policy?: string;
      bypassPolicyLockoutSafetyCheck?: boolean;
    },
  ): Promise<KmsKey> {
    const asked = { keyUsage: request.keyUsage ?? 'ENCRYPT_DECRYPT', keySpec: request.keySpec ?? 'SYMMETRIC_DEFAULT' };
    await this.authorize(ctx, KmsActions.CreateKey, this.keyArn(ctx.accountId, '*'), {
      key: asked,
      ...(request.bypassPolicyLockoutSafetyCheck !== undefined && {
        bypassPolicyLockoutSafetyCheck: request.bypassPolicyLockoutSafetyCheck,
      }),
    });
    if (asked.keyUsage !== 'ENCRYPT_DECRYPT' || asked.keySpec !== 'SYMMETRIC_DEFAULT') {
      throw new KmsError(
        'UnsupportedOperationException',
        'this key service makes symmetric ENCRYPT_DECRYPT keys (SYMMETRIC_DEFAULT) only',
      );
    }
    const id = randomUUID();
    if (request.policy !== undefined) {
      await this.checkPolicy(request.policy);
      if (!request.bypassPolicyLockoutSafetyCheck)
        await this.checkLockout(ctx, this.keyArn(ctx.accountId, id), asked, request.policy);
    }
    return this.createKey(ctx.accountId, request.description ?? '', request.policy, id);
  }

  private async createKey(
    accountId: string,
    description: string,
    policy?: string,
    id: string = randomUUID(),
  ): Promise<KmsKey> {
    const now = Date.now();
    const key: KmsKey = {
      id,
      accountId,
      arn: this.keyArn(accountId, id),
      description,
      state: 'Enabled',
      keyUsage: 'ENCRYPT_DECRYPT',
      keySpec: 'SYMMETRIC_DEFAULT',
      createdAt: now,
      deletionDate: null,
      pendingWindowDays: null,
      rotationEnabled: false,
      rotationPeriodDays: null,
      policy: policy ?? defaultPolicy(accountId),
    };
    await this.store.kms.createKey(key, this.materials.first(id, now));
    return key;
  }

  describe(ctx: KmsContext, reference: string): Promise<KmsKey> {
    return this.target(ctx, reference, KmsActions.DescribeKey);
  }

  async list(ctx: KmsContext, after: string | undefined, limit: number): Promise<KmsKey[]> {
    await this.authorize(ctx, KmsActions.ListKeys, this.keyArn(ctx.accountId, '*'));
    return this.store.kms.listKeys(ctx.accountId, after, limit, Date.now());
  }

  async enable(ctx: KmsContext, reference: string): Promise<void> {
    const key = await this.target(ctx, reference, KmsActions.EnableKey);
    if (key.state === 'PendingDeletion') throw invalidState(key);
    await this.store.kms.updateKey(key.id, { state: 'Enabled' });
  }

  async disable(ctx: KmsContext, reference: string): Promise<void> {
    const key = await this.target(ctx, reference, KmsActions.DisableKey);
    if (key.state === 'PendingDeletion') throw invalidState(key);
    await this.store.kms.updateKey(key.id, { state: 'Disabled' });
  }

  async scheduleDeletion(ctx: KmsContext, reference: string, days = 30): Promise<KmsKey> {
    const key = await this.target(ctx, reference, KmsActions.ScheduleKeyDeletion);
    if (!Number.isInteger(days) || days < 7 || days > 30)
      throw new KmsError('ValidationException', 'PendingWindowInDays must be between 7 and 30');
    if (key.state === 'PendingDeletion') throw invalidState(key);
    return (await this.store.kms.updateKey(key.id, {
      state: 'PendingDeletion',
      deletionDate: Date.now() + days * DAY_MS,
      pendingWindowDays: days,
    }))!;
  }

  /** Cancels a scheduled deletion; the key is Disabled afterwards, as in KMS. */
  async cancelDeletion(ctx: KmsContext, reference: string): Promise<KmsKey> {
    const key = await this.target(ctx, reference, KmsActions.CancelKeyDeletion);
    if (key.state !== 'PendingDeletion') throw invalidState(key);
    return (await this.store.kms.updateKey(key.id, {
      state: 'Disabled',
      deletionDate: null,
      pendingWindowDays: null,
    }))!;
  }

  async createAlias(ctx: KmsContext, name: string, targetReference: string): Promise<void> {
    if (!ALIAS_NAME.test(name) || name.startsWith('alias/aws/')) {
      throw new KmsError(
        'InvalidAliasNameException',
        `${name} is not a valid alias name: alias/ then letters, digits, /, _ and -, not alias/aws/`,
      );
    }
    const key = await this.target(ctx, targetReference, KmsActions.CreateAlias);
    if (key.state === 'PendingDeletion') throw invalidState(key);
    await this.authorize(ctx, KmsActions.CreateAlias, this.aliasArn(ctx.accountId, name));
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
        `An alias with the name ${this.aliasArn(ctx.accountId, name)} already exists`,
      );
    }
  }

  async listAliases(
    ctx: KmsContext,
    keyReference: string | undefined,
    after: string | undefined,
    limit: number,
  ): Promise<KmsAlias[]> {
    const key = keyReference === undefined ? undefined : await this.find(ctx.accountId, keyReference);
    await this.authorize(ctx, KmsActions.ListAliases, this.aliasArn(ctx.accountId, '*'));
    return this.store.kms.listAliases(ctx.accountId, key?.id, after, limit);
  }

  async getPolicy(ctx: KmsContext, reference: string, name = 'default'): Promise<string> {
    const key = await this.target(ctx, reference, KmsActions.GetKeyPolicy);
    if (name !== 'default')
      throw new KmsError('NotFoundException', `No such policy: ${name} (keys have one policy, named default)`);
    return key.policy;
  }

  async putPolicy(
    ctx: KmsContext,
    reference: string,
    policy: string,
    options: { name?: string; bypassPolicyLockoutSafetyCheck?: boolean } = {},
  ): Promise<void> {
    const key = await this.target(ctx, reference, KmsActions.PutKeyPolicy, {
      ...(options.bypassPolicyLockoutSafetyCheck !== undefined && {
        bypassPolicyLockoutSafetyCheck: options.bypassPolicyLockoutSafetyCheck,
      }),
    });
    const name = options.name ?? 'default';
    if (name !== 'default')
      throw new KmsError('NotFoundException', `No such policy: ${name} (keys have one policy, named default)`);
    if (key.state === 'PendingDeletion') throw invalidState(key);
    await this.checkPolicy(policy);
    if (!options.bypassPolicyLockoutSafetyCheck) await this.checkLockout(ctx, key.arn, key, policy);
    await this.store.kms.updateKey(key.id, { policy });
    // This node decides by the new policy at once; others within the policy cache's lifetime.
    this.authorizer.forget?.();
  }

  async listPolicies(ctx: KmsContext, reference: string): Promise<string[]> {
    await this.target(ctx, reference, KmsActions.ListKeyPolicies);
    return ['default'];
  }

  async setRotation(ctx: KmsContext, reference: string, enabled: boolean, periodDays?: number): Promise<void> {
    const key = await this.target(
      ctx,
      reference,
      enabled ? KmsActions.EnableKeyRotation : KmsActions.DisableKeyRotation,
    );
    if (key.state === 'Disabled') throw new KmsError('DisabledException', `${key.arn} is disabled.`);
    if (key.state === 'PendingDeletion') throw invalidState(key);
    const period = periodDays ?? 365;
    if (enabled && (!Number.isInteger(period) || period < 90 || period > 2560))
      throw new KmsError('ValidationException', 'RotationPeriodInDays must be between 90 and 2560');
    await this.store.kms.updateKey(key.id, { rotationEnabled: enabled, rotationPeriodDays: enabled ? period : null });
  }

  async rotationStatus(ctx: KmsContext, reference: string): Promise<KmsKey> {
    return this.target(ctx, reference, KmsActions.GetKeyRotationStatus);
  }

  /** New material for the key now; earlier material stays to decrypt what it encrypted. */
  async rotateNow(ctx: KmsContext, reference: string): Promise<KmsKey> {
    const key = await this.target(ctx, reference, KmsActions.RotateKeyOnDemand);
    usable(key);
    await this.materials.add(key.id, Date.now());
    return key;
  }

  /** When the key's automatic rotation is next due (undefined when it is off). */
  async nextRotation(key: KmsKey): Promise<number | undefined> {
    if (!key.rotationEnabled || key.rotationPeriodDays === null) return undefined;
    const latest = await this.store.kms.material(key.id);
    return (latest?.createdAt ?? key.createdAt) + key.rotationPeriodDays * DAY_MS;
  }

  /** Rotates every key whose automatic rotation is due at `now` (a recurring job, one node at a time). */
  async rotateDue(now: number): Promise<number> {
    let rotated = 0;
    let after: string | undefined;
    for (;;) {
      const keys = await this.store.kms.rotatingKeys(after, 500);
      for (const key of keys) {
        const due = await this.nextRotation(key);
        if (due !== undefined && due <= now && (await this.materials.add(key.id, now))) rotated++;
      }
      if (keys.length < 500) return rotated;
      after = keys[keys.length - 1]!.id;
    }
  }

  /**
   * Deletes the keys whose waiting period ended by `now` (a recurring job), with their material
   * and aliases, as KMS does: what they encrypted can no longer be decrypted. Returns how many.
   */
  async deleteDue(now: number): Promise<number> {
    let count = 0;
    for (;;) {
      const ids = await this.store.kms.deleteDueKeys(now, 100);
      this.materials.forget(ids);
      count += ids.length;
      if (ids.length < 100) return count;
    }
  }

  async encrypt(
    ctx: KmsContext,
    reference: string,
    plaintext: Buffer,
    context: EncryptionContext = {},
  ): Promise<{ key: KmsKey; blob: Buffer }> {
    const key = await this.target(ctx, reference, KmsActions.Encrypt, { encryptionContext: context });
    return { key, blob: await this.sealWith(key, plaintext, context) };
  }

  async generateDataKey(
    ctx: KmsContext,
    reference: string,
    bytes: number,
    context: EncryptionContext = {},
  ): Promise<{ key: KmsKey; plaintext: Buffer; blob: Buffer }> {
    const key = await this.target(ctx, reference, KmsActions.GenerateDataKey, { encryptionContext: context });
    const plaintext = randomBytes(bytes);
    return { key, plaintext, blob: await this.sealWith(key, plaintext, context) };
  }

  async decrypt(
    ctx: KmsContext,
    blob: Buffer,
    context: EncryptionContext = {},
    reference?: string,
  ): Promise<{ key: KmsKey; plaintext: Buffer }> {
    const { keyId } = blobKey(blob);
    // The ciphertext names its key, which may be another account's: that key's policy decides.
    const owner = KEY_ID.test(keyId) ? (await this.store.kms.getKey(keyId))?.accountId : undefined;
    const key = await this.find(owner ?? ctx.accountId, keyId);
    if (reference !== undefined && (await this.find(ctx.accountId, reference)).id !== key.id) {
      throw new KmsError('IncorrectKeyException', 'the ciphertext was not encrypted with the KMS key given');
    }
    await this.authorizeOn(ctx, KmsActions.Decrypt, key, {
      encryptionContext: context,
      ...(reference !== undefined && { reference }),
    });
    return { key, plaintext: await this.openWith(key, blob, context) };
  }

  /**
   * The key a KMS repository is created with: the one named (it must be Enabled), which may be
   * another account's (by ARN), or the account's default ECR key. The creator must be allowed to
   * use a named key as ECR asks (kms:DescribeKey, and kms:CreateGrant for the grant ECR keeps for
   * the repository): by the key's policy, and by its own identity policies where that policy
   * enables them or the key is another account's; ECR asks for the caller, so kms:ViaService is
   * ECR's endpoint, and its grant is for an AWS resource (kms:GrantIsForAWSResource). The
   * default key is ECR's (AWS managed in ECR).
   */
  async forRepository(ctx: KmsContext, reference: string | undefined): Promise<KmsKey> {
    if (reference === undefined) return this.defaultEcrKey(ctx.accountId);
    const key = await this.find(ctx.accountId, reference);
    const viaEcr = { ...ctx, viaService: `ecr.${this.region}.amazonaws.com` };
    for (const [action, request] of [
      [KmsActions.DescribeKey, {}],
      [KmsActions.CreateGrant, { grantIsForAwsResource: true }],
    ] as const) {
      try {
        await this.authorizeOn(viaEcr, action, key, { reference, ...request });
      } catch (err) {
        if (err instanceof RegistryError)
          throw new KmsError('AccessDeniedException', `The repository cannot use KMS key ${key.arn}: ${err.message}`);
        throw err;
      }
    }
    usable(key);
    return key;
  }

  // Berth's own use (data keys of repositories): no caller to authorize, the repository was.

  private async defaultEcrKey(accountId: string): Promise<KmsKey> {
    const alias = await this.store.kms.getAlias(accountId, ECR_DEFAULT_ALIAS);
    if (alias) return this.find(accountId, alias.keyId);
    const key = await this.createKey(accountId, 'Default key that protects my ECR data when no other key is defined');
    const now = Date.now();
    if (
      await this.store.kms.createAlias({
        accountId,
        name: ECR_DEFAULT_ALIAS,
        keyId: key.id,
        createdAt: now,
        updatedAt: now,
      })
    )
      return key;
    // Another node made it first: use theirs (ours stays unused).
    return this.find(accountId, ECR_DEFAULT_ALIAS);
  }

  /** Throws the KMS error that explains why the key (an ARN) cannot be used now. */
  async assertUsable(keyArn: string): Promise<KmsKey> {
    const key = await this.find(arnAccountOf(keyArn), keyArn);
    usable(key);
    return key;
  }

  async wrap(keyArn: string, plaintext: Buffer, context: EncryptionContext): Promise<Buffer> {
    return this.sealWith(await this.assertUsable(keyArn), plaintext, context);
  }

  async unwrap(keyArn: string, blob: Buffer, context: EncryptionContext): Promise<Buffer> {
    const key = await this.assertUsable(keyArn);
    if (blobKey(blob).keyId !== key.id)
      throw new KmsError('IncorrectKeyException', `the wrapped key was not encrypted with ${keyArn}`);
    return this.openWith(key, blob, context);
  }

  private sealWith(key: KmsKey, plaintext: Buffer, context: EncryptionContext): Promise<Buffer> {
    usable(key);
    return this.materials.sealWith(key, plaintext, context);
  }

  private openWith(key: KmsKey, blob: Buffer, context: EncryptionContext): Promise<Buffer> {
    usable(key);
    return this.materials.openWith(key, blob, context);
  }
}

function arnAccountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}
