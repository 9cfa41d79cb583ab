// ECR's login to an `ecr` upstream through a pull-through cache rule's customRoleArn. As ECR
// does, Berth assumes the role and calls the upstream's GetAuthorizationToken with the session:
// - a role of this deployment (ECR's case: the role is in the cache's account) is assumed here,
//   as the service principal pullthroughcache.ecr.amazonaws.com, which its trust policy must name;
//   the upstream is then this deployment or one that trusts its sessions;
// - a role of another deployment (no such role here) is assumed there, with the access key in
//   the rule's secret (`{"accessKeyId": …, "secretAccessKey": …}`), and that deployment's STS
//   checks the trust policy.
import type { Config } from '../config/schema.js';
import { fetchAuthorization, LoginError } from '../client/authorization.js';
import { assumeRoleAt, StsRefusal } from '../client/sts.js';
import { IdentityError } from '../iam/identities.js';
import type { StsService } from '../iam/sts.js';
import type { MetadataStore } from '../metadata/store.js';
import type { EcrLoginRequest, EcrUpstreamLogin, ExpiringCredential } from '../domain/upstream-source.js';
import { UpstreamError } from '../domain/upstream-source.js';
import { rootOf } from '../registry/replication-copy.js';
import type { SecretService } from '../secrets/secret-service.js';

/** The service principal ECR's pull-through cache assumes roles as. */
export const PULL_THROUGH_SERVICE = 'pullthroughcache.ecr.amazonaws.com';
const SESSION_NAME = 'ecr-pull-through-cache';
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]{1,64})$/;

/** An access key of a rule's secret: `{"accessKeyId": …, "secretAccessKey": …}`. */
async function accessKeyOf(secrets: SecretService, accountId: string, credentialArn: string) {
  let text: string;
  try {
    const { value } = await secrets.getValue({ principal: rootOf(accountId), accountId }, credentialArn, {});
    text = 'string' in value ? value.string : value.binary.toString('utf8');
  } catch (err) {
    throw new UpstreamError(`the secret ${credentialArn} cannot be read: ${(err as Error).message}`, 403);
  }
  let parsed: Record<string, unknown> = {};
  try {
    parsed = (JSON.parse(text) ?? {}) as Record<string, unknown>;
  } catch {
    /* refused below */
  }
  const { accessKeyId, secretAccessKey } = parsed;
  if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string')
    throw new UpstreamError(
      `the secret ${credentialArn} of an ecr upstream must be {"accessKeyId": "...", "secretAccessKey": "..."}`,
      403,
    );
  return { accessKeyId, secretAccessKey };
}

export function ecrUpstreamLogin(
  config: Config,
  store: Pick<MetadataStore, 'roles'>,
  sts: Pick<StsService, 'assumeRoleAsService'>,
  secrets: SecretService,
): EcrUpstreamLogin {
  const settings = config.pullThroughCache;
  return {
    async login(request: EcrLoginRequest): Promise<ExpiringCredential> {
      const region = request.region ?? config.registry.region;
      const match = ROLE_ARN.exec(request.roleArn);
      const local = match && !request.credentialArn ? await store.roles.get(match[1]!, match[2]!) : undefined;
      let session: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
      // As ECR asks, the role is the registry's own: a rule never borrows another account's role.
      if (local && local.accountId !== request.accountId)
        throw new UpstreamError(
          `the role ${request.roleArn} is not in the registry's account ${request.accountId}: a customRoleArn of this deployment must be`,
          403,
        );
      if (local) {
        try {
          ({ credentials: session } = await sts.assumeRoleAsService(PULL_THROUGH_SERVICE, {
            roleArn: request.roleArn,
            sessionName: SESSION_NAME,
            facts: {},
            sourceAccount: request.accountId,
          }));
        } catch (err) {
          if (err instanceof IdentityError)
            throw new UpstreamError(`assuming the rule's role failed: ${err.code}: ${err.message}`, 403);
          throw err;
        }
      } else if (request.credentialArn) {
        const key = await accessKeyOf(secrets, request.accountId, request.credentialArn);
        try {
          session = await assumeRoleAt({
            endpoint: request.origin,
            region,
            credentials: key,
            roleArn: request.roleArn,
            sessionName: SESSION_NAME,
            timeoutMs: settings.upstreamTimeoutMs,
          });
        } catch (err) {
          if (err instanceof StsRefusal)
            throw new UpstreamError(err.message, err.status === undefined ? undefined : err.status >= 500 ? 502 : 403);
          throw err;
        }
      } else {
        throw new UpstreamError(
          `the role ${request.roleArn} is not in this deployment: give the rule a credentialArn, a secret holding an access key that may assume it at ${request.origin}`,
          403,
        );
      }
      try {
        const auth = await fetchAuthorization({
          endpoint: request.origin,
          region,
          credentials: session,
          ...(settings.caBundle && { caBundle: settings.caBundle }),
        });
        return {
          username: auth.username,
          password: auth.password,
          expiresAt: auth.expiresAt?.getTime() ?? Date.now() + 3_600_000,
        };
      } catch (err) {
        if (err instanceof LoginError)
          throw new UpstreamError(
            `GetAuthorizationToken at ${request.origin} as ${request.roleArn} failed: ${err.message}`,
            /^cannot reach/.test(err.message) ? undefined : 403,
          );
        throw err;
      }
    },
  };
}
