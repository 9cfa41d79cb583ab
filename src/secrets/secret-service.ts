// Secrets Manager (issue 22): secrets and their versions, values sealed with the master key or a
// KMS key of the secret, scheduled deletion with a recovery window, tags and resource policies.
// Every operation is authorized on the secret's ARN (secretsmanager:<Action>) through the one
// authorizer, where the secret's resource policy and tags decide beside the caller's policies.
import { SecretsActions, type Action } from '../domain/actions.js';
import type { Authorizer } from '../domain/authorizer.js';
import type { KeyCaller } from '../domain/key-wrapping.js';
import type { Secret, SecretTag, SecretVersion } from '../domain/records/secrets.js';
import { SecretsError } from '../domain/secrets-errors.js';
import type { MetadataStore } from '../metadata/store.js';
import { parsePolicy, PolicyValidationError } from '../policy/document.js';
import { arnSuffix, checkName, CURRENT, partialArn, PREVIOUS, secretArn, versionIdOf } from './secret-names.js';
import type { SecretSealing, SecretValue } from './secret-sealing.js';

export const DAY_MS = 86_400_000;
/** Tags a secret may carry (AWS's quota). */
export const MAX_TAGS = 50;

export interface NewSecret {
  name: string;
  description?: string;
  kmsKeyId?: string;
  value?: SecretValue;
  clientRequestToken?: string;
  tags?: SecretTag[];
}

export interface VersionChoice {
  versionId?: string;
  versionStage?: string;
}

export class SecretService {
  constructor(
    private readonly store: Pick<MetadataStore, 'secrets'>,
    private readonly sealing: SecretSealing,
    private readonly authorizer: Authorizer,
    readonly region: string,
    private readonly now: () => number = Date.now,
  ) {}

  private async authorize(caller: KeyCaller, action: Action, resource: string): Promise<void> {
    await this.authorizer.authorize({
      principal: caller.principal,
      action,
      resource,
      // A secret's account is its ARN's (another account's secret is named by its ARN); ListSecrets' is the caller's.
      ...(resource === '*' && { resourceAccount: caller.accountId }),
      ...(caller.facts && { facts: caller.facts }),
    });
  }

  /** The secret a SecretId names (its name, its ARN, or its ARN without the suffix), once the caller may do `action` on it. */
  async find(caller: KeyCaller, secretId: string, action: Action): Promise<Secret> {
    let secret: Secret | undefined;
    if (secretId.startsWith('arn:')) {
      secret = await this.store.secrets.getByArn(secretId);
      // An ARN without its suffix: the secret of that name in the ARN's account.
      const partial = /^arn:aws:secretsmanager:([^:]+):(\d{12}):secret:(.+)$/.exec(secretId);
      if (!secret && partial && partial[1] === this.region)
        secret = await this.store.secrets.get(partial[2]!, partial[3]!);
    } else {
      secret = await this.store.secrets.get(caller.accountId, secretId);
    }
    const resource =
      secret?.arn ?? (secretId.startsWith('arn:') ? secretId : partialArn(this.region, caller.accountId, secretId));
    await this.authorize(caller, action, resource);
    if (!secret)
      throw new SecretsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  }

  /** As find, refusing a secret scheduled for deletion (as AWS does for reads and writes of one). */
  private async findLive(caller: KeyCaller, secretId: string, action: Action): Promise<Secret> {
    const secret = await this.find(caller, secretId, action);
    if (secret.deletedAt !== null)
      throw new SecretsError(
        'InvalidRequestException',
        `You can't perform this operation on the secret because it was marked for deletion.`,
      );
    return secret;
  }

  async create(caller: KeyCaller, input: NewSecret): Promise<{ secret: Secret; versionId?: string }> {
    checkName(input.name);
    const tags = input.tags ?? [];
    checkTags(tags);
    const suffix = arnSuffix();
    const arn = secretArn(this.region, caller.accountId, input.name, suffix);
    await this.authorize(caller, SecretsActions.CreateSecret, arn);
    // Tags given with the secret are tagging too, as AWS asks.
    if (tags.length > 0) await this.authorize(caller, SecretsActions.TagResource, arn);
    const existing = await this.store.secrets.get(caller.accountId, input.name);
    if (existing) throw exists(existing);
    const kmsKeyArn =
      input.kmsKeyId === undefined || input.kmsKeyId === ''
        ? null
        : await this.sealing.keyForWriting(caller, input.kmsKeyId, arn);
    const now = this.now();
    const secret: Secret = {
      id: `${caller.accountId}/${input.name}-${suffix}`,
      accountId: caller.accountId,
      name: input.name,
      arn,
      description: input.description ?? null,
      kmsKeyArn,
      tags,
      policy: null,
      createdAt: now,
      updatedAt: now,
      accessedAt: null,
      deletedAt: null,
    };
    let first: SecretVersion | undefined;
    if (input.value) {
      const versionId = versionIdOf(input.clientRequestToken);
      first = {
        secretId: secret.id,
        versionId,
        stages: [CURRENT],
        sealed: await this.sealing.seal(caller, input.value, arn, versionId, kmsKeyArn),
        createdAt: now,
      };
    }
    if (!(await this.store.secrets.create(secret, first))) {
      const raced = await this.store.secrets.get(caller.accountId, input.name);
      throw raced
        ? exists(raced)
        : new SecretsError('ResourceExistsException', `A resource with the ID you requested already exists.`);
    }
    this.authorizer.forget?.();
    return { secret, ...(first && { versionId: first.versionId }) };
  }

  async getValue(
    caller: KeyCaller,
    secretId: string,
    choice: VersionChoice,
  ): Promise<{ secret: Secret; version: SecretVersion; value: SecretValue }> {
    const secret = await this.findLive(caller, secretId, SecretsActions.GetSecretValue);
    const versions = await this.store.secrets.versions(secret.id);
    const stage = choice.versionStage ?? (choice.versionId === undefined ? CURRENT : undefined);
    const version = versions.find(
      (v) =>
        (choice.versionId === undefined || v.versionId === choice.versionId) &&
        (stage === undefined || v.stages.includes(stage)),
    );
    if (!version)
      throw new SecretsError(
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for ${
          choice.versionId !== undefined ? `VersionId: ${choice.versionId}` : `staging label: ${stage}`
        }`,
      );
    const value = await this.sealing.open(caller, version.sealed, secret.arn, version.versionId);
    const day = Math.floor(this.now() / DAY_MS) * DAY_MS;
    if (secret.accessedAt !== day) await this.store.secrets.update(secret.id, { accessedAt: day });
    return { secret, version, value };
  }

  /** Adds a version (PutSecretValue, and UpdateSecret with a value); an existing version id with the same value is a retry. */
  async putValue(
    caller: KeyCaller,
    secretId: string,
    value: SecretValue,
    options: { clientRequestToken?: string; versionStages?: string[] },
    action: Action = SecretsActions.PutSecretValue,
    known?: Secret,
  ): Promise<{ secret: Secret; versionId: string; stages: string[] }> {
    const secret = known ?? (await this.findLive(caller, secretId, action));
    const stages = options.versionStages ?? [CURRENT];
    const versionId = versionIdOf(options.clientRequestToken);
    const versions = await this.store.secrets.versions(secret.id);
    const same = versions.find((v) => v.versionId === versionId);
    if (same) return this.retried(caller, secret, same, value);
    const sealed = await this.sealing.seal(caller, value, secret.arn, versionId, secret.kmsKeyArn);
    const restaged: Record<string, string[]> = {};
    const movesCurrent = stages.includes(CURRENT);
    for (const v of versions) {
      let labels = v.stages.filter((s) => !stages.includes(s));
      // AWSCURRENT moving on: its old version becomes AWSPREVIOUS, which leaves the one before.
      if (movesCurrent) labels = labels.filter((s) => s !== PREVIOUS);
      if (movesCurrent && v.stages.includes(CURRENT)) labels.push(PREVIOUS);
      if (labels.join('\n') !== v.stages.join('\n')) restaged[v.versionId] = labels;
    }
    const now = this.now();
    const added = await this.store.secrets.addVersion(
      { secretId: secret.id, versionId, stages, sealed, createdAt: now },
      restaged,
    );
    if (!added) {
      const raced = (await this.store.secrets.versions(secret.id)).find((v) => v.versionId === versionId);
      if (raced) return this.retried(caller, secret, raced, value);
    }
    await this.store.secrets.update(secret.id, { updatedAt: now });
    return { secret, versionId, stages };
  }

  private async retried(caller: KeyCaller, secret: Secret, version: SecretVersion, value: SecretValue) {
    const stored = await this.sealing.open(caller, version.sealed, secret.arn, version.versionId);
    if (!sameValue(stored, value))
      throw new SecretsError(
        'ResourceExistsException',
        `You can't modify an existing version, you can only create new versions.`,
      );
    return { secret, versionId: version.versionId, stages: version.stages };
  }

  async describe(caller: KeyCaller, secretId: string): Promise<{ secret: Secret; versions: SecretVersion[] }> {
    const secret = await this.find(caller, secretId, SecretsActions.DescribeSecret);
    return { secret, versions: await this.store.secrets.versions(secret.id) };
  }

  /** Every secret of the caller's account (filtering, order and pages are the face's). */
  async list(caller: KeyCaller): Promise<Secret[]> {
    await this.authorize(caller, SecretsActions.ListSecrets, '*');
    return this.store.secrets.list(caller.accountId);
  }

  /** A listed secret's versions (ListSecrets' SecretVersionsToStages, read for the page's secrets only). */
  versionsOf(secret: Secret): Promise<SecretVersion[]> {
    return this.store.secrets.versions(secret.id);
  }

  async update(
    caller: KeyCaller,
    secretId: string,
    input: { description?: string; kmsKeyId?: string; value?: SecretValue; clientRequestToken?: string },
  ): Promise<{ secret: Secret; versionId?: string }> {
    let secret = await this.findLive(caller, secretId, SecretsActions.UpdateSecret);
    const now = this.now();
    let kmsKeyArn: string | null | undefined;
    if (input.kmsKeyId !== undefined)
      kmsKeyArn = input.kmsKeyId === '' ? null : await this.sealing.keyForWriting(caller, input.kmsKeyId, secret.arn);
    await this.store.secrets.update(secret.id, {
      ...(input.description !== undefined && { description: input.description }),
      ...(kmsKeyArn !== undefined && { kmsKeyArn }),
      updatedAt: now,
    });
    secret = {
      ...secret,
      ...(input.description !== undefined && { description: input.description }),
      ...(kmsKeyArn !== undefined && { kmsKeyArn }),
      updatedAt: now,
    };
    if (!input.value) return { secret };
    const put = await this.putValue(
      caller,
      secretId,
      input.value,
      { ...(input.clientRequestToken !== undefined && { clientRequestToken: input.clientRequestToken }) },
      SecretsActions.UpdateSecret,
      secret,
    );
    return { secret, versionId: put.versionId };
  }

  async delete(
    caller: KeyCaller,
    secretId: string,
    options: { recoveryWindowInDays?: number; force?: boolean },
  ): Promise<{ secret: Secret; deletionDate: number }> {
    if (options.force && options.recoveryWindowInDays !== undefined)
      throw new SecretsError(
        'InvalidParameterException',
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
      );
    const days = options.recoveryWindowInDays ?? 30;
    if (!options.force && (!Number.isInteger(days) || days < 7 || days > 30))
      throw new SecretsError(
        'InvalidParameterException',
        'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).',
      );
    const secret = await this.find(caller, secretId, SecretsActions.DeleteSecret);
    const now = this.now();
    if (options.force) {
      await this.store.secrets.delete(secret.id);
      this.authorizer.forget?.();
      return { secret, deletionDate: now };
    }
    if (secret.deletedAt !== null)
      throw new SecretsError(
        'InvalidRequestException',
        `You can't perform this operation on the secret because it was already scheduled for deletion.`,
      );
    const deletionDate = now + days * DAY_MS;
    await this.store.secrets.update(secret.id, { deletedAt: deletionDate });
    return { secret: { ...secret, deletedAt: deletionDate }, deletionDate };
  }

  async restore(caller: KeyCaller, secretId: string): Promise<Secret> {
    const secret = await this.find(caller, secretId, SecretsActions.RestoreSecret);
    if (secret.deletedAt !== null) await this.store.secrets.update(secret.id, { deletedAt: null });
    return { ...secret, deletedAt: null };
  }

  async tag(caller: KeyCaller, secretId: string, tags: SecretTag[]): Promise<void> {
    const secret = await this.findLive(caller, secretId, SecretsActions.TagResource);
    const merged = new Map(secret.tags.map((t) => [t.key, t.value]));
    for (const t of tags) merged.set(t.key, t.value);
    const next = [...merged].map(([key, value]) => ({ key, value }));
    checkTags(next);
    await this.store.secrets.update(secret.id, { tags: next, updatedAt: this.now() });
    this.authorizer.forget?.();
  }

  async untag(caller: KeyCaller, secretId: string, keys: string[]): Promise<void> {
    const secret = await this.findLive(caller, secretId, SecretsActions.UntagResource);
    const next = secret.tags.filter((t) => !keys.includes(t.key));
    await this.store.secrets.update(secret.id, { tags: next, updatedAt: this.now() });
    this.authorizer.forget?.();
  }

  async putPolicy(caller: KeyCaller, secretId: string, policy: string): Promise<Secret> {
    const secret = await this.findLive(caller, secretId, SecretsActions.PutResourcePolicy);
    try {
      parsePolicy(policy, { kind: 'resource', maxLength: 20_480 });
    } catch (err) {
      if (err instanceof PolicyValidationError)
        throw new SecretsError(
          'MalformedPolicyDocumentException',
          `This resource policy contains a syntax error: ${err.message}`,
        );
      throw err;
    }
    await this.store.secrets.update(secret.id, { policy });
    this.authorizer.forget?.();
    return secret;
  }

  async getPolicy(caller: KeyCaller, secretId: string): Promise<Secret> {
    return this.find(caller, secretId, SecretsActions.GetResourcePolicy);
  }

  async deletePolicy(caller: KeyCaller, secretId: string): Promise<Secret> {
    const secret = await this.find(caller, secretId, SecretsActions.DeleteResourcePolicy);
    await this.store.secrets.update(secret.id, { policy: null });
    this.authorizer.forget?.();
    return secret;
  }

  /** Removes secrets whose recovery window has passed (the scheduled deletion job); how many it removed. */
  async purgeDue(limit = 100): Promise<number> {
    const due = await this.store.secrets.dueForDeletion(this.now(), limit);
    for (const secret of due) await this.store.secrets.delete(secret.id);
    if (due.length > 0) this.authorizer.forget?.();
    return due.length;
  }
}

function exists(secret: Secret): SecretsError {
  return new SecretsError(
    secret.deletedAt !== null ? 'InvalidRequestException' : 'ResourceExistsException',
    secret.deletedAt !== null
      ? `You can't create this secret because a secret with this name is already scheduled for deletion.`
      : `The operation failed because the secret ${secret.name} already exists.`,
  );
}

function checkTags(tags: SecretTag[]): void {
  if (tags.length > MAX_TAGS)
    throw new SecretsError('LimitExceededException', `A secret can have at most ${MAX_TAGS} tags.`);
  const keys = new Set<string>();
  for (const t of tags) {
    if (t.key.startsWith('aws:'))
      throw new SecretsError('InvalidParameterException', 'Tag keys that start with aws: are reserved.');
    if (keys.has(t.key)) throw new SecretsError('InvalidParameterException', `Tag key ${t.key} is given twice.`);
    keys.add(t.key);
  }
}

function sameValue(a: SecretValue, b: SecretValue): boolean {
  if ('string' in a) return 'string' in b && a.string === b.string;
  return 'binary' in b && a.binary.equals(b.binary);
}
