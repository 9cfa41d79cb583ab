// Secrets Manager's API (AWS JSON 1.1, X-Amz-Target: secretsmanager.<Action>, SigV4 service
// secretsmanager): parse by the model's shapes, call the secret service, render the model's shapes.
import { z } from 'zod';
import type { KeyCaller } from '../../domain/key-wrapping.js';
import type { Secret, SecretTag, SecretVersion } from '../../domain/records/secrets.js';
import { SecretsError } from '../../domain/secrets-errors.js';
import type { SecretValue } from '../../secrets/secret-sealing.js';
import type { SecretService } from '../../secrets/secret-service.js';
import type { ApiActionTable, ApiCall } from '../aws-json/call.js';
import { modelPattern, validate } from '../aws-json/validation.js';
import { matches, ordered, type SecretFilter } from './listing.js';

const SecretId = z.string().min(1).max(2048);
const Token = z.string().min(32).max(64);
const Description = z.string().max(2048);
const KmsKeyId = z.string().max(2048);
const SecretString = z.string().min(1).max(65536);
const SecretBinary = z.string().min(1).max(87384);
const Tags = z.array(z.object({ Key: z.string().min(1).max(128), Value: z.string().max(256) }));
const Stages = z.array(z.string().min(1).max(256)).min(1).max(20);
const FilterValue = z
  .string()
  .max(512)
  .regex(/^!?[a-zA-Z0-9 :_@/+=.\-!]*$/, modelPattern('^\\!?[a-zA-Z0-9 :_@\\/\\+\\=\\.\\-\\!]*$'));

/** Input schemas by action, for the model conformance test. */
export const secretsInputs = {
  CreateSecret: z.object({
    Name: z.string().min(1).max(512),
    ClientRequestToken: Token.optional(),
    Description: Description.optional(),
    KmsKeyId: KmsKeyId.optional(),
    SecretBinary: SecretBinary.optional(),
    SecretString: SecretString.optional(),
    Tags: Tags.optional(),
    AddReplicaRegions: z.array(z.unknown()).optional(),
    ForceOverwriteReplicaSecret: z.boolean().optional(),
    Type: z.string().optional(),
  }),
  GetSecretValue: z.object({
    SecretId,
    VersionId: Token.optional(),
    VersionStage: z.string().min(1).max(256).optional(),
  }),
  PutSecretValue: z.object({
    SecretId,
    ClientRequestToken: Token.optional(),
    SecretBinary: SecretBinary.optional(),
    SecretString: SecretString.optional(),
    VersionStages: Stages.optional(),
    RotationToken: z.string().optional(),
  }),
  DescribeSecret: z.object({ SecretId }),
  ListSecrets: z.object({
    IncludePlannedDeletion: z.boolean().optional(),
    MaxResults: z.number().int().min(1).max(100).optional(),
    NextToken: z.string().min(1).max(4096).optional(),
    Filters: z
      .array(
        z.object({
          Key: z.enum(['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all']),
          Values: z.array(FilterValue).min(1).max(10),
        }),
      )
      .max(10)
      .optional(),
    SortOrder: z.enum(['asc', 'desc']).optional(),
    SortBy: z.enum(['created-date', 'last-accessed-date', 'last-changed-date', 'name']).optional(),
  }),
  UpdateSecret: z.object({
    SecretId,
    ClientRequestToken: Token.optional(),
    Description: Description.optional(),
    KmsKeyId: KmsKeyId.optional(),
    SecretBinary: SecretBinary.optional(),
    SecretString: SecretString.optional(),
    Type: z.string().optional(),
  }),
  DeleteSecret: z.object({
    SecretId,
    RecoveryWindowInDays: z.number().int().optional(),
    ForceDeleteWithoutRecovery: z.boolean().optional(),
  }),
  RestoreSecret: z.object({ SecretId }),
  TagResource: z.object({ SecretId, Tags }),
  UntagResource: z.object({ SecretId, TagKeys: z.array(z.string().min(1).max(128)) }),
  PutResourcePolicy: z.object({
    SecretId,
    ResourcePolicy: z.string().min(1).max(20480),
    BlockPublicPolicy: z.boolean().optional(),
  }),
  GetResourcePolicy: z.object({ SecretId }),
  DeleteResourcePolicy: z.object({ SecretId }),
};

/** Validates input; Secrets Manager names a bad member in an InvalidParameterException. */
function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  return validate(schema, body, (message) => new SecretsError('InvalidParameterException', message));
}

const seconds = (ms: number) => ms / 1000;

function caller(call: ApiCall): KeyCaller {
  return { principal: call.principal, accountId: call.principal.accountId, facts: call.facts };
}

/** The value a request carries: SecretString or SecretBinary (base64 on the wire), never both. */
function requestValue(r: {
  SecretString?: string | undefined;
  SecretBinary?: string | undefined;
}): SecretValue | undefined {
  if (r.SecretString !== undefined && r.SecretBinary !== undefined)
    throw new SecretsError(
      'InvalidParameterException',
      'You must provide either SecretString or SecretBinary, but not both.',
    );
  if (r.SecretString !== undefined) return { string: r.SecretString };
  if (r.SecretBinary === undefined) return undefined;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(r.SecretBinary) || r.SecretBinary.length % 4 !== 0)
    throw new SecretsError('InvalidParameterException', 'SecretBinary is not base64.');
  const binary = Buffer.from(r.SecretBinary, 'base64');
  if (binary.length > 65536)
    throw new SecretsError('InvalidParameterException', 'SecretBinary must be at most 65536 bytes.');
  return { binary };
}

const tagsIn = (tags: { Key: string; Value: string }[] | undefined): SecretTag[] | undefined =>
  tags?.map((t) => ({ key: t.Key, value: t.Value }));
const tagsOut = (tags: SecretTag[]) => tags.map((t) => ({ Key: t.key, Value: t.value }));

/** Versions' labels by version id; versions without labels (deprecated) left out, as AWS does. */
function stagesOf(versions: SecretVersion[]): Record<string, string[]> {
  return Object.fromEntries(versions.filter((v) => v.stages.length > 0).map((v) => [v.versionId, v.stages]));
}

/** What DescribeSecret and ListSecrets tell of a secret. */
function described(secret: Secret, versions: SecretVersion[], region: string, listed: boolean) {
  return {
    ARN: secret.arn,
    Name: secret.name,
    ...(secret.description !== null && { Description: secret.description }),
    ...(secret.kmsKeyArn !== null && { KmsKeyId: secret.kmsKeyArn }),
    ...(!listed && { RotationEnabled: false }),
    LastChangedDate: seconds(secret.updatedAt),
    ...(secret.accessedAt !== null && { LastAccessedDate: seconds(secret.accessedAt) }),
    ...(secret.deletedAt !== null && { DeletedDate: seconds(secret.deletedAt) }),
    ...(secret.tags.length > 0 && { Tags: tagsOut(secret.tags) }),
    [listed ? 'SecretVersionsToStages' : 'VersionIdsToStages']: stagesOf(versions),
    CreatedDate: seconds(secret.createdAt),
    PrimaryRegion: region,
  };
}

const ListCursor = z.object({ offset: z.number().int().min(0) });

export function secretsActions(secrets: SecretService): ApiActionTable {
  const region = secrets.region;
  return {
    async CreateSecret(call) {
      const r = parse(secretsInputs.CreateSecret, call.body);
      if (r.AddReplicaRegions !== undefined && r.AddReplicaRegions.length > 0)
        throw new SecretsError(
          'InvalidRequestException',
          'Berth keeps secrets in one region: replication is not supported.',
        );
      const value = requestValue(r);
      const tags = tagsIn(r.Tags);
      const { secret, versionId } = await secrets.create(caller(call), {
        name: r.Name,
        ...(r.Description !== undefined && { description: r.Description }),
        ...(r.KmsKeyId !== undefined && { kmsKeyId: r.KmsKeyId }),
        ...(value && { value }),
        ...(r.ClientRequestToken !== undefined && { clientRequestToken: r.ClientRequestToken }),
        ...(tags && { tags }),
      });
      return { ARN: secret.arn, Name: secret.name, ...(versionId !== undefined && { VersionId: versionId }) };
    },
    async GetSecretValue(call) {
      const r = parse(secretsInputs.GetSecretValue, call.body);
      const { secret, version, value } = await secrets.getValue(caller(call), r.SecretId, {
        ...(r.VersionId !== undefined && { versionId: r.VersionId }),
        ...(r.VersionStage !== undefined && { versionStage: r.VersionStage }),
      });
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.versionId,
        ...('string' in value ? { SecretString: value.string } : { SecretBinary: value.binary.toString('base64') }),
        VersionStages: version.stages,
        CreatedDate: seconds(version.createdAt),
      };
    },
    async PutSecretValue(call) {
      const r = parse(secretsInputs.PutSecretValue, call.body);
      const value = requestValue(r);
      if (!value)
        throw new SecretsError('InvalidRequestException', 'You must provide either SecretString or SecretBinary.');
      const put = await secrets.putValue(caller(call), r.SecretId, value, {
        ...(r.ClientRequestToken !== undefined && { clientRequestToken: r.ClientRequestToken }),
        ...(r.VersionStages !== undefined && { versionStages: r.VersionStages }),
      });
      return { ARN: put.secret.arn, Name: put.secret.name, VersionId: put.versionId, VersionStages: put.stages };
    },
    async DescribeSecret(call) {
      const r = parse(secretsInputs.DescribeSecret, call.body);
      const { secret, versions } = await secrets.describe(caller(call), r.SecretId);
      return described(secret, versions, region, false);
    },
    async ListSecrets(call) {
      const r = parse(secretsInputs.ListSecrets, call.body);
      const limit = r.MaxResults ?? 100;
      const listing = [
        call.principal.accountId,
        r.Filters ?? [],
        r.SortOrder ?? 'asc',
        r.SortBy ?? null,
        !!r.IncludePlannedDeletion,
      ];
      let offset = 0;
      if (r.NextToken !== undefined) {
        const cursor = call.pages.open({ action: call.action, parameters: listing }, ListCursor, r.NextToken);
        if (!cursor) throw new SecretsError('InvalidNextTokenException', 'The NextToken value is not valid.');
        offset = cursor.offset;
      }
      const all = (await secrets.list(caller(call))).filter(
        (secret) =>
          (r.IncludePlannedDeletion || secret.deletedAt === null) &&
          matches(secret, (r.Filters ?? []) as SecretFilter[], region),
      );
      const sorted = ordered(all, r.SortBy ?? 'created-date', r.SortOrder ?? 'asc');
      const items = sorted.slice(offset, offset + limit);
      const more = offset + limit < sorted.length;
      return {
        SecretList: await Promise.all(
          items.map(async (secret) => described(secret, await secrets.versionsOf(secret), region, true)),
        ),
        ...(more && {
          NextToken: call.pages.issue({ action: call.action, parameters: listing }, { offset: offset + limit }),
        }),
      };
    },
    async UpdateSecret(call) {
      const r = parse(secretsInputs.UpdateSecret, call.body);
      const value = requestValue(r);
      const { secret, versionId } = await secrets.update(caller(call), r.SecretId, {
        ...(r.Description !== undefined && { description: r.Description }),
        ...(r.KmsKeyId !== undefined && { kmsKeyId: r.KmsKeyId }),
        ...(value && { value }),
        ...(r.ClientRequestToken !== undefined && { clientRequestToken: r.ClientRequestToken }),
      });
      return { ARN: secret.arn, Name: secret.name, ...(versionId !== undefined && { VersionId: versionId }) };
    },
    async DeleteSecret(call) {
      const r = parse(secretsInputs.DeleteSecret, call.body);
      const { secret, deletionDate } = await secrets.delete(caller(call), r.SecretId, {
        ...(r.RecoveryWindowInDays !== undefined && { recoveryWindowInDays: r.RecoveryWindowInDays }),
        ...(r.ForceDeleteWithoutRecovery !== undefined && { force: r.ForceDeleteWithoutRecovery }),
      });
      return { ARN: secret.arn, Name: secret.name, DeletionDate: seconds(deletionDate) };
    },
    async RestoreSecret(call) {
      const secret = await secrets.restore(caller(call), parse(secretsInputs.RestoreSecret, call.body).SecretId);
      return { ARN: secret.arn, Name: secret.name };
    },
    async TagResource(call) {
      const r = parse(secretsInputs.TagResource, call.body);
      await secrets.tag(caller(call), r.SecretId, tagsIn(r.Tags)!);
      return {};
    },
    async UntagResource(call) {
      const r = parse(secretsInputs.UntagResource, call.body);
      await secrets.untag(caller(call), r.SecretId, r.TagKeys);
      return {};
    },
    async PutResourcePolicy(call) {
      const r = parse(secretsInputs.PutResourcePolicy, call.body);
      const secret = await secrets.putPolicy(caller(call), r.SecretId, r.ResourcePolicy);
      return { ARN: secret.arn, Name: secret.name };
    },
    async GetResourcePolicy(call) {
      const secret = await secrets.getPolicy(caller(call), parse(secretsInputs.GetResourcePolicy, call.body).SecretId);
      return { ARN: secret.arn, Name: secret.name, ...(secret.policy !== null && { ResourcePolicy: secret.policy }) };
    },
    async DeleteResourcePolicy(call) {
      const secret = await secrets.deletePolicy(
        caller(call),
        parse(secretsInputs.DeleteResourcePolicy, call.body).SecretId,
      );
      return { ARN: secret.arn, Name: secret.name };
    },
  };
}
