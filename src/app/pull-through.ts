// The pull-through cache: its rules (the ECR actions), the upstream source the registry asks on a
// cache miss, and the credentials of its rules, read from Secrets Manager as the account's own
// (ECR reads `ecr-pullthroughcache/...` secrets of the registry's account).
import type { EventOutboxService } from '../events/outbox.js';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { Config } from '../config/schema.js';
import type { Authorizer } from '../domain/authorizer.js';
import { RegistryError } from '../domain/errors.js';
import { PullThroughError } from '../domain/pull-through-errors.js';
import { SecretsError } from '../domain/secrets-errors.js';
import type { UpstreamCredential, UpstreamCredentials } from '../domain/upstream-source.js';
import type { MetadataStore } from '../metadata/store.js';
import { PullThroughRules } from '../pullthrough/rules.js';
import { PullThroughSource } from '../pullthrough/source.js';
import type { Logger } from 'pino';
import type { RepositoryCreator } from '../domain/repository-creation.js';
import type { UpstreamSource } from '../domain/upstream-source.js';
import type { RepositoryAccess } from '../registry/access.js';
import { PullThroughCache } from '../registry/pull-through.js';
import { rootOf } from '../registry/replication-copy.js';
import type { RegistryServices } from '../registry/services.js';
import { hostname } from 'node:os';
import type { SecretService } from '../secrets/secret-service.js';
import { iamAuthorizer } from '../iam/iam-access.js';
import { WebIdentityVerifier } from '../iam/oidc.js';
import { OidcProviderService } from '../iam/oidc-providers.js';
import type { SessionService } from '../iam/sessions.js';
import { StsService } from '../iam/sts.js';
import { ecrUpstreamLogin } from './pull-through-login.js';

export interface PullThroughWiring {
  readonly rules: PullThroughRules;
  readonly source: PullThroughSource;
}

/** A rule's secret as ECR reads it: JSON with `username` and `accessToken`. */
export function secretCredentials(secrets: SecretService): UpstreamCredentials {
  return {
    async read(accountId: string, credentialArn: string): Promise<UpstreamCredential> {
      let text: string;
      try {
        const { value } = await secrets.getValue({ principal: rootOf(accountId), accountId }, credentialArn, {});
        text = 'string' in value ? value.string : value.binary.toString('utf8');
      } catch (err) {
        if (err instanceof SecretsError) {
          if (err.type === 'ResourceNotFoundException')
            throw new PullThroughError('SecretNotFoundException', `The secret ${credentialArn} was not found`);
          if (err.type === 'DecryptionFailure')
            throw new PullThroughError(
              'UnableToDecryptSecretValueException',
              `The secret ${credentialArn} could not be decrypted: ${err.message}`,
            );
          throw new PullThroughError(
            'UnableToAccessSecretException',
            `The secret ${credentialArn} cannot be read: ${err.message}`,
          );
        }
        if (err instanceof RegistryError)
          throw new PullThroughError(
            'UnableToAccessSecretException',
            `The secret ${credentialArn} cannot be read: ${err.message}`,
          );
        throw err;
      }
      let parsed: { username?: unknown; accessToken?: unknown };
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        parsed = {};
      }
      if (typeof parsed.username !== 'string' || typeof parsed.accessToken !== 'string')
        throw new PullThroughError(
          'UnableToAccessSecretException',
          `The secret ${credentialArn} is not JSON with a username and an accessToken`,
        );
      return { username: parsed.username, password: parsed.accessToken };
    },
  };
}

export function wirePullThrough(
  config: Config,
  store: MetadataStore,
  authorizer: Authorizer,
  secrets: SecretService,
  sessions: SessionService,
): PullThroughWiring {
  const settings = config.pullThroughCache;
  const credentials = secretCredentials(secrets);
  // The cache assumes its rules' roles as a service: no caller's identity policies take part.
  const sts = new StsService(
    store,
    sessions,
    new OidcProviderService(store, iamAuthorizer(authorizer)),
    new WebIdentityVerifier(),
    async () => [],
  );
  const source = new PullThroughSource(
    store,
    credentials,
    {
      plainHttpLoopback: settings.plainHttpLoopback,
      timeoutMs: settings.upstreamTimeoutMs,
      // Beside the system's CAs, not instead of them.
      ...(settings.caBundle && {
        ca: [...rootCertificates.map((c) => Buffer.from(c)), readFileSync(settings.caBundle)],
      }),
    },
    ecrUpstreamLogin(config, store, sts, secrets),
  );
  const rules = new PullThroughRules(store, authorizer, credentials, source, {
    region: config.registry.region,
    allowedHosts: settings.allowedHosts,
  });
  return { rules, source };
}

/** The registry's side of the cache: cache misses of the private registry go to `source`. */
export function pullThroughCache(
  config: Config,
  store: MetadataStore,
  services: RegistryServices,
  access: RepositoryAccess,
  creator: RepositoryCreator,
  source: UpstreamSource,
  log: Logger,
  events?: Pick<EventOutboxService, 'pullThroughCache'>,
): PullThroughCache {
  const settings = config.pullThroughCache;
  return new PullThroughCache(store, services, access, creator, source, {
    nodeId: config.nodeId || `${hostname()}-${process.pid}`,
    leaseMs: 60_000,
    pollMs: 100,
    refreshMs: settings.refreshHours * 3_600_000,
    completionDelayMs: 1000,
    log,
    ...(events && {
      events: (accountId, image) =>
        events.pullThroughCache(accountId, {
          repositoryName: image.repositoryName,
          repositoryPrefix: image.repositoryPrefix,
          upstreamRegistryUrl: image.upstream,
          digest: image.digest,
          ...(image.tag !== undefined && { tag: image.tag }),
          syncStatus: 'SUCCESS',
        }),
    }),
  });
}
