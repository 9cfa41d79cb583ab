// The lifecycle of the key service's keys: CreateKey, DescribeKey, ListKeys, EnableKey,
// DisableKey, ScheduleKeyDeletion and CancelKeyDeletion, and the recurring job that deletes the
// keys whose waiting period ended.
import { randomUUID } from 'node:crypto';
import { KmsActions } from '../domain/actions.js';
import { KmsError } from '../domain/kms-errors.js';
import type { KmsKey } from '../domain/records/kms.js';
import type { MetadataStore } from '../metadata/store.js';
import type { KeyAuthorization, KmsContext } from './key-authorization.js';
import type { KeyMaterials } from './key-materials.js';
import { isSigningKey, SIGNING_KEY_SPECS } from './key-pairs.js';
import { defaultPolicy, type KeyPolicies } from './key-policy.js';
import { invalidState } from './key-states.js';

const DAY_MS = 86_400_000;

export class KeyLifecycle {
  constructor(
    private readonly store: Pick<MetadataStore, 'kms'>,
    private readonly materials: KeyMaterials,
    private readonly access: KeyAuthorization,
    private readonly policies: KeyPolicies,
  ) {}

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
    const { directory } = this.access;
    const asked = { keyUsage: request.keyUsage ?? 'ENCRYPT_DECRYPT', keySpec: request.keySpec ?? 'SYMMETRIC_DEFAULT' };
    await this.access.authorize(ctx, KmsActions.CreateKey, directory.keyArn(ctx.accountId, '*'), {
      key: asked,
      ...(request.bypassPolicyLockoutSafetyCheck !== undefined && {
        bypassPolicyLockoutSafetyCheck: request.bypassPolicyLockoutSafetyCheck,
      }),
    });
    const symmetric = asked.keyUsage === 'ENCRYPT_DECRYPT' && asked.keySpec === 'SYMMETRIC_DEFAULT';
    const signing = asked.keyUsage === 'SIGN_VERIFY' && SIGNING_KEY_SPECS[asked.keySpec] !== undefined;
    if (!symmetric && !signing) {
      throw new KmsError(
        'UnsupportedOperationException',
        `KeyUsage ${asked.keyUsage} with KeySpec ${asked.keySpec} is not a key this key service makes: ` +
          `ENCRYPT_DECRYPT with SYMMETRIC_DEFAULT, or SIGN_VERIFY with ${Object.keys(SIGNING_KEY_SPECS).join(', ')}`,
      );
    }
    const id = randomUUID();
    if (request.policy !== undefined) {
      await this.policies.vet(
        ctx,
        directory.keyArn(ctx.accountId, id),
        asked,
        request.policy,
        request.bypassPolicyLockoutSafetyCheck,
      );
    }
    return this.createKey(ctx.accountId, request.description ?? '', request.policy, id, asked);
  }

  /** Stores a new Enabled key with its first material (no caller: the caller, if any, was authorized). */
  async createKey(
    accountId: string,
    description: string,
    policy?: string,
    id: string = randomUUID(),
    kind: { keyUsage: string; keySpec: string } = { keyUsage: 'ENCRYPT_DECRYPT', keySpec: 'SYMMETRIC_DEFAULT' },
  ): Promise<KmsKey> {
    const now = Date.now();
    const key: KmsKey = {
      id,
      accountId,
      arn: this.access.directory.keyArn(accountId, id),
      description,
      state: 'Enabled',
      keyUsage: kind.keyUsage,
      keySpec: kind.keySpec,
      createdAt: now,
      deletionDate: null,
      pendingWindowDays: null,
      rotationEnabled: false,
      rotationPeriodDays: null,
      policy: policy ?? defaultPolicy(accountId),
    };
    const material = isSigningKey(key)
      ? this.materials.firstPair(id, kind.keySpec, now)
      : this.materials.first(id, now);
    await this.store.kms.createKey(key, material);
    return key;
  }

  describe(ctx: KmsContext, reference: string): Promise<KmsKey> {
    return this.access.target(ctx, reference, KmsActions.DescribeKey);
  }

  async list(ctx: KmsContext, after: string | undefined, limit: number): Promise<KmsKey[]> {
    await this.access.authorize(ctx, KmsActions.ListKeys, this.access.directory.keyArn(ctx.accountId, '*'));
    return this.store.kms.listKeys(ctx.accountId, after, limit, Date.now());
  }

  async enable(ctx: KmsContext, reference: string): Promise<void> {
    const key = await this.access.target(ctx, reference, KmsActions.EnableKey);
    if (key.state === 'PendingDeletion') throw invalidState(key);
    await this.store.kms.updateKey(key.id, { state: 'Enabled' });
  }

  async disable(ctx: KmsContext, reference: string): Promise<void> {
    const key = await this.access.target(ctx, reference, KmsActions.DisableKey);
    if (key.state === 'PendingDeletion') throw invalidState(key);
    await this.store.kms.updateKey(key.id, { state: 'Disabled' });
  }

  async scheduleDeletion(ctx: KmsContext, reference: string, days = 30): Promise<KmsKey> {
    const key = await this.access.target(ctx, reference, KmsActions.ScheduleKeyDeletion);
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
    const key = await this.access.target(ctx, reference, KmsActions.CancelKeyDeletion);
    if (key.state !== 'PendingDeletion') throw invalidState(key);
    return (await this.store.kms.updateKey(key.id, {
      state: 'Disabled',
      deletionDate: null,
      pendingWindowDays: null,
    }))!;
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
}
