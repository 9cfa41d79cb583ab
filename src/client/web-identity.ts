// Temporary credentials for a web identity token (a Kubernetes service-account token, a CI
// system's OIDC token): STS AssumeRoleWithWebIdentity, which is called without a signature (the
// token is the credential), against Berth's STS (the query API on the endpoint's root).
import { readFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { LoginError, type Credentials } from './authorization.js';

// Not imported: an import of node:http loads undici (see client/registry.ts).
const { request: httpRequest } = process.getBuiltinModule('node:http');

export interface WebIdentity {
  /** The STS endpoint, e.g. https://berth.example.com (Berth serves STS on its API endpoint). */
  endpoint: string;
  roleArn: string;
  sessionName: string;
  token: string;
  /** PEM file of more CAs to trust for an https endpoint (default: AWS_CA_BUNDLE). */
  caBundle?: string;
}

export interface SessionCredentials extends Credentials {
  sessionToken: string;
  expiration: Date;
}

function element(xml: string, name: string): string | undefined {
  const found = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  return found
    ?.replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function post(url: URL, body: string, caBundle: string | undefined): Promise<{ status: number; text: string }> {
  const https = url.protocol === 'https:';
  const bundle = caBundle || process.env.AWS_CA_BUNDLE;
  let agent: Agent | undefined;
  if (https && bundle) {
    try {
      agent = new Agent({ ca: [...rootCertificates, readFileSync(bundle)] });
    } catch (err) {
      throw new LoginError(`cannot read the CA bundle ${bundle}: ${(err as Error).message}`);
    }
  }
  const send = https ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        ...(agent && { agent }),
        timeout: 30_000,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer in 30 seconds')));
    req.on('error', (err) => reject(new LoginError(`cannot reach ${url.origin} for STS: ${err.message}`)));
    req.end(body);
  });
}

/** AssumeRoleWithWebIdentity; a refusal is a LoginError with STS's code and message. */
export async function assumeRoleWithWebIdentity(identity: WebIdentity): Promise<SessionCredentials> {
  const body = new URLSearchParams({
    Action: 'AssumeRoleWithWebIdentity',
    Version: '2011-06-15',
    RoleArn: identity.roleArn,
    RoleSessionName: identity.sessionName,
    WebIdentityToken: identity.token,
  }).toString();
  const { status, text } = await post(new URL('/', identity.endpoint), body, identity.caBundle);
  if (status !== 200) {
    const code = element(text, 'Code') ?? `HTTP ${status}`;
    throw new LoginError(
      `AssumeRoleWithWebIdentity for ${identity.roleArn}: ${code}: ${element(text, 'Message') ?? text}`,
    );
  }
  const accessKeyId = element(text, 'AccessKeyId');
  const secretAccessKey = element(text, 'SecretAccessKey');
  const sessionToken = element(text, 'SessionToken');
  const expiration = element(text, 'Expiration');
  if (!accessKeyId || !secretAccessKey || !sessionToken || !expiration)
    throw new LoginError(`AssumeRoleWithWebIdentity at ${identity.endpoint} answered without credentials`);
  return { accessKeyId, secretAccessKey, sessionToken, expiration: new Date(expiration) };
}
