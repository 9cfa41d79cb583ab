// The layer actions of ECR Public: the ECR faces' shared layer actions (less GetDownloadUrlForLayer,
// which ECR Public lacks) on public repositories, addressed by registry id or alias.
import type { RegistryServices } from '../../../registry/services.js';
import type { ApiActionTable } from '../../aws-json/call.js';
import { layerActions } from '../../aws-json/registry-api/layers.js';
import { publicCall, type PublicFace } from '../call.js';
import { RegistryIdOrAlias, RepositoryName } from '../shapes.js';

export function publicLayerActions(face: PublicFace, services: RegistryServices): ApiActionTable {
  const { GetDownloadUrlForLayer: _, ...actions } = layerActions(services, {
    registryId: RegistryIdOrAlias,
    repositoryName: RepositoryName,
    context: (call, registryId) => publicCall(face, call, registryId),
    registryIdOf: (ctx) => ctx.registry.accountId,
  });
  return actions;
}
