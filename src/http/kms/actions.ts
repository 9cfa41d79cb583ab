// The key service's API (AWS JSON 1.1, X-Amz-Target: TrentService.<Action>, SigV4 service kms):
// parse by the KMS model's shapes, call the key service, render the model's shapes.
import { z } from 'zod';
import { KmsError } from '../../domain/kms-errors.js';
import type { GrantService } from '../../kms/grant-service.js';
import type { KeyService } from '../../kms/key-service.js';
import type { KmsAlias, KmsKey } from '../../domain/records/kms.js';
import { modelPattern } from '../aws-json/validation.js';
import type { ApiActionTable } from '../aws-json/call.js';
import { grantActions, grantInputs } from './grant-actions.js';
import { signActions, signInputs } from './sign-actions.js';
import { SIGNING_KEY_SPECS } from '../../kms/key-pairs.js';
import {
  afterMarker,
  base64,
  Blob,
  Context,
  ctx,
  DEFAULT_LIMIT,
  GrantTokens,
  KeyId,
  Limit,
  Marker,
  page,
  parse,
  seconds,
} from './protocol.js';

/** The model's PolicyType: printable Latin-1 with tab, line feed and carriage return. */
const Policy = z
  .string()
  .min(1)
  .max(131072)
  .regex(/^[\t\n\r\u0020-\u00ff]+$/, modelPattern('[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+'));

/** Input schemas by action, for the model conformance test. */
export const kmsInputs = {
  CreateKey: z.object({
    Policy: Policy.optional(),
    Description: z.string().max(8192).optional(),
    KeyUsage: z.string().optional(),
    KeySpec: z.string().optional(),
    CustomerMasterKeySpec: z.string().optional(),
    Origin: z.enum(['AWS_KMS']).optional(),
    BypassPolicyLockoutSafetyCheck: z.boolean().optional(),
    MultiRegion: z.boolean().optional(),
    Tags: z.array(z.object({ TagKey: z.string(), TagValue: z.string() })).optional(),
  }),
  DescribeKey: z.object({ KeyId, GrantTokens: GrantTokens.optional() }),
  ListKeys: z.object({ Limit: Limit.optional(), Marker: Marker.optional() }),
  EnableKey: z.object({ KeyId }),
  DisableKey: z.object({ KeyId }),
  ScheduleKeyDeletion: z.object({ KeyId, PendingWindowInDays: z.number().int().min(1).max(365).optional() }),
  CancelKeyDeletion: z.object({ KeyId }),
  CreateAlias: z.object({ AliasName: z.string().min(1).max(256), TargetKeyId: KeyId }),
  ListAliases: z.object({ KeyId: KeyId.optional(), Limit: Limit.optional(), Marker: Marker.optional() }),
  GetKeyPolicy: z.object({ KeyId, PolicyName: z.string().min(1).max(128).optional() }),
  PutKeyPolicy: z.object({
    KeyId,
    PolicyName: z.string().min(1).max(128).optional(),
    Policy,
    BypassPolicyLockoutSafetyCheck: z.boolean().optional(),
  }),
  ListKeyPolicies: z.object({ KeyId, Limit: Limit.optional(), Marker: Marker.optional() }),
  EnableKeyRotation: z.object({ KeyId, RotationPeriodInDays: z.number().int().optional() }),
  DisableKeyRotation: z.object({ KeyId }),
  GetKeyRotationStatus: z.object({ KeyId }),
  RotateKeyOnDemand: z.object({ KeyId }),
  Encrypt: z.object({
    KeyId,
    Plaintext: Blob,
    EncryptionContext: Context.optional(),
    GrantTokens: GrantTokens.optional(),
    EncryptionAlgorithm: z.enum(['SYMMETRIC_DEFAULT']).optional(),
  }),
  Decrypt: z.object({
    CiphertextBlob: Blob,
    EncryptionContext: Context.optional(),
    GrantTokens: GrantTokens.optional(),
    KeyId: KeyId.optional(),
    EncryptionAlgorithm: z.enum(['SYMMETRIC_DEFAULT']).optional(),
  }),
  GenerateDataKey: z.object({
    KeyId,
    EncryptionContext: Context.optional(),
    NumberOfBytes: z.number().int().min(1).max(1024).optional(),
    KeySpec: z.enum(['AES_256', 'AES_128']).optional(),
    GrantTokens: GrantTokens.optional(),
  }),
  ...grantInputs,
  ...signInputs,
};

function metadata(key: KmsKey) {
  return {
    AWSAccountId: key.accountId,
    KeyId: key.id,
    Arn: key.arn,
    CreationDate: seconds(key.createdAt),
    Enabled: key.state === 'Enabled',
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: key.state,
    ...(key.deletionDate !== null && { DeletionDate: seconds(key.deletionDate) }),
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    ...(key.keyUsage === 'SIGN_VERIFY'
      ? { SigningAlgorithms: SIGNING_KEY_SPECS[key.keySpec] ?? [] }
      : { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] }),
    MultiRegion: false,
    ...(key.pendingWindowDays !== null && { PendingDeletionWindowInDays: key.pendingWindowDays }),
  };
}

export function kmsActions(keys: KeyService, grants: GrantService): ApiActionTable {
  const alias = (a: KmsAlias) => ({
    AliasName: a.name,
    AliasArn: keys.aliasArn(a.accountId, a.name),
    TargetKeyId: a.keyId,
    CreationDate: seconds(a.createdAt),
    LastUpdatedDate: seconds(a.updatedAt),
  });
  return {
    ...grantActions(grants),
    ...signActions(keys),
    async CreateKey(call) {
      const r = parse(kmsInputs.CreateKey, call.body);
      const key = await keys.create(ctx(call), {
        ...(r.Description !== undefined && { description: r.Description }),
        ...(r.Policy !== undefined && { policy: r.Policy }),
        ...(r.KeyUsage !== undefined && { keyUsage: r.KeyUsage }),
        ...(r.BypassPolicyLockoutSafetyCheck !== undefined && {
          bypassPolicyLockoutSafetyCheck: r.BypassPolicyLockoutSafetyCheck,
        }),
        ...((r.KeySpec ?? r.CustomerMasterKeySpec) !== undefined && {
          keySpec: (r.KeySpec ?? r.CustomerMasterKeySpec)!,
        }),
      });
      return { KeyMetadata: metadata(key) };
    },
    async DescribeKey(call) {
      return { KeyMetadata: metadata(await keys.describe(ctx(call), parse(kmsInputs.DescribeKey, call.body).KeyId)) };
    },
    async ListKeys(call) {
      const r = parse(kmsInputs.ListKeys, call.body);
      const limit = r.Limit ?? DEFAULT_LIMIT;
      const listing = [call.principal.accountId];
      const { items, ...rest } = page(
        call,
        listing,
        await keys.list(ctx(call), afterMarker(call, listing, r.Marker), limit + 1),
        limit,
        (k) => k.id,
      );
      return { Keys: items.map((k) => ({ KeyId: k.id, KeyArn: k.arn })), ...rest };
    },
    async EnableKey(call) {
      await keys.enable(ctx(call), parse(kmsInputs.EnableKey, call.body).KeyId);
      return {};
    },
    async DisableKey(call) {
      await keys.disable(ctx(call), parse(kmsInputs.DisableKey, call.body).KeyId);
      return {};
    },
    async ScheduleKeyDeletion(call) {
      const r = parse(kmsInputs.ScheduleKeyDeletion, call.body);
      const key = await keys.scheduleDeletion(ctx(call), r.KeyId, r.PendingWindowInDays);
      return {
        KeyId: key.arn,
        DeletionDate: seconds(key.deletionDate!),
        KeyState: key.state,
        PendingWindowInDays: key.pendingWindowDays,
      };
    },
    async CancelKeyDeletion(call) {
      return { KeyId: (await keys.cancelDeletion(ctx(call), parse(kmsInputs.CancelKeyDeletion, call.body).KeyId)).arn };
    },
    async CreateAlias(call) {
      const r = parse(kmsInputs.CreateAlias, call.body);
      await keys.createAlias(ctx(call), r.AliasName, r.TargetKeyId);
      return {};
    },
    async ListAliases(call) {
      const r = parse(kmsInputs.ListAliases, call.body);
      const limit = r.Limit ?? DEFAULT_LIMIT;
      const listing = [call.principal.accountId, r.KeyId ?? null];
      const { items, ...rest } = page(
        call,
        listing,
        await keys.listAliases(ctx(call), r.KeyId, afterMarker(call, listing, r.Marker), limit + 1),
        limit,
        (a) => a.name,
      );
      return { Aliases: items.map(alias), ...rest };
    },
    async GetKeyPolicy(call) {
      const r = parse(kmsInputs.GetKeyPolicy, call.body);
      return { Policy: await keys.getPolicy(ctx(call), r.KeyId, r.PolicyName), PolicyName: r.PolicyName ?? 'default' };
    },
    async PutKeyPolicy(call) {
      const r = parse(kmsInputs.PutKeyPolicy, call.body);
      await keys.putPolicy(ctx(call), r.KeyId, r.Policy, {
        ...(r.PolicyName !== undefined && { name: r.PolicyName }),
        ...(r.BypassPolicyLockoutSafetyCheck !== undefined && {
          bypassPolicyLockoutSafetyCheck: r.BypassPolicyLockoutSafetyCheck,
        }),
      });
      return {};
    },
    async ListKeyPolicies(call) {
      return {
        PolicyNames: await keys.listPolicies(ctx(call), parse(kmsInputs.ListKeyPolicies, call.body).KeyId),
        Truncated: false,
      };
    },
    async EnableKeyRotation(call) {
      const r = parse(kmsInputs.EnableKeyRotation, call.body);
      await keys.setRotation(ctx(call), r.KeyId, true, r.RotationPeriodInDays);
      return {};
    },
    async DisableKeyRotation(call) {
      await keys.setRotation(ctx(call), parse(kmsInputs.DisableKeyRotation, call.body).KeyId, false);
      return {};
    },
    async GetKeyRotationStatus(call) {
      const key = await keys.rotationStatus(ctx(call), parse(kmsInputs.GetKeyRotationStatus, call.body).KeyId);
      const next = await keys.nextRotation(key);
      return {
        KeyRotationEnabled: key.rotationEnabled,
        KeyId: key.arn,
        ...(key.rotationPeriodDays !== null && { RotationPeriodInDays: key.rotationPeriodDays }),
        ...(next !== undefined && { NextRotationDate: seconds(next) }),
      };
    },
    async RotateKeyOnDemand(call) {
      return { KeyId: (await keys.rotateNow(ctx(call), parse(kmsInputs.RotateKeyOnDemand, call.body).KeyId)).arn };
    },
    async Encrypt(call) {
      const r = parse(kmsInputs.Encrypt, call.body);
      const { key, blob } = await keys.encrypt(
        ctx(call),
        r.KeyId,
        base64(r.Plaintext, 'Plaintext'),
        r.EncryptionContext,
      );
      return { CiphertextBlob: blob.toString('base64'), KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
    async Decrypt(call) {
      const r = parse(kmsInputs.Decrypt, call.body);
      const { key, plaintext } = await keys.decrypt(
        ctx(call),
        base64(r.CiphertextBlob, 'CiphertextBlob'),
        r.EncryptionContext,
        r.KeyId,
      );
      return { KeyId: key.arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
    async GenerateDataKey(call) {
      const r = parse(kmsInputs.GenerateDataKey, call.body);
      if (r.NumberOfBytes !== undefined && r.KeySpec !== undefined)
        throw new KmsError('ValidationException', 'give KeySpec or NumberOfBytes, not both');
      const bytes = r.NumberOfBytes ?? (r.KeySpec === 'AES_128' ? 16 : 32);
      const { key, plaintext, blob } = await keys.generateDataKey(ctx(call), r.KeyId, bytes, r.EncryptionContext);
      return { CiphertextBlob: blob.toString('base64'), Plaintext: plaintext.toString('base64'), KeyId: key.arn };
    },
  };
}
