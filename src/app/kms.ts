// The key service (KMS keys of every account), its grants, and the data keys blobs are sealed with.
import type { Config } from '../config/schema.js';
import type { Authorizer } from '../domain/authorizer.js';
import { GrantService } from '../kms/grant-service.js';
import { KeyService } from '../kms/key-service.js';
import { DataKeys } from '../registry/data-keys.js';
import type { Deployment } from './deployment.js';

export interface KmsWiring {
  readonly keyService: KeyService;
  readonly dataKeys: DataKeys;
  readonly grantService: GrantService;
}

export function wireKms(config: Config, deployment: Deployment, authorizer: Authorizer): KmsWiring {
  const { store } = deployment;
  const keyService = new KeyService(store, deployment.masterKey, authorizer, config.registry.region);
  const dataKeys = new DataKeys(store, deployment.masterKey, keyService);
  const grantService = new GrantService(store, keyService, config.registry.region);
  return { keyService, dataKeys, grantService };
}
