// The key service's signing actions on asymmetric keys: Sign, Verify and GetPublicKey, parsed and
// rendered by the KMS model's shapes (signatures and public keys as base64 blobs, public keys as
// DER SubjectPublicKeyInfo).
import { z } from 'zod';
import { KmsActions } from '../../domain/actions.js';
import { KmsError } from '../../domain/kms-errors.js';
import { SIGNING_KEY_SPECS } from '../../kms/key-pairs.js';
import type { KeyService } from '../../kms/key-service.js';
import type { ApiActionTable, ApiCall } from '../aws-json/call.js';
import { base64, Blob, ctx, GrantTokens, KeyId, parse } from './protocol.js';

/** The model's SigningAlgorithmSpec; a key refuses those its spec does not take (InvalidKeyUsageException). */
const SigningAlgorithm = z.enum([
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
  'ECDSA_SHA_256',
  'ECDSA_SHA_384',
  'ECDSA_SHA_512',
  'SM2DSA',
  'ML_DSA_SHAKE_256',
  'ED25519_SHA_512',
  'ED25519_PH_SHA_512',
]);
/** EXTERNAL_MU is for ML-DSA keys, which this key service does not make. */
const MessageType = z.enum(['RAW', 'DIGEST']);

export const signInputs = {
  Sign: z.object({
    KeyId,
    Message: Blob,
    MessageType: MessageType.optional(),
    GrantTokens: GrantTokens.optional(),
    SigningAlgorithm,
    DryRun: z.boolean().optional(),
  }),
  Verify: z.object({
    KeyId,
    Message: Blob,
    MessageType: MessageType.optional(),
    Signature: z.string().min(1).max(8192),
    SigningAlgorithm,
    GrantTokens: GrantTokens.optional(),
    DryRun: z.boolean().optional(),
  }),
  GetPublicKey: z.object({ KeyId, GrantTokens: GrantTokens.optional() }),
};

/** DryRun: authorizes the call on the key, then says it would have succeeded (DryRunOperationException). */
async function dryRun(keys: KeyService, call: ApiCall, keyId: string, action: string): Promise<never> {
  const key = await keys.find(call.principal.accountId, keyId);
  await keys.authorizeOn(ctx(call), action === 'Sign' ? KmsActions.Sign : KmsActions.Verify, key, {
    reference: keyId,
  });
  throw new KmsError('DryRunOperationException', 'The request would have succeeded, but the DryRun flag is set.');
}

export function signActions(keys: KeyService): ApiActionTable {
  return {
    async Sign(call) {
      const r = parse(signInputs.Sign, call.body);
      if (r.DryRun) await dryRun(keys, call, r.KeyId, 'Sign');
      const { key, signature } = await keys.sign(ctx(call), {
        reference: r.KeyId,
        message: base64(r.Message, 'Message'),
        messageType: r.MessageType ?? 'RAW',
        algorithm: r.SigningAlgorithm,
      });
      return { KeyId: key.arn, Signature: signature.toString('base64'), SigningAlgorithm: r.SigningAlgorithm };
    },
    async Verify(call) {
      const r = parse(signInputs.Verify, call.body);
      if (r.DryRun) await dryRun(keys, call, r.KeyId, 'Verify');
      const key = await keys.verify(
        ctx(call),
        {
          reference: r.KeyId,
          message: base64(r.Message, 'Message'),
          messageType: r.MessageType ?? 'RAW',
          algorithm: r.SigningAlgorithm,
        },
        base64(r.Signature, 'Signature'),
      );
      return { KeyId: key.arn, SignatureValid: true, SigningAlgorithm: r.SigningAlgorithm };
    },
    async GetPublicKey(call) {
      const r = parse(signInputs.GetPublicKey, call.body);
      const { key, publicKey } = await keys.getPublicKey(ctx(call), r.KeyId);
      return {
        KeyId: key.arn,
        PublicKey: publicKey.toString('base64'),
        CustomerMasterKeySpec: key.keySpec,
        KeySpec: key.keySpec,
        KeyUsage: key.keyUsage,
        SigningAlgorithms: SIGNING_KEY_SPECS[key.keySpec] ?? [],
      };
    },
  };
}
