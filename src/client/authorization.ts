// A registry password from a Berth endpoint (or ECR itself), fetched with GetAuthorizationToken
// the way `aws ecr get-login-password` does: for `berth login` and docker-credential-berth.
// The AWS SDK is loaded only when a password is asked for.

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
}

export interface Authorization {
  /** Always AWS. */
  username: string;
  password: string;
  /** The registry to log in to, as the endpoint names it (http://host:port). */
  proxyEndpoint: string;
  expiresAt: Date | undefined;
}

/** A failure to report as a message: what went wrong and, where it helps, what to do. */
export class LoginError extends Error {
  /** True when no AWS credentials were found at all (a credential helper then answers "not found"). */
  constructor(message: string, readonly noCredentials = false) {
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
    return new LoginError('no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or pass --access-key-id and --secret-access-key', true);
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ECONNRESET' || code === 'ETIMEDOUT') {
    return new LoginError(`cannot reach ${endpoint}: ${message ?? code}`);
  }
  return new LoginError(`${name && name !== 'Error' ? `${name}: ` : ''}${message ?? String(err)}`);
}

/** The SDK for ECR and a client for the endpoint (loaded only when a command calls the API). */
export async function ecrClient(options: AuthorizationOptions): Promise<{ sdk: typeof import('@aws-sdk/client-ecr'); client: import('@aws-sdk/client-ecr').ECRClient }> {
  // The SDK warns on Node 20 about its releases of 2027; that says nothing to someone logging in.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let sdk: typeof import('@aws-sdk/client-ecr');
  try {
    sdk = await import('@aws-sdk/client-ecr');
  } catch {
    throw new LoginError('this command needs the AWS SDK for ECR: npm install @aws-sdk/client-ecr');
  }
  const client = new sdk.ECRClient({
    endpoint: options.endpoint,
    region: options.region,
    maxAttempts: 2,
    ...(options.credentials && { credentials: options.credentials }),
  });
  return { sdk, client };
}

/** Runs one API call, turning SDK failures into a message for the user. */
export async function callApi<T>(options: AuthorizationOptions, call: (sdk: typeof import('@aws-sdk/client-ecr'), client: import('@aws-sdk/client-ecr').ECRClient) => Promise<T>): Promise<T> {
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
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), proxyEndpoint: data.proxyEndpoint ?? options.endpoint, expiresAt: data.expiresAt };
  } catch (err) {
    throw err instanceof LoginError ? err : describe(err, options.endpoint);
  } finally {
    client.destroy();
  }
}

/** The API endpoint of a registry a client names by server URL (`host:port` or a URL); plain HTTP unless it says https. */
export function endpointForServer(serverUrl: string): string {
  const trimmed = serverUrl.trim();
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`);
  return url.origin;
}
