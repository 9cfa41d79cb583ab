// What Secrets Manager asks of the key service (kms/), declared here so that neither service
// imports the other: the KMS key a secret names, once the caller may have Secrets Manager use it,
// and wrapping its values' data keys. The composition root (app/secrets.ts) implements it over
// the key service.
import type { KeyCaller, KeyWrapping } from './key-wrapping.js';

export interface SecretKeys extends Pick<KeyWrapping, 'wrap' | 'unwrap'> {
  /**
   * The ARN of the key `reference` (id, ARN, alias name or alias ARN) names, once the caller may
   * have Secrets Manager encrypt (kms:GenerateDataKey) or decrypt (kms:Decrypt) with it and the key
   * is usable; throws the key service's error (KmsError) or an access refusal otherwise.
   */
  keyFor(
    caller: KeyCaller,
    reference: string,
    use: 'encrypt' | 'decrypt',
    context: Record<string, string>,
  ): Promise<string>;
}
