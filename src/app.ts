// The one place that wires adapters to services to http plugins.
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { hostname } from 'node:os';
import type { Config } from './config/schema.js';
import { JobScheduler } from './jobs/scheduler.js';
import { ociPlugin, renderFrameworkError } from './http/oci/plugin.js';
import type { ApiActionTable } from './http/ecr/call.js';
import { awsJsonPlugin, ECR_TARGET_PREFIX } from './http/ecr/plugin.js';
import { accountActions } from './http/ecr/actions/account.js';
import { authActions } from './http/ecr/actions/auth.js';
import { imageActions } from './http/ecr/actions/images.js';
import { layerActions } from './http/ecr/actions/layers.js';
import { layerDownloadPlugin } from './http/ecr/layer-download.js';
import { repositoryActions } from './http/ecr/actions/repositories.js';
import { resourceTagActions } from './http/ecr/actions/resource-tags.js';
import { accountForHost } from './http/hosts.js';
import { iamFace } from './http/iam/face.js';
import { awsQueryPlugin } from './http/iam/plugin.js';
import { addAwsProtocolConstraint } from './http/aws-protocol.js';
import { Authenticator } from './iam/authenticator.js';
import { loadSessionService } from './iam/sessions.js';
import { ANONYMOUS, OpenAuthorizer } from './iam/authorizer.js';
import { PolicyAuthorizer } from './iam/policy-authorizer.js';
import { StoreIdentityPolicySource, StoreResourcePolicySource } from './iam/policy-sources.js';
import { requestFacts } from './http/facts.js';
import { policyActions } from './http/ecr/actions/policies.js';
import type { IdentityService, NewAccessKey } from './iam/identities.js';
import type { UserPolicyService } from './iam/user-policies.js';
import type { TokenService } from './iam/tokens.js';
import { loadSharedSecret } from './keys/shared-secret.js';
import type { MetadataStore } from './metadata/store.js';
import { dataPath, openDeployment } from './deployment.js';
import { parseRepositoryArn, RepositoryAccess } from './registry/access.js';
import { PolicyService } from './registry/policies.js';
import { AccountService } from './registry/account.js';
import { BlobService } from './registry/blobs.js';
import { ContentCache } from './registry/content-cache.js';
import { ImageService } from './registry/images.js';
import { LayerUrlService } from './registry/layer-urls.js';
import { ListingService } from './registry/listings.js';
import { ManifestService } from './registry/manifests.js';
import { RepositoryService } from './registry/repositories.js';
import { ResourceTagService } from './registry/resource-tags.js';
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
  readonly identities: IdentityService;
  /** Users' identity policies (inline and attached). */
  readonly userPolicies: UserPolicyService;
  /** Issues and verifies registry passwords. */
  readonly tokens: TokenService;
  /** The deployment's default account. */
  readonly accountId: string;
  /** The administrator key this start created (to be shown once), if it created one. */
  readonly bootstrapKey: NewAccessKey | undefined;
  /** Set when this start generated the master key file (to warn that it must be backed up). */
  readonly generatedMasterKey: string | undefined;
  /** This node's name in logs and job leases. */
  readonly nodeId: string;
  /** The ECR API actions this Berth answers (for the model conformance test). */
  readonly ecrActions: readonly string[];
  /** The IAM and STS actions this Berth answers, as iam:Name and sts:Name. */
  readonly queryActions: readonly string[];
  /** Listens on config.listen (or the given port); resolves with the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

function splitListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  return { host: listen.slice(0, at).replace(/^\[|\]$/g, '') || '0.0.0.0', port: Number(listen.slice(at + 1)) };
}

export async function createBerth(config: Config): Promise<Berth> {
  const nodeId = config.nodeId || `${hostname()}-${process.pid}`;
  const deployment = await openDeployment(config);
  const { store, identities, tokens, accountId, generatedMasterKey } = deployment;
  const driver = new FsDriver(dataPath(config, config.storage.filesystem.root, 'storage'));
  const pinned = config.admin.accessKeyId && config.admin.secretAccessKey ? { accessKeyId: config.admin.accessKeyId, secretAccessKey: config.admin.secretAccessKey } : undefined;
  const bootstrapKey = await identities.bootstrap(accountId, pinned);
  const sessions = await loadSessionService(store.settings, deployment.masterKey);
  const authenticator = new Authenticator(identities, tokens, config.registry.region, sessions);
  const open = config.auth.mode === 'open';

  const blobStore = new BlobStore(driver);
  const accessOptions = { region: config.registry.region, createRepositoryOnPush: config.registry.createRepositoryOnPush };
  const identityPolicies = new StoreIdentityPolicySource(store);
  deployment.onPoliciesChanged((owner) => identityPolicies.forget(owner));
  const resourcePolicies = new StoreResourcePolicySource(store, (arn) => parseRepositoryArn(arn, config.registry.region));
  const policyAuthorizer = open ? undefined : new PolicyAuthorizer(identityPolicies, resourcePolicies);
  const access = new RepositoryAccess(store, policyAuthorizer ?? new OpenAuthorizer(), accessOptions);
  const blobs = new BlobService(store, blobStore, access);
  const manifests = new ManifestService(store, blobStore, access, new ContentCache(config.registry.manifestCacheBytes), { maxManifestBytes: config.registry.maxManifestBytes });
  const layerUrlKey = await loadSharedSecret(store.settings, deployment.masterKey, 'layer_url_key', 'layer-url-signing-key');
  const services: RegistryServices = {
    blobs,
    uploads: new UploadService(store, blobStore, access, { maxBlobBytes: config.registry.maxBlobBytes }),
    manifests,
    listings: new ListingService(store, access),
    images: new ImageService(store, access, manifests),
    layerUrls: new LayerUrlService(store, blobs, access, layerUrlKey),
    repositories: new RepositoryService(store, access),
    resourceTags: new ResourceTagService(store, access),
    account: new AccountService(store, access),
    policies: new PolicyService(store, access),
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
    genReqId: () => randomUUID(),
  });
  if (policyAuthorizer) policyAuthorizer.log = app.log;
  addAwsProtocolConstraint(app);
  if (generatedMasterKey) app.log.warn({ file: generatedMasterKey }, 'generated a new master key: back it up — secrets and encrypted data cannot be read without it');
  if (open) app.log.warn('auth.mode is open: anyone who can reach this registry may push, pull and delete');
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
  const hostRules = config.accounts;
  await app.register(ociPlugin, {
    services,
    requireLogin: !open,
    context: async (request) => ({
      principal: open ? ANONYMOUS : await authenticator.basic(request.headers.authorization),
      accountId: accountForHost(request.headers.host, hostRules) ?? accountId,
      facts: requestFacts(request),
    }),
  });
  const ecrActions: ApiActionTable = {
    ...authActions(tokens, access, accountId, hostRules),
    ...policyActions(services.policies),
    ...repositoryActions(services.repositories, access, accountId, hostRules),
    ...resourceTagActions(services.resourceTags),
    ...accountActions(services.account),
    ...imageActions(services),
    ...layerActions(services),
  };
  await app.register(awsJsonPlugin, { targetPrefix: ECR_TARGET_PREFIX, signingName: 'ecr', authenticator, actions: ecrActions });
  await app.register(layerDownloadPlugin, { layerUrls: services.layerUrls });
  // IAM resources have no resource-based policies (a role's trust policy is STS's to read): IAM
  // actions are decided by identity policies alone, never by a repository's or registry's policy.
  const iamAuthorizer = open ? new OpenAuthorizer() : new PolicyAuthorizer(identityPolicies, { resourcePolicies: async () => ({ policies: [], tags: {} }) });
  if (iamAuthorizer instanceof PolicyAuthorizer) iamAuthorizer.log = app.log;
  const queryServices = iamFace(store, identities, sessions, iamAuthorizer, { identityPolicies });
  await app.register(awsQueryPlugin, { authenticator, services: queryServices });

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
    app, config, store, driver, services, scheduler, identities, userPolicies: deployment.userPolicies, tokens, accountId, nodeId, bootstrapKey, generatedMasterKey,
    ecrActions: Object.keys(ecrActions).sort(),
    queryActions: Object.values(queryServices).flatMap((service) => Object.keys(service.actions).map((name) => `${service.signingName}:${name}`)).sort(),
    async listen() {
      const { host, port } = splitListen(config.listen);
      return app.listen({ host, port });
    },
    async close() {
      await scheduler.stop();
      await app.close();
      await deployment.close();
    },
  };
}
