// Public repositories (ECR Public) are ordinary repository rows kept under the registry key
// `public:<account>`, which no account id can equal: a public and a private repository of one
// account may share a name, private listings never see public ones, and every blob, upload and
// manifest service works on them unchanged. Their ARNs are ECR Public's.
import { publicActionOf, type Action } from '../domain/actions.js';
import type { Authorizer } from '../domain/authorizer.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Repository } from '../domain/records/repositories.js';
import { RepositoryAccess } from './access.js';
import type { RequestContext } from '../domain/request-context.js';
import { isRepositoryName } from '../domain/names.js';
import type { Principal } from '../domain/principal.js';

const PREFIX = 'public:';

/** The registry key an account's public repositories are kept under. */
export function publicRegistryKey(accountId: string): string {
  return `${PREFIX}${accountId}`;
}

/** The account of a registry key (public or not). */
export function accountOfKey(key: string): string {
  return key.startsWith(PREFIX) ? key.slice(PREFIX.length) : key;
}

/** The context of a request on an account's public registry. */
export function publicContext(principal: Principal, accountId: string): RequestContext {
  return { principal, accountId: publicRegistryKey(accountId) };
}

/** An error whose message names a registry key, reworded to name the account. */
export function inAccountTerms(err: unknown): unknown {
  if (err instanceof Error && err.message.includes(PREFIX)) err.message = err.message.replace(/public:(\d{12})/g, '$1');
  return err;
}

/** The registry key and name of a public repository ARN (arn:aws:ecr-public::<account>:repository/<name>). */
export function parsePublicRepositoryArn(arn: string): { accountId: string; name: string } | undefined {
  const match = /^arn:aws:ecr-public::(\d{12}):repository\/(.+)$/.exec(arn);
  if (!match || !isRepositoryName(match[2]!)) return undefined;
  return { accountId: publicRegistryKey(match[1]!), name: match[2]! };
}

export class PublicRepositoryAccess extends RepositoryAccess {
  constructor(store: MetadataStore, authorizer: Authorizer, region: string) {
    // Public repositories are made by CreateRepository only, as in ECR Public.
    super(store, authorizer, { region, createRepositoryOnPush: false });
  }

  override repositoryArn(key: string, name: string): string {
    return `arn:aws:ecr-public::${accountOfKey(key)}:repository/${name}`;
  }

  /** ECR Public's names: ecr-public:SetRepositoryPolicy (the authorizer renames the same way, iam/public-pulls.ts). */
  override policyAction(action: Action): Action {
    return publicActionOf(action);
  }

  /** Refusals name the registry by its account id, on every face. */
  override async existing(ctx: RequestContext, name: string, action: Action): Promise<Repository> {
    return super.existing(ctx, name, action).catch((err: unknown) => {
      throw inAccountTerms(err);
    });
  }

  override async pushTarget(ctx: RequestContext, name: string, action: Action): Promise<Repository | undefined> {
    return super.pushTarget(ctx, name, action).catch((err: unknown) => {
      throw inAccountTerms(err);
    });
  }

  /** Registry-level actions name the public registry: arn:aws:ecr-public::<account>:registry/<account>. */
  override async authorizeRegistry(ctx: RequestContext, action: Action): Promise<void> {
    const account = accountOfKey(ctx.accountId);
    await this.authorizer.authorize({
      principal: ctx.principal,
      action,
      resource: `arn:aws:ecr-public::${account}:registry/${account}`,
    });
  }

  override parseRepositoryArn(arn: string): { accountId: string; name: string } | undefined {
    return parsePublicRepositoryArn(arn);
  }
}
