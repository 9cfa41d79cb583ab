// Rotation of the key service's keys: EnableKeyRotation, DisableKeyRotation,
// GetKeyRotationStatus and RotateKeyOnDemand, and the recurring job that rotates the keys whose
// automatic rotation is due. Rotating adds material; earlier material stays to decrypt.
import { KmsActions } from '../domain/actions.js';
import { KmsError } from '../domain/kms-errors.js';
import type { KmsKey } from '../domain/records/kms.js';
import type { MetadataStore } from '../metadata/store.js';
import type { KeyAuthorization, KmsContext } from './key-authorization.js';
import type { KeyMaterials } from './key-materials.js';
import { invalidState, usable } from './key-states.js';

const DAY_MS = 86_400_000;

export class KeyRotation {
  constructor(
    private readonly store: Pick<MetadataStore, 'kms'>,
    private readonly materials: KeyMaterials,
    private readonly access: KeyAuthorization,
  ) {}

  async set(ctx: KmsContext, reference: string, enabled: boolean, periodDays?: number): Promise<void> {
    const key = await this.access.target(
      ctx,
      reference,
      enabled ? KmsActions.EnableKeyRotation : KmsActions.DisableKeyRotation,
    );
    if (key.state === 'Disabled') throw new KmsError('DisabledException', `${key.arn} is disabled.`);
    if (key.state === 'PendingDeletion') throw invalidState(key);
    if (key.keySpec !== 'SYMMETRIC_DEFAULT')
      throw new KmsError('UnsupportedOperationException', `${key.arn} is an asymmetric key: KMS does not rotate those`);
    const period = periodDays ?? 365;
    if (enabled && (!Number.isInteger(period) || period < 90 || period > 2560))
      throw new KmsError('ValidationException', 'RotationPeriodInDays must be between 90 and 2560');
    await this.store.kms.updateKey(key.id, { rotationEnabled: enabled, rotationPeriodDays: enabled ? period : null });
  }

  async status(ctx: KmsContext, reference: string): Promise<KmsKey> {
    return this.access.target(ctx, reference, KmsActions.GetKeyRotationStatus);
  }

  /** New material for the key now; earlier material stays to decrypt what it encrypted. */
  async rotateNow(ctx: KmsContext, reference: string): Promise<KmsKey> {
    const key = await this.access.target(ctx, reference, KmsActions.RotateKeyOnDemand);
    usable(key);
    if (key.keySpec !== 'SYMMETRIC_DEFAULT')
      throw new KmsError('UnsupportedOperationException', `${key.arn} is an asymmetric key: KMS does not rotate those`);
    await this.materials.add(key.id, Date.now());
    return key;
  }

  /** When the key's automatic rotation is next due (undefined when it is off). */
  async next(key: KmsKey): Promise<number | undefined> {
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
        const due = await this.next(key);
        if (due !== undefined && due <= now && (await this.materials.add(key.id, now))) rotated++;
      }
      if (keys.length < 500) return rotated;
      after = keys[keys.length - 1]!.id;
    }
  }
}
