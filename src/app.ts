// The one place that wires adapters to services to http plugins.
import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { hostname } from 'node:os';
import type { Config } from './config/schema.js';
import { JobScheduler } from './jobs/scheduler.js';
import { ociPlugin, renderFrameworkError } from './http/oci/plugin.js';
import { ANONYMOUS, OpenAuthorizer } from './iam/authorizer.js';
import type { MetadataStore } from './metadata/store.js';
import { openSqliteStore } from './metadata/sqlite.js';
import { isPostgresUrl, openPostgresStore } from './metadata/postgres.js';
import { RepositoryAccess } from './registry/access.js';
import { BlobService } from './registry/blobs.js';
import { ContentCache } from './registry/content-cache.js';
import { ListingService } from './registry/listings.js';
import { ManifestService } from './registry/manifests.js';
import type { RegistryServices } from './registry/services.js';
import { UploadService } from './registry/uploads.js';
import { BlobStore } from './storage/blob-store.js';
import { PathNotFoundError, type StorageDriver } from './storage/driver.js';
import { BLOBS_ROOT } from './storage/layout.js';
import { FsDriver } from './storage/fs-driver.js';

const JANITOR_INTERVAL_MS = 10 * 60 * 1000;

export interface Berth {
  readonly app: FastifyInstance;
  readonly config: Config;
  readonly store: MetadataStore;
  readonly driver: StorageDriver;
  readonly services: RegistryServices;
  readonly scheduler: JobScheduler;
  readonly accountId: string;
  /** This node's name in logs and job leases. */
  readonly nodeId: string;
  /** Listens on config.listen (or the given port); resolves with the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

function dataPath(config: Config, value: string, fallback: string): string {
  const dir = resolve(config.dataDir);
  if (!value) return join(dir, fallback);
  return isAbsolute(value) ? value : resolve(value);
}

async function openMetadata(config: Config): Promise<MetadataStore> {
  const url = config.metadata.url;
  if (!url) return openSqliteStore(dataPath(config, '', 'berth.db'));
  if (url.startsWith('sqlite:')) return openSqliteStore(url === 'sqlite::memory:' ? ':memory:' : resolve(url.slice('sqlite:'.length).replace(/^\/\//, '')));
  if (isPostgresUrl(url)) return openPostgresStore(url, { poolSize: config.metadata.poolSize });
  throw new Error(`metadata.url: unsupported database "${url.split(':', 1)[0]}" (supported: sqlite:<file>, postgres://…)`);
}

function splitListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  return { host: listen.slice(0, at).replace(/^\[|\]$/g, '') || '0.0.0.0', port: Number(listen.slice(at + 1)) };
}

export async function createBerth(config: Config): Promise<Berth> {
  const nodeId = config.nodeId || `${hostname()}-${process.pid}`;
  mkdirSync(resolve(config.dataDir), { recursive: true });
  const driver = new FsDriver(dataPath(config, config.storage.filesystem.root, 'storage'));
  const store = await openMetadata(config);
  const accountId = await store.settings.setIfAbsent('default_account_id', String(randomInt(1e11, 1e12 - 1)).padStart(12, '0'));

  const blobStore = new BlobStore(driver);
  const access = new RepositoryAccess(store, new OpenAuthorizer(), { region: config.registry.region, createRepositoryOnPush: config.registry.createRepositoryOnPush });
  const services: RegistryServices = {
    blobs: new BlobService(store, blobStore, access),
    uploads: new UploadService(store, blobStore, access, { maxBlobBytes: config.registry.maxBlobBytes }),
    manifests: new ManifestService(store, blobStore, access, new ContentCache(config.registry.manifestCacheBytes), { maxManifestBytes: config.registry.maxManifestBytes }),
    listings: new ListingService(store, access),
  };

  const app = Fastify({
    logger: { level: config.log.level, base: { node: nodeId } },
    logController: new LogController({ disableRequestLogging: true }),
    requestTimeout: 0,
    connectionTimeout: 0,
    keepAliveTimeout: 75_000,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 4096, ignoreDuplicateSlashes: false },
    frameworkErrors: renderFrameworkError,
  });
  if (config.log.requests) {
    app.addHook('onResponse', async (request, reply) => {
      request.log.info({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    });
  }
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const database = await store.ping();
    const storage = await driver.stat(BLOBS_ROOT).then(() => true, (err) => err instanceof PathNotFoundError);
    return reply.code(database && storage ? 200 : 503).send({ database, storage });
  });
  await app.register(ociPlugin, { services, context: async () => ({ principal: ANONYMOUS, accountId }) });

  const scheduler = new JobScheduler(store, nodeId, app.log, [{
    name: 'expire-uploads',
    intervalMs: JANITOR_INTERVAL_MS,
    leaseMs: JANITOR_INTERVAL_MS,
    async run() {
      const removed = await services.uploads.expire(Date.now() - config.registry.uploadExpiryHours * 3_600_000);
      if (removed > 0) app.log.info({ removed }, 'expired abandoned uploads');
    },
  }]);
  await scheduler.start();

  return {
    app, config, store, driver, services, scheduler, accountId, nodeId,
    async listen() {
      const { host, port } = splitListen(config.listen);
      return app.listen({ host, port });
    },
    async close() {
      await scheduler.stop();
      await app.close();
      await store.close();
    },
  };
}
