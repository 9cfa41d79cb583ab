// ECR managed signing's API on the registry: PutSigningConfiguration, GetSigningConfiguration,
// DeleteSigningConfiguration and DescribeImageSigningStatus. A rule names a signing profile
// (arn:aws:signer:<region>:<account>:/signing-profiles/<name>); Berth has no AWS Signer, so a
// profile is the KMS signing key (SIGN_VERIFY) with the alias alias/<name> in that account, which
// must be the registry's own. Which repositories a rule signs: its WILDCARD_MATCH filters (none: all).
import { Actions } from '../domain/actions.js';
import { resolveImageId } from '../domain/image-id.js';
import { KmsError } from '../domain/kms-errors.js';
import { ManagementError } from '../domain/management-errors.js';
import type { ImageSigningRecord, SigningRule } from '../domain/records/signing.js';
import type { RequestContext } from '../domain/request-context.js';
import type { SigningKeys } from '../domain/signing-keys.js';
import { wildcardMatches } from '../domain/wildcard.js';
import type { MetadataStore } from '../metadata/store.js';
import type { RepositoryAccess } from './access.js';

const PROFILE = /^arn:aws(-[a-z]+)*:signer:[a-z0-9-]+:([0-9]{12}):\/signing-profiles\/([a-zA-Z0-9_]{2,})$/;

/** The account and KMS alias a signing profile ARN names. */
export function profileKey(profileArn: string): { accountId: string; alias: string } | undefined {
  const match = PROFILE.exec(profileArn);
  return match ? { accountId: match[2]!, alias: `alias/${match[3]!}` } : undefined;
}

/** The rules that sign pushes to this repository. */
export function matchingRules(rules: SigningRule[], repositoryName: string): SigningRule[] {
  return rules.filter(
    (r) =>
      !r.repositoryFilters ||
      r.repositoryFilters.length === 0 ||
      r.repositoryFilters.some((f) => wildcardMatches(f.filter, repositoryName)),
  );
}

export class SigningConfigurations {
  constructor(
    private readonly store: Pick<MetadataStore, 'signing' | 'manifests' | 'tags'>,
    private readonly access: RepositoryAccess,
    private readonly keys: SigningKeys,
  ) {}

  async put(ctx: RequestContext, rules: SigningRule[]): Promise<SigningRule[]> {
    await this.access.authorizeRegistry(ctx, Actions.PutSigningConfiguration);
    const accountId = ctx.registry.accountId;
    for (const rule of rules) await this.keyOf(accountId, rule.signingProfileArn);
    const normalized = rules.map((r) => ({
      signingProfileArn: r.signingProfileArn,
      ...(r.repositoryFilters &&
        r.repositoryFilters.length > 0 && {
          repositoryFilters: r.repositoryFilters.map((f) => ({ filter: f.filter, filterType: f.filterType })),
        }),
    }));
    await this.store.signing.putConfiguration(accountId, normalized, Date.now());
    return normalized;
  }

  async get(ctx: RequestContext): Promise<SigningRule[]> {
    await this.access.authorizeRegistry(ctx, Actions.GetSigningConfiguration);
    const rules = await this.store.signing.configuration(ctx.registry.accountId);
    if (!rules) throw notFound(ctx.registry.accountId);
    return rules;
  }

  async delete(ctx: RequestContext): Promise<SigningRule[]> {
    await this.access.authorizeRegistry(ctx, Actions.DeleteSigningConfiguration);
    const rules = await this.store.signing.deleteConfiguration(ctx.registry.accountId);
    if (!rules) throw notFound(ctx.registry.accountId);
    return rules;
  }

  async statuses(
    ctx: RequestContext,
    repositoryName: string,
    imageId: { imageDigest?: string; imageTag?: string },
  ): Promise<{ digest: string; tag?: string; statuses: ImageSigningRecord[] }> {
    const repository = await this.access.existing(ctx, repositoryName, Actions.DescribeImageSigningStatus);
    const image = await resolveImageId(this.store, repository, ctx.registry.accountId, imageId);
    return {
      digest: image.digest,
      ...(imageId.imageTag !== undefined && { tag: imageId.imageTag }),
      statuses: await this.store.signing.statuses(repository.id, image.digest),
    };
  }

  /** The signing key a rule's profile names: InvalidParameterException saying why it cannot sign. */
  private async keyOf(accountId: string, profileArn: string): Promise<string> {
    const named = profileKey(profileArn);
    if (!named || named.accountId !== accountId)
      throw new ManagementError(
        'INVALID_PARAMETER',
        `Invalid parameter at 'signingConfiguration': the signing profile ${profileArn} is not one of registry ${accountId} (arn:aws:signer:<region>:${accountId}:/signing-profiles/<name>)`,
      );
    try {
      return (await this.keys.signingKey(accountId, named.alias)).arn;
    } catch (err) {
      if (!(err instanceof KmsError)) throw err;
      throw new ManagementError(
        'INVALID_PARAMETER',
        `Invalid parameter at 'signingConfiguration': the signing profile ${profileArn} is the KMS key ${named.alias}, which cannot sign: ${err.type}: ${err.message}`,
      );
    }
  }
}

function notFound(accountId: string): ManagementError {
  return new ManagementError(
    'SIGNING_CONFIGURATION_NOT_FOUND',
    `The registry with id '${accountId}' does not have a signing configuration`,
  );
}
