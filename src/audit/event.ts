// A recorded request as a CloudTrail event: userIdentity from the principal, requestParameters
// redacted, the error's code and message read from the response, and the one resource
// LookupEvents can find it by (a repository, key, secret, user or role).
import { randomUUID } from 'node:crypto';
import type { Principal } from '../domain/principal.js';
import type { AuditRecord } from '../domain/records/audit.js';
import type { AuditCall } from './call.js';
import { type Classified, classify } from './classify.js';
import { redact } from './redact.js';

export const EVENT_VERSION = '1.09';

function userIdentity(principal: Principal | undefined): Record<string, unknown> {
  if (!principal || principal.kind === 'anonymous') return { type: 'Unknown', principalId: 'anonymous' };
  const base = { arn: principal.arn, accountId: principal.accountId, accessKeyId: principal.accessKeyId };
  switch (principal.kind) {
    case 'root':
      return { type: 'Root', principalId: principal.accountId, ...base };
    case 'user':
      return { type: 'IAMUser', principalId: principal.userId, ...base, userName: principal.userName };
    case 'role-session':
      return {
        type: 'AssumedRole',
        principalId: `${principal.roleId}:${principal.sessionName}`,
        ...base,
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: principal.roleId,
            arn: principal.roleArn,
            accountId: principal.accountId,
            userName: principal.roleArn.split('/').at(-1),
          },
          attributes: { creationDate: new Date(principal.expiresAt).toISOString(), mfaAuthenticated: 'false' },
        },
      };
  }
}

/** LookupEvents' Username: the user's name, `root`, or the role session's name. */
function username(principal: Principal | undefined): string | null {
  if (!principal || principal.kind === 'anonymous') return null;
  return principal.kind === 'user' ? principal.userName : principal.kind === 'root' ? 'root' : principal.sessionName;
}

const RESOURCES: [string, string, (account: string, region: string, name: string) => string][] = [
  ['repositoryName', 'AWS::ECR::Repository', (a, r, n) => `arn:aws:ecr:${r}:${a}:repository/${n}`],
  ['KeyId', 'AWS::KMS::Key', (a, r, n) => (n.startsWith('arn:') ? n : `arn:aws:kms:${r}:${a}:key/${n}`)],
  [
    'SecretId',
    'AWS::SecretsManager::Secret',
    (a, r, n) => (n.startsWith('arn:') ? n : `arn:aws:secretsmanager:${r}:${a}:secret:${n}`),
  ],
  ['Name', 'AWS::SecretsManager::Secret', (a, r, n) => `arn:aws:secretsmanager:${r}:${a}:secret:${n}`],
  ['UserName', 'AWS::IAM::User', (a, _r, n) => `arn:aws:iam::${a}:user/${n}`],
  ['RoleName', 'AWS::IAM::Role', (a, _r, n) => `arn:aws:iam::${a}:role/${n}`],
  ['RoleArn', 'AWS::IAM::Role', (_a, _r, n) => n],
];

function resourceOf(
  classified: Classified,
  account: string,
  region: string,
): { type: string; name: string; arn: string } | undefined {
  const parameters = classified.parameters;
  if (!parameters) return undefined;
  for (const [key, type, arn] of RESOURCES) {
    const value = parameters[key];
    if (key === 'Name' && classified.source !== 'secretsmanager.amazonaws.com') continue;
    if (typeof value === 'string' && value) return { type, name: value, arn: arn(account, region, value) };
  }
  return undefined;
}

/** The error's code and message: the face's header, else the body's (/v2's envelope, the query APIs' XML). */
function errorOf(call: AuditCall): { code: string; message?: string } | undefined {
  if (call.status < 400) return undefined;
  const body = call.errorBody ?? '';
  let code = call.errorType;
  let message: string | undefined;
  if (body.startsWith('{')) {
    try {
      const parsed = JSON.parse(body) as {
        message?: string;
        Message?: string;
        errors?: { code?: string; message?: string }[];
      };
      const first = parsed.errors?.[0];
      code ??= first?.code;
      message = first?.message ?? parsed.message ?? parsed.Message;
    } catch {}
  } else if (body.startsWith('<')) {
    code ??= /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
    message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  }
  return { code: code ?? `HTTP${call.status}`, ...(message !== undefined && { message }) };
}

/**
 * A UUID that sorts by time (version 7: the millisecond first, then randomness), so that writing
 * events appends to the primary key's index instead of landing at random places in it.
 */
export function eventIdAt(ms: number): string {
  const random = randomUUID();
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${random.slice(15)}`;
}

const isoSeconds = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** The call as a CloudTrail event, or undefined when the trail does not record it. */
export function toAuditRecord(call: AuditCall, region: string): AuditRecord | undefined {
  const classified = classify(call);
  if (!classified) return undefined;
  const principal = call.principal;
  const signed = principal && principal.kind !== 'anonymous' ? principal : undefined;
  // An API call belongs to the caller's account; a registry request to the registry it addressed.
  const account = call.url.startsWith('/v2/') ? call.registryAccount : (signed?.accountId ?? call.registryAccount);
  const resource = resourceOf(classified, account, region);
  const error = errorOf(call);
  const eventId = eventIdAt(call.time);
  const event = {
    eventVersion: EVENT_VERSION,
    userIdentity: userIdentity(principal),
    eventTime: isoSeconds(call.time),
    eventSource: classified.source,
    eventName: classified.name,
    awsRegion: region,
    sourceIPAddress: call.sourceIp,
    userAgent: call.userAgent ?? null,
    ...(error && { errorCode: error.code, ...(error.message !== undefined && { errorMessage: error.message }) }),
    requestParameters: classified.parameters && redact(classified.parameters),
    responseElements: null,
    requestID: call.requestId,
    eventID: eventId,
    readOnly: classified.readOnly,
    ...(resource && { resources: [{ ARN: resource.arn, accountId: account, type: resource.type }] }),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
  };
  return {
    eventId,
    eventTime: call.time,
    accountId: account,
    eventName: classified.name,
    eventSource: classified.source,
    readOnly: classified.readOnly,
    username: username(principal),
    accessKeyId: signed?.accessKeyId ?? null,
    resourceType: resource?.type ?? null,
    resourceName: resource?.name ?? null,
    event: JSON.stringify(event),
  };
}
