// The key service's own condition keys (kms:…), as KMS sets them on a request, for key policies
// and identity policies to test: who calls (kms:CallerAccount), through which service
// (kms:ViaService) and for what (kms:GrantIsForAWSResource), the key the request is on (kms:KeySpec,
// kms:KeyUsage, kms:KeyOrigin, kms:MultiRegion, kms:ResourceAliases), how the request named it
// (kms:RequestAlias), and what it asks (kms:EncryptionContext:*, kms:EncryptionContextKeys,
// kms:EncryptionAlgorithm, kms:BypassPolicyLockoutSafetyCheck; for CreateGrant kms:GranteePrincipal,
// kms:RetiringPrincipal, kms:GrantOperations, kms:GrantConstraintType).
import type { KmsKey } from '../domain/records/kms.js';
import type { EncryptionContext } from './key-material.js';

/** What a request to the key service says about itself, beyond caller and action. */
export interface KmsRequest {
  /** The key the request is on (or, for CreateKey, the one it asks for). */
  key?: Pick<KmsKey, 'keySpec' | 'keyUsage'>;
  /** The aliases of the key (kms:ResourceAliases). */
  aliases?: readonly string[];
  /** The KeyId as the caller gave it: an alias name or alias ARN sets kms:RequestAlias. */
  reference?: string;
  /** The encryption context of an Encrypt, Decrypt or GenerateDataKey. */
  encryptionContext?: EncryptionContext;
  /** Whether the request asks to skip the lockout safety check (CreateKey, PutKeyPolicy). */
  bypassPolicyLockoutSafetyCheck?: boolean;
  /** A CreateGrant by a service for a resource of its own (ECR's grant for a repository). */
  grantIsForAwsResource?: boolean;
  /** The grant a CreateGrant asks for. */
  grant?: {
    granteePrincipal: string;
    retiringPrincipal?: string;
    operations: readonly string[];
    constraintTypes: readonly string[];
  };
}

/** Who calls the key service: an account's principal, directly or through another service. */
export interface KmsCaller {
  accountId: string;
  /** The service that calls for the caller, e.g. ecr.us-east-1.amazonaws.com when ECR uses a key. */
  viaService?: string;
}

type Values = Record<string, string | readonly string[]>;

export function kmsConditionValues(caller: KmsCaller, request: KmsRequest): Values {
  const values: Values = { 'kms:CallerAccount': caller.accountId };
  if (caller.viaService !== undefined) values['kms:ViaService'] = caller.viaService;
  if (request.grantIsForAwsResource !== undefined)
    values['kms:GrantIsForAWSResource'] = String(request.grantIsForAwsResource);
  if (request.key) {
    values['kms:KeySpec'] = request.key.keySpec;
    values['kms:KeyUsage'] = request.key.keyUsage;
    values['kms:KeyOrigin'] = 'AWS_KMS';
    values['kms:MultiRegion'] = 'false';
  }
  if (request.aliases !== undefined && request.aliases.length > 0) values['kms:ResourceAliases'] = request.aliases;
  const alias =
    request.reference === undefined
      ? undefined
      : /^(?:arn:aws:kms:[^:]+:\d{12}:)?(alias\/.+)$/.exec(request.reference)?.[1];
  if (alias !== undefined) values['kms:RequestAlias'] = alias;
  if (request.encryptionContext !== undefined) {
    values['kms:EncryptionAlgorithm'] = 'SYMMETRIC_DEFAULT';
    const keys = Object.keys(request.encryptionContext);
    if (keys.length > 0) values['kms:EncryptionContextKeys'] = keys;
    for (const [key, value] of Object.entries(request.encryptionContext))
      values[`kms:EncryptionContext:${key}`] = value;
  }
  if (request.grant) {
    values['kms:GranteePrincipal'] = request.grant.granteePrincipal;
    if (request.grant.retiringPrincipal !== undefined)
      values['kms:RetiringPrincipal'] = request.grant.retiringPrincipal;
    values['kms:GrantOperations'] = request.grant.operations;
    if (request.grant.constraintTypes.length > 0) values['kms:GrantConstraintType'] = request.grant.constraintTypes;
  }
  if (request.bypassPolicyLockoutSafetyCheck !== undefined)
    values['kms:BypassPolicyLockoutSafetyCheck'] = String(request.bypassPolicyLockoutSafetyCheck);
  return values;
}
