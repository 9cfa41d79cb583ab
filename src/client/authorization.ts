// A registry password from a Berth endpoint (or ECR itself), fetched with GetAuthorizationToken
// the way `aws ecr get-login-password` does: for `berth login` and docker-credential-berth.
// The AWS SDK is loaded only when a password is asked for. An https endpoint is trusted through
// Node's CAs, NODE_EXTRA_CA_CERTS, and a CA bundle (--ca-bundle, AWS_CA_BUNDLE, as the AWS CLI).
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AuthorizationOptions {
  /** The API endpoint, e.g. http://localhost:5000. */
  endpoint: string;
  region: string;
  /** Explicit credentials; otherwise the SDK's usual chain (AWS_ACCESS_KEY_ID…, AWS_PROFILE, ~/.aws). */
  credentials?: Credentials;
  /** PEM file of more CAs to trust for an https endpoint (default: AWS_CA_BUNDLE). */
  caBundle?: string;
}

export interface Authorization {
  /** Always AWS. */
  username: string;
  password: string;
  /** The registry to log in to, as the endpoint names it (http://host:port); the endpoint itself when the answer names none. */
  proxyEndpoint: string;
  /** False when the answer named no registry of the caller's account (its account has no registry host of its own). */
  ownRegistry: boolean;
  expiresAt: Date | undefined;
}

/** A failure to report as a message: what went wrong and, where it helps, what to do. */
export class LoginError extends Error {
  /**
   * noCredentials: no AWS credentials were found at all (a credential helper then answers "not found").
   * notTls: an https request met a server that speaks plain HTTP.
   */
  constructor(
    message: string,
    readonly noCredentials = false,
    readonly notTls = false,
  ) {
    super(message);
    this.name = 'LoginError';
  }
}

export const DEFAULT_ENDPOINT = 'http://localhost:5000';

/** The endpoint named by a flag, else BERTH_ENDPOINT_URL, AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL, else localhost:5000. */
export function endpointFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env.BERTH_ENDPOINT_URL || env.AWS_ENDPOINT_URL_ECR || env.AWS_ENDPOINT_URL || DEFAULT_ENDPOINT;
}

export function regionFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
}

function describe(err: unknown, endpoint: string): LoginError {
  const { name, message, code } = err as { name?: string; message?: string; code?: string };
  if (name === 'CredentialsProviderError') {
    return new LoginError(
      'no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or pass --access-key-id and --secret-access-key',
      true,
    );
  }
  if (code === 'EPROTO' || /wrong version number|ERR_SSL_WRONG_VERSION_NUMBER/i.test(`${code} ${message}`)) {
    return new LoginError(
      `${endpoint} does not answer TLS (${message ?? code}): if it serves plain HTTP, name it http://`,
      false,
      true,
    );
  }
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS/.test(code)) {
    return new LoginError(
      `the certificate of ${endpoint} is not trusted (${message ?? code}): trust its CA with NODE_EXTRA_CA_CERTS=ca.crt, AWS_CA_BUNDLE=ca.crt or --ca-bundle ca.crt`,
    );
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ECONNRESET' || code === 'ETIMEDOUT') {
    return new LoginError(`cannot reach ${endpoint}: ${message ?? code}`);
  }
  return new LoginError(`${name && name !== 'Error' ? `${name}: ` : ''}${message ?? String(err)}`);
}

/** The SDK for ECR and a client for the endpoint (loaded only when a command calls the API). */
export async function ecrClient(
  options: AuthorizationOptions,
): Promise<{ sdk: typeof import('@aws-sdk/client-ecr'); client: import('@aws-sdk/client-ecr').ECRClient }> {
  // The SDK warns on Node 20 about its releases of 2027; that says nothing to someone logging in.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let sdk: typeof import('@aws-sdk/client-ecr');
  try {
    sdk = await import('@aws-sdk/client-ecr');
  } catch {
    throw new LoginError('this command needs the AWS SDK for ECR: npm install @aws-sdk/client-ecr');
  }
  const caBundle = options.caBundle || process.env.AWS_CA_BUNDLE;
  let ca: (string | Buffer)[] | undefined;
  if (caBundle) {
    // In addition to what Node trusts, not instead: machines often point AWS_CA_BUNDLE at the
    // system's bundle, and NODE_EXTRA_CA_CERTS must still count then.
    const extra = process.env.NODE_EXTRA_CA_CERTS;
    try {
      ca = [...rootCertificates, ...(extra ? [readFileSync(extra)] : []), readFileSync(caBundle)];
    } catch (err) {
      throw new LoginError(`cannot read the CA bundle ${caBundle}: ${(err as Error).message}`);
    }
  }
  const client = new sdk.ECRClient({
    endpoint: options.endpoint,
    region: options.region,
    maxAttempts: 2,
    ...(options.credentials && { credentials: options.credentials }),
    ...(ca && { requestHandler: { httpsAgent: new Agent({ ca, keepAlive: true }) } }),
  });
  return { sdk, client };
}

/** Runs one API call, turning SDK failures into a message for the user. */
export async function callApi<T>(
  options: AuthorizationOptions,
  call: (sdk: typeof import('@aws-sdk/client-ecr'), client: import('@aws-sdk/client-ecr').ECRClient) => Promise<T>,
): Promise<T> {
  const { sdk, client } = await ecrClient(options);
  try {
    return await call(sdk, client);
  } catch (err) {
    throw err instanceof LoginError ? err : describe(err, options.endpoint);
  } finally {
    client.destroy();
  }
}

export async function fetchAuthorization(options: AuthorizationOptions): Promise<Authorization> {
  const { sdk, client } = await ecrClient(options);
  try {
    const output = await client.send(new sdk.GetAuthorizationTokenCommand({}));
    const data = output.authorizationData?.[0];
    const decoded = Buffer.from(data?.authorizationToken ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (!data || colon <= 0) throw new LoginError(`${options.endpoint} answered GetAuthorizationToken without a token`);
    return {
      username: decoded.slice(0, colon),
      password: decoded.slice(colon + 1),
      proxyEndpoint: data.proxyEndpoint ?? options.endpoint,
      ownRegistry: data.proxyEndpoint !== undefined,
      expiresAt: data.expiresAt,
    };
  } catch (err) {
    throw err instanceof LoginError ? err : describe(err, options.endpoint);
  } finally {
    client.destroy();
  }
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** The API endpoint of a registry a client names by server URL (`host:port` or a URL): https unless it says http://. */
export function endpointForServer(serverUrl: string): string {
  const trimmed = serverUrl.trim();
  return new URL(SCHEME.test(trimmed) ? trimmed : `https://${trimmed}`).origin;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * A password for the registry a client names by server URL. Without a scheme it asks over
 * https; a loopback registry that answers plain HTTP is asked again over http, as Docker allows
 * plain HTTP to localhost. Any other host stays on https: a failed handshake never downgrades
 * (name it http:// to use plain HTTP).
 */
export async function fetchAuthorizationForServer(
  serverUrl: string,
  options: Omit<AuthorizationOptions, 'endpoint'>,
): Promise<Authorization> {
  const endpoint = endpointForServer(serverUrl);
  try {
    return await fetchAuthorization({ ...options, endpoint });
  } catch (err) {
    const plain = new URL(endpoint);
    if (!(err instanceof LoginError && err.notTls) || SCHEME.test(serverUrl.trim()) || !isLoopback(plain.hostname))
      throw err;
    plain.protocol = 'http:';
    return fetchAuthorization({ ...options, endpoint: plain.origin });
  }
}
