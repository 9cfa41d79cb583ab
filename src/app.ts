// The one place that wires adapters to services to http plugins.
import { randomUUID } from 'node:crypto';
import { LogController, type FastifyInstance } from 'fastify';
import { hostname } from 'node:os';
import type { Config } from './config/schema.js';
import { JobScheduler } from './jobs/scheduler.js';
import { ociPlugin, renderFrameworkError } from './http/oci/plugin.js';
import type { ApiActionTable } from './http/aws-json/call.js';
import { awsJsonPlugin } from './http/aws-json/plugin.js';
import { ecrFace } from './http/ecr/face.js';
import { kmsActions } from './http/kms/actions.js';
import { kmsFace } from './http/kms/face.js';
import { GrantService } from './kms/grant-service.js';
import { KeyService, parseKeyArn } from './kms/key-service.js';
import { DataKeys } from './registry/data-keys.js';
import { accountActions } from './http/ecr/actions/account.js';
import { authActions } from './http/ecr/actions/auth.js';
import { imageActions } from './http/ecr/actions/images.js';
import { layerActions } from './http/ecr/actions/layers.js';
import { layerDownloadPlugin } from './http/ecr/layer-download.js';
import { repositoryActions } from './http/ecr/actions/repositories.js';
import { resourceTagActions } from './http/aws-json/registry-api/resource-tags.js';
import { accountForHost } from './http/hosts.js';
import { createListener, type Listener } from './http/listener.js';
import { createLogger } from './http/logging.js';
import { metricsRoute } from './http/metrics.js';
import { decryptingBytesHeld } from './storage/encryption/readers.js';
import { setReadAheadBudget } from './http/send-blob.js';
import { aliasActions } from './http/ecr-public/actions/aliases.js';
import { ecrPublicActions } from './http/ecr-public/actions.js';
import { aliasFace, ecrPublicFace } from './http/ecr-public/face.js';
import type { PublicFace } from './http/ecr-public/call.js';
import { publicRegistryPlugin, type PublicRegistryOptions } from './http/public/plugin.js';
import { galleryPlugin } from './http/web/plugin.js';
import { AliasService } from './public/aliases.js';
import { GalleryService } from './public/gallery.js';
import { PublicRepositoryService } from './public/repositories.js';
import { PullRateLimiter } from './public/rate-limits.js';
import { PublicPullAuthorizer } from './public/pull-authorizer.js';
import { loadRegistryTokenService } from './iam/registry-tokens.js';
import { iamFace } from './http/iam/face.js';
import { iamServices } from './iam/iam-services.js';
import { awsQueryPlugin } from './http/iam/plugin.js';
import { addAwsProtocolConstraint } from './http/aws-protocol.js';
import { Authenticator } from './iam/authenticator.js';
import { loadSessionService } from './iam/sessions.js';
import { ANONYMOUS } from './domain/principal.js';
import { OpenAuthorizer } from './domain/authorizer.js';
import { KeyUsageRecorder } from './iam/key-usage.js';
import { PolicyAuthorizer } from './iam/policy-authorizer.js';
import { StoreIdentityPolicySource, StoreResourcePolicySource } from './iam/policy-sources.js';
import { requestFacts } from './http/facts.js';
import { policyActions } from './http/ecr/actions/policies.js';
import type { IdentityService, NewAccessKey } from './iam/identities.js';
import type { UserPolicyService } from './iam/user-policies.js';
import type { TokenService } from './iam/tokens.js';
import { SECRETS } from './keys/secrets.js';
import { loadSharedSecret } from './keys/shared-secret.js';
import { SignedTokenCodec } from './keys/signed-token.js';
import { PageTokens } from './http/aws-json/page-tokens.js';
import type { MetadataStore } from './metadata/store.js';
import { dataPath, openDeployment } from './deployment.js';
import { parsePlatform } from './domain/conversions/negotiate.js';
import { Actions } from './domain/actions.js';
import { lazyManifestSigningKey } from './keys/manifest-signing-key.js';
import { RepositoryAccess } from './registry/access.js';
import { parseRepositoryArn, privateRegistry } from './domain/registry.js';
import { PolicyService } from './registry/policies.js';
import { AccountService } from './registry/account.js';
import { BlobService } from './registry/blobs.js';
import { ContentCache } from './registry/content-cache.js';
import { ImageService } from './registry/images.js';
import { LayerUrlService } from './registry/layer-urls.js';
import { ListingService } from './registry/listings.js';
import { ManifestFormats } from './registry/manifest-formats.js';
import { ManifestService } from './registry/manifests.js';
import { RepositoryService } from './registry/repositories.js';
import { ResourceTagService } from './registry/resource-tags.js';
import type { RegistryServices } from './registry/services.js';
import { UploadService } from './registry/uploads.js';
import { leaseHolderPrefix } from './registry/upload-lock.js';
import { BlobStore } from './storage/blob-store.js';
import { BlobForms } from './registry/blob-forms.js';
import { PathNotFoundError, type StorageDriver } from './storage/driver.js';
import { BLOBS_ROOT } from './storage/layout.js';
import { FsDriver } from './storage/fs-driver.js';
import type { TlsCredentials } from './tls/credentials.js';
import { tlsSetup, type TlsSetup } from './tls/setup.js';
import { prettyFormatter, wantsPretty } from './http/log-format.js';
import { addRequestLog, noted, noteSignedIdentities } from './http/request-log.js';
import { addRegistryHostHint } from './http/registry-host-hint.js';

const JANITOR_INTERVAL_MS = 10 * 60 * 1000;
const KEY_ROTATION_INTERVAL_MS = 60 * 60 * 1000;
/** How often keys whose deletion date has passed are deleted (they are treated as gone from that date on). */
const KEY_DELETION_INTERVAL_MS = 60 * 60 * 1000;
const RATE_WINDOW_PRUNE_MS = 30 * 60 * 1000;

/**
 * The storage driver the configuration names: a directory (the embedded default) or an S3 bucket.
 * The S3 driver is loaded only when configured: the AWS SDK's S3 client adds ~20 MiB to every
 * process that loads it.
 */
async function openStorage(config: Config): Promise<StorageDriver> {
  if (config.storage.driver === 'filesystem')
    return new FsDriver(dataPath(config, config.storage.filesystem.root, 'storage'));
  const s3 = config.storage.s3;
  const { S3Driver } = await import('./storage/s3-driver.js');
  return new S3Driver({
    endpoint: s3.endpoint,
    region: s3.region,
    bucket: s3.bucket,
    prefix: s3.prefix,
    forcePathStyle: s3.forcePathStyle,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    sessionToken: s3.sessionToken,
    serverSideEncryption: s3.serverSideEncryption,
    kmsKeyId: s3.kmsKeyId,
    partSize: s3.partSize,
    bufferDir: dataPath(config, s3.bufferDir, 's3-buffers'),
  });
}

export interface Berth {
  readonly app: FastifyInstance;
  readonly config: Config;
  readonly store: MetadataStore;
  readonly driver: StorageDriver;
  readonly services: RegistryServices;
  readonly scheduler: JobScheduler;
  /** The key service (KMS keys of every account). */
  readonly keys: KeyService;
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
  /** The key service (KMS) actions this Berth answers. */
  readonly kmsActions: readonly string[];
  /** How the listener serves TLS (files, and the local CA with --tls-self-signed); undefined on plain HTTP. */
  readonly tls: TlsSetup | undefined;
  /** The IAM and STS actions this Berth answers, as iam:Name and sts:Name. */
  readonly queryActions: readonly string[];
  /** Listens on config.listen (or the given port); resolves with the base URL (https:// with TLS). */
  listen(): Promise<string>;
  /** Reads the TLS certificate and key again and serves them to new connections (SIGHUP). */
  reloadTls(): TlsCredentials;
  /** Cuts every open connection (when a stop's grace period is over). */
  closeAllConnections(): void;
  /** The ECR Public API actions this Berth answers. */
  readonly ecrPublicActions: readonly string[];
  /** The public registry and gallery (on public.listen), unless public.listen is empty. */
  readonly publicApp: FastifyInstance | undefined;
  /** The registry services on public repositories. */
  readonly publicServices: RegistryServices;
  readonly aliases: AliasService;
  /** The public listener's base URL, once listening. */
  publicUrl(): string;
  close(): Promise<void>;
}

/**
 * A listener with the settings every Berth listener shares: no deadline for a whole request
 * (large uploads stream for as long as they take) but one for headers and for a connection where
 * nothing moves, a limit of connections per address (config.http), /metrics, 503 while closing, the /v2 error format for framework
 * errors, and one log line per request when log.requests is on.
 */
function openListener(config: Config, logBase: Record<string, string>, tls: TlsSetup | undefined): Listener {
  const listener = createListener(
    {
      loggerInstance: createLogger(
        config.log.level,
        logBase,
        wantsPretty(config.log.format) ? prettyFormatter() : undefined,
      ),
      logController: new LogController({ disableRequestLogging: true }),
      return503OnClosing: true,
      routerOptions: { maxParamLength: 4096, ignoreDuplicateSlashes: false },
      frameworkErrors: renderFrameworkError,
      genReqId: () => randomUUID(),
    },
    {
      headersTimeoutMs: config.http.headersTimeoutSeconds * 1000,
      idleTimeoutMs: config.http.idleTimeoutSeconds * 1000,
      keepAliveTimeoutMs: config.http.keepAliveTimeoutSeconds * 1000,
      maxConnectionsPerAddress: config.http.maxConnectionsPerAddress,
    },
    tls?.files,
  );
  metricsRoute(listener.app, { decryptingBytesHeld });
  setReadAheadBudget(config.http.readAheadBytes);
  if (config.log.requests) addRequestLog(listener.app);
  return listener;
}

/** The public listener: the public registry (/v2 and /token) and the gallery, with the main listener's TLS. */
async function createPublicListener(
  config: Config,
  nodeId: string,
  tls: TlsSetup | undefined,
  registry: PublicRegistryOptions,
  gallery: GalleryService,
  ready: Readiness,
): Promise<Listener> {
  const listener = openListener(config, { node: nodeId, listener: 'public' }, tls);
  const publicApp = listener.app;
  publicApp.get('/healthz', async () => ({ status: 'ok' }));
  addReadyz(publicApp, ready);
  await publicApp.register(publicRegistryPlugin, registry);
  await publicApp.register(galleryPlugin, { gallery, host: registry.host });
  return listener;
}

/** Whether the node reaches its database and its storage (the directory, or the S3 bucket). */
type Readiness = () => Promise<{ database: boolean; storage: boolean }>;

/** GET /readyz: 200 when the node reaches its database and storage, 503 otherwise (for load balancers). */
function addReadyz(app: FastifyInstance, ready: Readiness): void {
  app.get('/readyz', async (_request, reply) => {
    const state = await ready();
    return reply.code(state.database && state.storage ? 200 : 503).send(state);
  });
}

function splitListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  return { host: listen.slice(0, at).replace(/^\[|\]$/g, '') || '0.0.0.0', port: Number(listen.slice(at + 1)) };
}

export async function createBerth(config: Config): Promise<Berth> {
  const nodeId = config.nodeId || `${hostname()}-${process.pid}`;
  // Before the database opens: a TLS file that is wrong stops the start with nothing to undo.
  const tls = tlsSetup(config, splitListen(config.listen).host);
  const deployment = await openDeployment(config);
  const { store, identities, tokens, accountId, generatedMasterKey } = deployment;
  const driver = await openStorage(config);
  const pinned =
    config.admin.accessKeyId && config.admin.secretAccessKey
      ? { accessKeyId: config.admin.accessKeyId, secretAccessKey: config.admin.secretAccessKey }
      : undefined;
  const bootstrapKey = await identities.bootstrap(accountId, pinned);
  const sessions = await loadSessionService(store.settings, deployment.masterKey);
  const keyUsage = new KeyUsageRecorder(store, {
    onError: (err) => app.log.error({ err }, 'recording access key uses failed'),
  });
  const authenticator = noteSignedIdentities(
    new Authenticator(identities, tokens, config.registry.region, sessions, keyUsage),
  );
  const open = config.auth.mode === 'open';

  const blobStore = new BlobStore(
    driver,
    config.storage.s3.redirect ? { redirectSeconds: config.storage.s3.redirectExpirySeconds } : {},
  );
  const accessOptions = {
    region: config.registry.region,
    createRepositoryOnPush: config.registry.createRepositoryOnPush,
  };
  const identityPolicies = new StoreIdentityPolicySource(store);
  deployment.onPoliciesChanged((owner) => identityPolicies.forget(owner));
  const resourcePolicies = new StoreResourcePolicySource(
    store,
    (arn) => parseRepositoryArn(arn, config.registry.region),
    (arn) => parseKeyArn(arn, config.registry.region),
  );
  const policyAuthorizer = open ? undefined : new PolicyAuthorizer(identityPolicies, resourcePolicies);
  const authorizer = policyAuthorizer ?? new OpenAuthorizer();
  const access = new RepositoryAccess(store, authorizer, accessOptions);
  // IAM and STS actions are decided by identity policies alone: a registry or repository policy
  // never grants them (the account's root may; users and roles need a policy). KMS actions go
  // through the same authorizer as ECR's, where a key's policy is the resource policy of its ARN.
  const iamAuthorizer = open
    ? new OpenAuthorizer()
    : new PolicyAuthorizer(identityPolicies, { resourcePolicies: async () => ({ policies: [], tags: {} }) });
  const keyService = new KeyService(store, deployment.masterKey, authorizer, config.registry.region);
  const dataKeys = new DataKeys(store, deployment.masterKey, keyService);
  const grantService = new GrantService(store, keyService, config.registry.region);
  const blobs = new BlobService(store, blobStore, access, dataKeys);
  const blobForms = new BlobForms(blobStore, dataKeys);
  const signingKey = lazyManifestSigningKey(store.settings, deployment.masterKey);
  const formats = new ManifestFormats(
    store,
    blobStore,
    new ContentCache(config.registry.manifestCacheBytes),
    dataKeys,
    signingKey,
    {
      defaultPlatform: parsePlatform(config.registry.defaultPlatform),
      maxConfigBytes: config.registry.maxManifestBytes,
    },
  );
  const manifests = new ManifestService(store, access, formats, { maxManifestBytes: config.registry.maxManifestBytes });
  // Public repositories are made by CreateRepository only, as in ECR Public.
  const publicAccess = new RepositoryAccess(store, new PublicPullAuthorizer(authorizer), {
    region: config.registry.region,
    createRepositoryOnPush: false,
    visibility: 'public',
  });
  const publicManifests = new ManifestService(store, publicAccess, formats, {
    maxManifestBytes: config.registry.maxManifestBytes,
  });
  const publicBlobs = new BlobService(store, blobStore, publicAccess, dataKeys);
  const layerUrlKey = await loadSharedSecret(store.settings, deployment.masterKey, SECRETS.layerUrls);
  // Upload leases are named after the node as it stays across restarts (its configured id, else its
  // host): a node that starts again gives up the leases it held when it died, instead of waiting them out.
  const uploadOptions = { maxBlobBytes: config.registry.maxBlobBytes, node: config.nodeId || hostname() };
  await store.uploads.releaseHeldBy(leaseHolderPrefix(uploadOptions.node));
  const uploads = new UploadService(store, blobStore, access, dataKeys, blobForms, uploadOptions);
  const publicUploads = new UploadService(store, blobStore, publicAccess, dataKeys, blobForms, uploadOptions);
  const pageTokens = new PageTokens(
    new SignedTokenCodec(await loadSharedSecret(store.settings, deployment.masterKey, SECRETS.pageTokens)),
  );
  const services: RegistryServices = {
    blobs,
    uploads,
    manifests,
    listings: new ListingService(store, access),
    images: new ImageService(store, access, manifests),
    layerUrls: new LayerUrlService(store, blobs, access, layerUrlKey),
    repositories: new RepositoryService(store, access, keyService, grantService, uploads),
    resourceTags: new ResourceTagService(store, access),
    account: new AccountService(store, access),
    policies: new PolicyService(store, access),
  };
  const publicServices: RegistryServices = {
    blobs: publicBlobs,
    uploads: publicUploads,
    manifests: publicManifests,
    listings: new ListingService(store, publicAccess),
    images: new ImageService(store, publicAccess, publicManifests),
    layerUrls: new LayerUrlService(store, publicBlobs, publicAccess, layerUrlKey),
    repositories: new RepositoryService(store, publicAccess, keyService, grantService, publicUploads),
    resourceTags: new ResourceTagService(store, publicAccess),
    account: new AccountService(store, publicAccess),
    policies: new PolicyService(store, publicAccess),
  };
  const aliases = new AliasService(store, config.public.reservedAliases);
  const publicRepositories = new PublicRepositoryService(store, publicAccess, publicServices.repositories, aliases);
  const limiter = new PullRateLimiter(store, config.public.rateLimit);
  let publicAddress = config.public.listen;
  const publicHost = () => config.public.host || publicAddress;
  const publicFace: PublicFace = {
    aliases,
    region: config.registry.region,
    endpoint: { host: publicHost, baseUrl: () => `${tls ? 'https' : 'http'}://${publicHost()}` },
  };

  const listener = openListener(config, { node: nodeId }, tls);
  const app = listener.app;
  if (!tls) app.log.warn('TLS is not configured: serving plain HTTP (set tls.cert and tls.key, or --tls-self-signed)');
  if (policyAuthorizer) policyAuthorizer.log = app.log;
  addAwsProtocolConstraint(app);
  if (generatedMasterKey)
    app.log.warn(
      { file: generatedMasterKey },
      'generated a new master key: back it up — secrets and encrypted data cannot be read without it',
    );
  if (open) app.log.warn('auth.mode is open: anyone who can reach this registry may push, pull and delete');
  app.get('/healthz', async () => ({ status: 'ok' }));
  const ready: Readiness = async () => ({
    database: await store.ping(),
    storage: await driver.stat(BLOBS_ROOT).then(
      () => true,
      (err) => err instanceof PathNotFoundError,
    ),
  });
  addReadyz(app, ready);
  const hostRules = config.accounts;
  addRegistryHostHint(app, accountId, hostRules);
  await app.register(ociPlugin, {
    services,
    requireLogin: !open,
    context: async (request) => ({
      principal: noted(request.headers, open ? ANONYMOUS : await authenticator.basic(request.headers.authorization)),
      registry: privateRegistry(accountForHost(request.host, hostRules) ?? accountId),
      facts: requestFacts(request),
    }),
    authorizeManifestPut: (ctx, name) => access.authorize(ctx, name, Actions.PutImage),
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
  const keyActions = kmsActions(keyService, grantService);
  const publicActions = ecrPublicActions(publicFace, publicServices, publicRepositories, tokens);
  await app.register(awsJsonPlugin, {
    authenticator,
    pageTokens,
    faces: [
      ecrFace(ecrActions),
      kmsFace(keyActions),
      ecrPublicFace(publicActions),
      aliasFace(aliasActions(aliases, accountId)),
    ],
  });
  await app.register(layerDownloadPlugin, { layerUrls: services.layerUrls });
  // IAM resources have no resource-based policies (a role's trust policy is STS's to read): IAM
  // actions are decided by identity policies alone, never by a repository's or registry's policy.
  if (iamAuthorizer instanceof PolicyAuthorizer) iamAuthorizer.log = app.log;
  const queryServices = iamFace(iamServices(store, identities, sessions, iamAuthorizer, { identityPolicies }));
  await app.register(awsQueryPlugin, { authenticator, services: queryServices, pageTokens });

  const publicListener = config.public.listen
    ? await createPublicListener(
        config,
        nodeId,
        tls,
        {
          routes: async (scope, addressing) => {
            await scope.register(ociPlugin, { services: publicServices, ...addressing });
          },
          aliases,
          limiter,
          authenticator,
          host: config.public.host,
          tokens: await loadRegistryTokenService(
            store.settings,
            deployment.masterKey,
            config.public.tokenTtlSeconds * 1000,
          ),
        },
        new GalleryService(store, aliases),
        ready,
      )
    : undefined;
  const publicApp = publicListener?.app;

  const scheduler = new JobScheduler(store, nodeId, app.log, [
    {
      name: 'rotate-kms-keys',
      intervalMs: KEY_ROTATION_INTERVAL_MS,
      leaseMs: KEY_ROTATION_INTERVAL_MS,
      async run() {
        const rotated = await keyService.rotateDue(Date.now());
        if (rotated > 0) app.log.info({ rotated }, 'rotated KMS keys whose rotation period ended');
      },
    },
    {
      name: 'delete-kms-keys',
      intervalMs: KEY_DELETION_INTERVAL_MS,
      leaseMs: KEY_DELETION_INTERVAL_MS,
      async run() {
        const deleted = await keyService.deleteDue(Date.now());
        if (deleted > 0) app.log.info({ deleted }, 'deleted KMS keys whose waiting period ended');
      },
    },
    {
      name: 'expire-uploads',
      intervalMs: JANITOR_INTERVAL_MS,
      leaseMs: JANITOR_INTERVAL_MS,
      async run() {
        const removed = await services.uploads.expire(Date.now() - config.registry.uploadExpiryHours * 3_600_000);
        if (removed > 0) app.log.info({ removed }, 'expired abandoned uploads');
      },
    },
    {
      // Ended rate limit windows only take room: forgetting them now and then is enough.
      name: 'prune-rate-windows',
      intervalMs: RATE_WINDOW_PRUNE_MS,
      leaseMs: JANITOR_INTERVAL_MS,
      async run() {
        await limiter.prune();
      },
    },
  ]);
  await scheduler.start();

  return {
    app,
    config,
    store,
    driver,
    services,
    scheduler,
    keys: keyService,
    identities,
    userPolicies: deployment.userPolicies,
    tokens,
    accountId,
    nodeId,
    bootstrapKey,
    generatedMasterKey,
    tls,
    ecrActions: Object.keys(ecrActions).sort(),
    kmsActions: Object.keys(keyActions).sort(),
    ecrPublicActions: Object.keys(publicActions).sort(),
    publicApp,
    publicServices,
    aliases,
    queryActions: Object.values(queryServices)
      .flatMap((service) => Object.keys(service.actions).map((name) => `${service.signingName}:${name}`))
      .sort(),
    async listen() {
      const { host, port } = splitListen(config.listen);
      const url = await app.listen({ host, port });
      if (publicApp) {
        const bound = splitListen(config.public.listen);
        const publicUrl = await publicApp.listen({ host: bound.host, port: bound.port });
        // With port 0 the kernel picks: the URIs name the port it picked.
        publicAddress = `${bound.host === '0.0.0.0' || bound.host === '::' ? 'localhost' : bound.host}:${new URL(publicUrl).port}`;
      }
      return url;
    },
    publicUrl: () => `${tls ? 'https' : 'http'}://${publicAddress}`,
    reloadTls: () => {
      publicListener?.reloadTls();
      return listener.reloadTls();
    },
    closeAllConnections: () => {
      listener.closeAllConnections();
      publicListener?.closeAllConnections();
    },
    async close() {
      await scheduler.stop();
      await app.close();
      if (publicApp) await publicApp.close();
      await keyUsage.close().catch((err) => app.log.error({ err }, 'recording access key uses failed'));
      await deployment.close();
    },
  };
}
