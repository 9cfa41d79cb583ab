// What the ECR Public actions share: the public registry a request addresses (a registry id or
// alias, else the caller's) and how its names appear to clients.
import { ManagementError } from '../../domain/management-errors.js';
import type { Repository } from '../../domain/records/repositories.js';
import { publicRegistry, repositoryArn } from '../../domain/registry.js';
import type { RequestContext } from '../../domain/request-context.js';
import type { AliasService } from '../../public/aliases.js';
import type { ApiCall } from '../aws-json/call.js';

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
  return { principal: call.principal, registry: publicRegistry(accountId), createOnPush: false };
}

/** The public repository (of `accountId`'s public registry) as the model's Repository. */
export async function renderRepository(face: PublicFace, accountId: string, repository: Repository): Promise<object> {
  const alias = await face.aliases.primary(accountId);
  return {
    repositoryArn: repositoryArn(publicRegistry(accountId), face.region, repository.name),
    registryId: accountId,
    repositoryName: repository.name,
    repositoryUri: `${face.endpoint.host()}/${alias ?? accountId}/${repository.name}`,
    createdAt: repository.createdAt / 1000,
  };
}
