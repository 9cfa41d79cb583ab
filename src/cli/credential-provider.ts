#!/usr/bin/env node
// berth-credential-provider: a kubelet image credential provider
// (credentialprovider.kubelet.k8s.io/v1). The kubelet writes a CredentialProviderRequest on stdin
// and reads a CredentialProviderResponse on stdout: a registry password from the node's identity,
// never kept on the node. The identity is, in this order:
//   - the service-account token the kubelet passes (tokenAttributes in its configuration), with
//     the role of the service account's berth.dev/role-arn annotation (else AWS_ROLE_ARN);
//   - a projected service-account token file (AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN);
//   - AWS credentials of the environment (AWS_ACCESS_KEY_ID…, AWS_PROFILE).
// A token is exchanged with STS AssumeRoleWithWebIdentity; then GetAuthorizationToken.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  type Authorization,
  type Credentials,
  endpointForServer,
  fetchAuthorization,
  fetchAuthorizationForServer,
  LoginError,
  regionFrom,
} from '../client/authorization.js';
import { assumeRoleWithWebIdentity } from '../client/web-identity.js';

const API_VERSION = 'credentialprovider.kubelet.k8s.io/v1';
/** The service account annotation that names the role to assume with its token. */
const ROLE_ANNOTATION = 'berth.dev/role-arn';

interface ProviderRequest {
  apiVersion?: string;
  kind?: string;
  image?: string;
  serviceAccountToken?: string;
  serviceAccountAnnotations?: Record<string, string>;
}

async function stdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of process.stdin) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

function parseRequest(text: string): ProviderRequest & { image: string } {
  let request: ProviderRequest;
  try {
    request = JSON.parse(text) as ProviderRequest;
  } catch {
    throw new LoginError('stdin is not a CredentialProviderRequest (not JSON)');
  }
  if (request.apiVersion !== API_VERSION || request.kind !== 'CredentialProviderRequest')
    throw new LoginError(
      `expected a CredentialProviderRequest of ${API_VERSION}, got ${request.kind} of ${request.apiVersion}`,
    );
  if (typeof request.image !== 'string' || !request.image) throw new LoginError('the request names no image');
  return request as ProviderRequest & { image: string };
}

/** The registry part of an image reference (host[:port]), as the kubelet matches auth keys. */
function registryOf(image: string): string {
  const first = image.split('/')[0] ?? '';
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

/** The session name STS records: the node's name, in the characters RoleSessionName allows. */
function sessionName(): string {
  const name = process.env.AWS_ROLE_SESSION_NAME || `kubelet-${hostname()}`;
  return name.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

/** The endpoint GetAuthorizationToken (and STS) are asked at: configured, or the image's registry. */
function configuredEndpoint(): string | undefined {
  return process.env.BERTH_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_ECR || process.env.AWS_ENDPOINT_URL;
}

/** Credentials from a web identity token, when the request or the environment has one. */
async function webIdentityCredentials(
  request: ProviderRequest,
  endpoint: string,
): Promise<(Credentials & { expiration: Date }) | undefined> {
  const tokenFile = process.env.AWS_WEB_IDENTITY_TOKEN_FILE;
  const token = request.serviceAccountToken || (tokenFile ? readFileSync(tokenFile, 'utf8').trim() : undefined);
  if (!token) return undefined;
  const roleArn = request.serviceAccountAnnotations?.[ROLE_ANNOTATION] || process.env.AWS_ROLE_ARN;
  if (!roleArn)
    throw new LoginError(
      `a service-account token but no role: annotate the service account with ${ROLE_ANNOTATION}, or set AWS_ROLE_ARN`,
    );
  const stsEndpoint = process.env.AWS_ENDPOINT_URL_STS || endpoint;
  return assumeRoleWithWebIdentity({ endpoint: stsEndpoint, roleArn, sessionName: sessionName(), token });
}

/** How long the kubelet may keep the password: shorter than its life by a tenth, at least a minute. */
function cacheSeconds(now: number, expires: readonly (Date | undefined)[]): number {
  const times = expires.filter((d): d is Date => d !== undefined).map((d) => d.getTime());
  if (times.length === 0) return 0;
  const life = (Math.min(...times) - now) / 1000;
  return Math.max(0, Math.floor(life - Math.max(60, life / 10)));
}

async function respond(): Promise<void> {
  const request = parseRequest(await stdin());
  const registry = registryOf(request.image);
  const region = regionFrom(undefined);
  const configured = configuredEndpoint();
  const endpoint = configured ?? endpointForServer(registry);
  const session = await webIdentityCredentials(request, endpoint);
  const credentials = session && {
    accessKeyId: session.accessKeyId,
    secretAccessKey: session.secretAccessKey,
    ...(session.sessionToken && { sessionToken: session.sessionToken }),
  };
  const options = { region, ...(credentials && { credentials }) };
  const authorization: Authorization = configured
    ? await fetchAuthorization({ endpoint: configured, ...options })
    : await fetchAuthorizationForServer(registry, options);
  const seconds = cacheSeconds(Date.now(), [authorization.expiresAt, session?.expiration]);
  const response = {
    apiVersion: API_VERSION,
    kind: 'CredentialProviderResponse',
    cacheKeyType: 'Registry',
    cacheDuration: `${seconds}s`,
    auth: { [registry]: { username: authorization.username, password: authorization.password } },
  };
  process.stdout.write(`${JSON.stringify(response)}\n`);
}

respond().catch((err: unknown) => {
  // The kubelet logs what a provider writes to stderr when it fails.
  const message = err instanceof LoginError ? err.message : ((err as Error).message ?? String(err));
  process.stderr.write(`berth-credential-provider: ${message}\n`);
  process.exit(1);
});
