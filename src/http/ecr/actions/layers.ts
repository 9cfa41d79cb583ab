// The layer actions of the ECR API (the ECR faces' shared layer actions, aws-json/registry-api/
// layers.ts) on ECR's registries, addressed by account id.
import type { RegistryServices } from '../../../registry/services.js';
import type { ApiActionTable } from '../../aws-json/call.js';
import { context } from '../../aws-json/registry-api/call.js';
import { layerActions as registryLayerActions, type LayerScope } from '../../aws-json/registry-api/layers.js';
import { RegistryId, RepositoryName } from '../shapes.js';

const ECR_SCOPE: LayerScope = {
  registryId: RegistryId,
  repositoryName: RepositoryName,
  context,
  registryIdOf: (ctx) => ctx.registry.accountId,
};

export function layerActions(services: RegistryServices): ApiActionTable {
  return registryLayerActions(services, ECR_SCOPE);
}
