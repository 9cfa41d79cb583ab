// Key policies as the key service stores them: AWS's default key policy, the checks a policy
// passes before it is stored (the policy language's parser, KMS's size limit, principals that
// exist, the lockout safety check), and GetKeyPolicy, PutKeyPolicy and ListKeyPolicies.
import { KmsActions } from '../domain/actions.js';
import type { Authorizer } from '../domain/authorizer.js';
import { RegistryError } from '../domain/errors.js';
import { KmsError } from '../domain/kms-errors.js';
import { PrincipalDirectory } from '../iam/principal-directory.js';
import type { MetadataStore } from '../metadata/store.js';
import { parsePolicy, PolicyValidationError, type PolicyDocument } from '../policy/document.js';
import type { KmsRequest } from './condition-keys.js';
import type { KeyAuthorization, KmsContext } from './key-authorization.js';
import { invalidState } from './key-states.js';

/** A key policy's size limit (KMS quotas: 32 KB); past it, LimitExceededException as the model says. */
export const KEY_POLICY_MAX_BYTES = 32_768;
/** AWS's words when a new key policy would shut its author out (the lockout safety check). */
export const LOCKOUT_MESSAGE = 'The new key policy will not allow you to update the key policy in the future.';

/** AWS's default key policy: the account's root may do everything, which enables IAM policies. */
export function defaultPolicy(accountId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  });
}

/** A key policy is a resource policy of the one policy language (every statement names a principal), at most 32 KB. */
export function checkPolicy(policy: string): PolicyDocument {
  const bytes = Buffer.byteLength(policy);
  if (bytes > KEY_POLICY_MAX_BYTES)
    throw new KmsError(
      'LimitExceededException',
      `The key policy is ${bytes} bytes; a key policy may have at most ${KEY_POLICY_MAX_BYTES}.`,
    );
  try {
    return parsePolicy(policy, { kind: 'resource', maxLength: KEY_POLICY_MAX_BYTES });
  } catch (err) {
    if (err instanceof PolicyValidationError)
      throw new KmsError('MalformedPolicyDocumentException', `The key policy is malformed: ${err.message}`);
    throw err;
  }
}

export class KeyPolicies {
  private readonly principals: PrincipalDirectory;

  constructor(
    private readonly store: Pick<MetadataStore, 'kms' | 'identities' | 'roles' | 'oidcProviders'>,
    private readonly access: KeyAuthorization,
    private readonly authorizer: Authorizer,
  ) {
    this.principals = new PrincipalDirectory(store);
  }

  /**
   * The checks a key policy passes before it is stored on the key `keyArn` (new or not): well
   * formed, naming only principals that exist, and, unless bypassed, the lockout safety check.
   */
  async vet(
    ctx: KmsContext,
    keyArn: string,
    key: KmsRequest['key'],
    policy: string,
    bypassPolicyLockoutSafetyCheck?: boolean,
  ): Promise<void> {
    await this.checkPrincipals(policy);
    if (!bypassPolicyLockoutSafetyCheck) await this.checkLockout(ctx, keyArn, key, policy);
  }

  async get(ctx: KmsContext, reference: string, name = 'default'): Promise<string> {
    const key = await this.access.target(ctx, reference, KmsActions.GetKeyPolicy);
    if (name !== 'default')
      throw new KmsError('NotFoundException', `No such policy: ${name} (keys have one policy, named default)`);
    return key.policy;
  }

  async put(
    ctx: KmsContext,
    reference: string,
    policy: string,
    options: { name?: string; bypassPolicyLockoutSafetyCheck?: boolean } = {},
  ): Promise<void> {
    const key = await this.access.target(ctx, reference, KmsActions.PutKeyPolicy, {
      ...(options.bypassPolicyLockoutSafetyCheck !== undefined && {
        bypassPolicyLockoutSafetyCheck: options.bypassPolicyLockoutSafetyCheck,
      }),
    });
    const name = options.name ?? 'default';
    if (name !== 'default')
      throw new KmsError('NotFoundException', `No such policy: ${name} (keys have one policy, named default)`);
    if (key.state === 'PendingDeletion') throw invalidState(key);
    await this.vet(ctx, key.arn, key, policy, options.bypassPolicyLockoutSafetyCheck);
    await this.store.kms.updateKey(key.id, { policy });
    // This node decides by the new policy at once; others within the policy cache's lifetime.
    this.authorizer.forget?.();
  }

  async list(ctx: KmsContext, reference: string): Promise<string[]> {
    await this.access.target(ctx, reference, KmsActions.ListKeyPolicies);
    return ['default'];
  }

  /** A key policy well formed and naming only principals that exist (MalformedPolicyDocumentException, as KMS says it). */
  private async checkPrincipals(policy: string): Promise<void> {
    const unknown = await this.principals.firstUnknown(checkPolicy(policy));
    if (unknown)
      throw new KmsError(
        'MalformedPolicyDocumentException',
        `Policy contains a statement with one or more invalid principals. (${unknown.element}: ${unknown.principal})`,
      );
  }

  /**
   * The lockout safety check: a key policy about to be stored must let its author call
   * PutKeyPolicy on the key afterwards (directly, or by enabling IAM policies that allow it).
   */
  private async checkLockout(ctx: KmsContext, keyArn: string, key: KmsRequest['key'], policy: string): Promise<void> {
    try {
      await this.access.authorize(ctx, KmsActions.PutKeyPolicy, keyArn, { key }, policy);
    } catch (err) {
      if (err instanceof RegistryError) throw new KmsError('MalformedPolicyDocumentException', LOCKOUT_MESSAGE);
      throw err;
    }
  }
}
