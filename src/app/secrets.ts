// Secrets Manager: the secret service, its values sealed with the master key or through the key
// service (SecretKeys over kms/, so that neither service imports the other).
import type { Config } from '../config/schema.js';
import { KmsActions } from '../domain/actions.js';
import type { Authorizer } from '../domain/authorizer.js';
import type { KeyCaller } from '../domain/key-wrapping.js';
import type { SecretKeys } from '../domain/secret-keys.js';
import type { KeyService } from '../kms/key-service.js';
import { SecretSealing } from '../secrets/secret-sealing.js';
import { SecretService } from '../secrets/secret-service.js';
import type { Deployment } from './deployment.js';

/**
 * The key service as Secrets Manager uses it: the caller must be allowed kms:GenerateDataKey
 * (writing) or kms:Decrypt (reading) on the key, with kms:ViaService Secrets Manager's endpoint,
 * and the key must be usable now.
 */
export function secretKeysOf(keyService: KeyService, region: string): SecretKeys {
  return {
    async keyFor(caller: KeyCaller, reference: string, use: 'encrypt' | 'decrypt', context: Record<string, string>) {
      const key = await keyService.find(caller.accountId, reference);
      const ctx = { ...caller, viaService: `secretsmanager.${region}.amazonaws.com` };
      await keyService.authorizeOn(ctx, use === 'encrypt' ? KmsActions.GenerateDataKey : KmsActions.Decrypt, key, {
        reference,
        encryptionContext: context,
      });
      await keyService.assertUsable(key.arn);
      return key.arn;
    },
    wrap: (keyArn, plaintext, context) => keyService.wrap(keyArn, plaintext, context),
    unwrap: (keyArn, blob, context) => keyService.unwrap(keyArn, blob, context),
  };
}

export function wireSecrets(
  config: Config,
  deployment: Deployment,
  keyService: KeyService,
  authorizer: Authorizer,
): SecretService {
  const region = config.registry.region;
  const sealing = new SecretSealing(deployment.masterKey, secretKeysOf(keyService, region));
  return new SecretService(deployment.store, sealing, authorizer, region);
}
