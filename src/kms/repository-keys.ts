// The key a KMS repository is created with (RepositoryKeys): the one its creator names, which ECR
// must be allowed to use for the creator, or the account's default ECR key, made when first asked.
import { KmsActions } from '../domain/actions.js';
import { RegistryError } from '../domain/errors.js';
import type { RepositoryKeys } from '../domain/key-wrapping.js';
import { KmsError } from '../domain/kms-errors.js';
import type { KmsKey } from '../domain/records/kms.js';
import type { MetadataStore } from '../metadata/store.js';
import type { KeyAuthorization, KmsContext } from './key-authorization.js';
import type { KeyLifecycle } from './key-lifecycle.js';
import { usable } from './key-states.js';

/** The alias of the key ECR uses for a KMS repository that names none (AWS managed in ECR). */
export const ECR_DEFAULT_ALIAS = 'alias/aws/ecr';

export class EcrRepositoryKeys implements RepositoryKeys {
  constructor(
    private readonly store: Pick<MetadataStore, 'kms'>,
    private readonly access: KeyAuthorization,
    private readonly lifecycle: KeyLifecycle,
  ) {}

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
    const key = await this.access.directory.find(ctx.accountId, reference);
    const viaEcr = { ...ctx, viaService: `ecr.${this.access.directory.region}.amazonaws.com` };
    for (const [action, request] of [
      [KmsActions.DescribeKey, {}],
      [KmsActions.CreateGrant, { grantIsForAwsResource: true }],
    ] as const) {
      try {
        await this.access.authorizeOn(viaEcr, action, key, { reference, ...request });
      } catch (err) {
        if (err instanceof RegistryError)
          throw new KmsError('AccessDeniedException', `The repository cannot use KMS key ${key.arn}: ${err.message}`);
        throw err;
      }
    }
    usable(key);
    if (key.keyUsage !== 'ENCRYPT_DECRYPT')
      throw new KmsError(
        'InvalidKeyUsageException',
        `The repository cannot use KMS key ${key.arn}: its key usage is ${key.keyUsage}, not ENCRYPT_DECRYPT`,
      );
    return key;
  }

  private async defaultEcrKey(accountId: string): Promise<KmsKey> {
    const { directory } = this.access;
    const alias = await this.store.kms.getAlias(accountId, ECR_DEFAULT_ALIAS);
    if (alias) return directory.find(accountId, alias.keyId);
    const key = await this.lifecycle.createKey(
      accountId,
      'Default key that protects my ECR data when no other key is defined',
    );
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
    return directory.find(accountId, ECR_DEFAULT_ALIAS);
  }
}
