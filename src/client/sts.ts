// STS AssumeRole at another deployment (or AWS), signed with an access key as the AWS SDKs sign
// it (SigV4, query protocol): the temporary credentials of the role, or the refusal STS gave, in
// its own words. For the pull-through cache's ecr upstreams in another deployment.
import { createHash, createHmac } from 'node:crypto';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Credentials } from './authorization.js';

// Not imported: an import of node:http loads undici (see client/registry.ts).
const { request: httpRequest } = process.getBuiltinModule('node:http');

export interface AssumeRoleRequest {
  /** The deployment's API endpoint (http(s)://host[:port]); STS answers on POST / there. */
  endpoint: string;
  region: string;
  credentials: Credentials;
  roleArn: string;
  sessionName: string;
  durationSeconds?: number;
  /** More CAs to trust for https. */
  ca?: Buffer[];
  timeoutMs?: number;
}

export interface AssumedCredentials extends Credentials {
  sessionToken: string;
  expiresAt: number;
}

/** STS refused (its error code and message), or could not be asked (no status). */
export class StsRefusal extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'StsRefusal';
  }
}

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** The headers of a SigV4-signed POST / of `body` (form-encoded) to `host`. */
export function signedHeaders(
  host: string,
  body: string,
  credentials: Credentials,
  region: string,
  service: string,
  now = new Date(),
): Record<string, string> {
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    host,
    'x-amz-date': amzDate,
    ...(credentials.sessionToken && { 'x-amz-security-token': credentials.sessionToken }),
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    'POST',
    '/',
    '',
    names.map((n) => `${n}:${headers[n]}\n`).join(''),
    names.join(';'),
    sha256(body),
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256(canonical)}`;
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, date), region), service), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}

const text = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

export async function assumeRoleAt(request: AssumeRoleRequest): Promise<AssumedCredentials> {
  const url = new URL('/', request.endpoint);
  const body = new URLSearchParams({
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: request.roleArn,
    RoleSessionName: request.sessionName,
    ...(request.durationSeconds !== undefined && { DurationSeconds: String(request.durationSeconds) }),
  }).toString();
  const headers = signedHeaders(url.host, body, request.credentials, request.region, 'sts');
  const { status, xml } = await new Promise<{ status: number; xml: string }>((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        ...(url.protocol === 'https:' && request.ca && { agent: new HttpsAgent({ ca: request.ca }) }),
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, xml: Buffer.concat(parts).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(request.timeoutMs ?? 30_000, () => req.destroy(new Error('no answer in time')));
    req.on('error', (err) => reject(new StsRefusal(`STS at ${url.host} could not be reached: ${err.message}`)));
    req.end(body);
  });
  if (status !== 200) {
    const code = text(xml, 'Code');
    throw new StsRefusal(
      `STS at ${url.host} refused AssumeRole of ${request.roleArn}: ${code ?? status}${text(xml, 'Message') ? ` (${text(xml, 'Message')})` : ''}`,
      code,
      status,
    );
  }
  const accessKeyId = text(xml, 'AccessKeyId');
  const secretAccessKey = text(xml, 'SecretAccessKey');
  const sessionToken = text(xml, 'SessionToken');
  const expiration = text(xml, 'Expiration');
  if (!accessKeyId || !secretAccessKey || !sessionToken || !expiration)
    throw new StsRefusal(`STS at ${url.host} answered AssumeRole without credentials`, undefined, status);
  return { accessKeyId, secretAccessKey, sessionToken, expiresAt: Date.parse(expiration) };
}
