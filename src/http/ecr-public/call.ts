// What the ECR Public actions share: the public registry a request addresses (a registry id or
// alias, else the caller's), how its names appear to clients, and error messages in its terms.
import type { AliasService } from '../../gallery/aliases.js';
import { ManagementError } from '../../domain/management-errors.js';
import type { Repository } from '../../metadata/store.js';
import type { RequestContext } from '../../domain/request-context.js';
import { accountOfKey, inAccountTerms, publicContext } from '../../registry/public-access.js';
import type { ApiActionTable, ApiCall } from '../aws-json/call.js';

/** Where the public registry answers, as clients name it. */
export interface PublicEndpoint {
  /** HOST[:PORT] of image references. */
  host(): string;
  /** The base URL of the public listener (for logo URLs). */
  baseUrl(): string;
}

export interface PublicFace {
  aliases: AliasService;
  endpoint: PublicEndpoint;
  region: string;
}

/** The public registry a call addresses: `registryId` (an id, or an alias for the actions taking one) or the caller's own. */
export async function publicCall(face: PublicFace, call: ApiCall, registryId?: string): Promise<RequestContext> {
  const accountId =
    registryId === undefined || /^\d{12}$/.test(registryId)
      ? (registryId ?? call.principal.accountId)
      : await face.aliases.resolve(registryId);
  if (!accountId)
    throw new ManagementError('REGISTRY_NOT_FOUND', `The registry with alias '${registryId}' does not exist`);
  // A push names a missing repository as ECR Public does (RepositoryNotFoundException).
  return { ...publicContext(call.principal, accountId), createOnPush: false };
}

/** The public repository as the model's Repository. */
export async function renderRepository(face: PublicFace, repository: Repository): Promise<object> {
  const accountId = accountOfKey(repository.accountId);
  const alias = await face.aliases.primary(accountId);
  return {
    repositoryArn: `arn:aws:ecr-public::${accountId}:repository/${repository.name}`,
    registryId: accountId,
    repositoryName: repository.name,
    repositoryUri: `${face.endpoint.host()}/${alias ?? accountId}/${repository.name}`,
    createdAt: repository.createdAt / 1000,
  };
}

/** Messages name registries by account id, never by the key public repositories are kept under. */
export function inPublicTerms(actions: ApiActionTable): ApiActionTable {
  const out: ApiActionTable = {};
  for (const [name, action] of Object.entries(actions)) {
    out[name] = async (call) => {
      try {
        return await action(call);
      } catch (err) {
        throw inAccountTerms(err);
      }
    };
  }
  return out;
}
