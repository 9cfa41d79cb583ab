// GET /healthz and GET /readyz, on every listener.
import type { FastifyInstance } from 'fastify';
import type { MetadataStore } from '../metadata/store.js';
import { PathNotFoundError, type StorageDriver } from '../storage/driver.js';
import { BLOBS_ROOT } from '../storage/layout.js';

/** Whether the node reaches its database and its storage (the directory, or the S3 bucket). */
export type Readiness = () => Promise<{ database: boolean; storage: boolean }>;

export function readiness(store: MetadataStore, driver: StorageDriver): Readiness {
  return async () => ({
    database: await store.ping(),
    storage: await driver.stat(BLOBS_ROOT).then(
      () => true,
      (err) => err instanceof PathNotFoundError,
    ),
  });
}

/** GET /healthz; GET /readyz: 200 when the node reaches its database and storage, 503 otherwise (for load balancers). */
export function addHealthRoutes(app: FastifyInstance, ready: Readiness): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const state = await ready();
    return reply.code(state.database && state.storage ? 200 : 503).send(state);
  });
}
