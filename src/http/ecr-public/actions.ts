// The ECR Public API (AWS JSON 1.1, X-Amz-Target: SpencerFrontendService.<Action>, SigV4 service
// ecr-public): its 23 actions over the public repositories, answered at ECR's POST /.
import type { PublicRepositoryService } from '../../public/repositories.js';
import type { TokenService } from '../../iam/tokens.js';
import type { RegistryServices } from '../../registry/services.js';
import type { ApiActionTable } from '../aws-json/call.js';
import { resourceTagActions } from '../aws-json/registry-api/resource-tags.js';
import type { PublicFace } from './call.js';
import { publicImageActions } from './actions/images.js';
import { publicLayerActions } from './actions/layers.js';
import { registryActions } from './actions/registries.js';
import { publicRepositoryActions } from './actions/repositories.js';

export function ecrPublicActions(
  face: PublicFace,
  services: RegistryServices,
  publicRepositories: PublicRepositoryService,
  tokens: TokenService,
): ApiActionTable {
  return {
    ...publicRepositoryActions(face, publicRepositories, services.repositories, services.policies),
    ...registryActions(face, publicRepositories, tokens),
    ...publicImageActions(face, services, publicRepositories),
    ...publicLayerActions(face, services),
    ...resourceTagActions(services.resourceTags),
  };
}
