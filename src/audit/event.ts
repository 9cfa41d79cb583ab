// A recorded request as a CloudTrail event: userIdentity from the principal, requestParameters
// redacted, the error's code and message read from the response, and the one resource
// LookupEvents can find it by (a repository, key, secret, user or role).
import { randomUUID } from 'node:crypto';
import type { Principal } from '../domain/principal.js';
import { type AuditRecord, auditIdPrefix } from '../domain/records/audit.js';
import type { AuditCall } from './call.js';
import { type Classified, classify } from './classify.js';
import { redact } from './redact.js';
import type { AuditFields } from './runs.js';

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

const RESOURCES: [string, string][] = [
  ['repositoryName', 'AWS::ECR::Repository'],
  ['KeyId', 'AWS::KMS::Key'],
  ['SecretId', 'AWS::SecretsManager::Secret'],
  ['Name', 'AWS::SecretsManager::Secret'],
  ['UserName', 'AWS::IAM::User'],
  ['RoleName', 'AWS::IAM::Role'],
  ['RoleArn', 'AWS::IAM::Role'],
];

/** The ARN of a resource of the type by its name (kept as given when the name is an ARN already). */
const ARNS: Record<string, (account: string, region: string, name: string) => string> = {
  'AWS::ECR::Repository': (a, r, n) => `arn:aws:ecr:${r}:${a}:repository/${n}`,
  'AWS::KMS::Key': (a, r, n) => `arn:aws:kms:${r}:${a}:key/${n}`,
  'AWS::SecretsManager::Secret': (a, r, n) => `arn:aws:secretsmanager:${r}:${a}:secret:${n}`,
  'AWS::IAM::User': (a, _r, n) => `arn:aws:iam::${a}:user/${n}`,
  'AWS::IAM::Role': (a, _r, n) => `arn:aws:iam::${a}:role/${n}`,
};

function resourceOf(classified: Classified): { type: string; name: string } | undefined {
  const parameters = classified.parameters;
  if (!parameters) return undefined;
  for (const [key, type] of RESOURCES) {
    const value = parameters[key];
    if (key === 'Name' && classified.source !== 'secretsmanager.amazonaws.com') continue;
    if (typeof value === 'string' && value) return { type, name: value };
  }
  return undefined;
}

function resourceArn(type: string, account: string, region: string, name: string): string {
  if (name.startsWith('arn:') && type !== 'AWS::ECR::Repository') return name;
  return ARNS[type]?.(account, region, name) ?? name;
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
 * events appends to the primary key's index instead of landing at random places in it. The 12
 * bits after the version are 0: they number the later events of the run this id starts
 * (memberEventId).
 */
export function eventIdAt(ms: number): string {
  return `${auditIdPrefix(ms)}-7000${randomUUID().slice(18)}`;
}

const isoSeconds = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/**
 * userIdentity's JSON by principal: the same caller makes most of a flush's events (a CI job
 * pulling), so each identity is written out once, not once per event. Bounded: cleared when full.
 */
const identities = new Map<string, string>();
const MAX_IDENTITIES = 1000;

/** The same, by the principal object itself: a caller's requests usually share one (a cached credential). */
const identitiesByPrincipal = new WeakMap<Principal, string>();

function identityJson(principal: Exclude<Principal, { kind: 'anonymous' }>): string {
  const known = identitiesByPrincipal.get(principal);
  if (known !== undefined) return known;
  const key = `${principal.kind}\0${principal.accessKeyId}\0${principal.arn}${principal.kind === 'role-session' ? `\0${principal.expiresAt}` : ''}`;
  let found = identities.get(key);
  if (found === undefined) {
    if (identities.size >= MAX_IDENTITIES) identities.clear();
    found = JSON.stringify(userIdentity(principal));
    identities.set(key, found);
  }
  identitiesByPrincipal.set(principal, found);
  return found;
}

/** What a request's method and path make of its event: the same for every pull of an image. */
interface Described {
  classified: Classified;
  resource: { type: string; name: string } | undefined;
  /** The redacted parameters as JSON. */
  parameters: string | null;
}

function describe(classified: Classified): Described {
  return {
    classified,
    resource: resourceOf(classified),
    parameters: classified.parameters ? JSON.stringify(redact(classified.parameters)) : null,
  };
}

/**
 * Registry requests described by listener, method and path: the pulls of a flush repeat a few
 * paths (a CI fleet pulling the same images), so each is classified, redacted and written out as
 * JSON once, not once per event. Bounded: cleared when full. (API calls carry their parameters
 * in their bodies: those are described one by one.)
 */
const registryDescribed = new Map<string, Described | null>();
const MAX_DESCRIBED = 4096;

/** The last registry request described: the next is most often the same (no key made). */
let lastDescribed: { source: string; method: string; url: string; found: Described | null } | undefined;

function described(call: AuditCall): Described | undefined {
  if (!call.url.startsWith('/v2/')) {
    const classified = classify(call);
    return classified && describe(classified);
  }
  const last = lastDescribed;
  if (last && last.url === call.url && last.method === call.method && last.source === call.registrySource)
    return last.found ?? undefined;
  const key = `${call.registrySource}\0${call.method}\0${call.url}`;
  let found = registryDescribed.get(key);
  if (found === undefined) {
    if (registryDescribed.size >= MAX_DESCRIBED) registryDescribed.clear();
    const classified = classify(call);
    found = classified ? describe(classified) : null;
    registryDescribed.set(key, found);
  }
  lastDescribed = { source: call.registrySource, method: call.method, url: call.url, found };
  return found ?? undefined;
}

/** The call's event but its id, time and request id, or undefined when the trail does not record it. */
export function auditFields(call: AuditCall): AuditFields | undefined {
  const found = described(call);
  if (!found) return undefined;
  const { classified, resource } = found;
  const principal = call.principal;
  const signed = principal && principal.kind !== 'anonymous' ? principal : undefined;
  // An API call belongs to the caller's account; a registry request to the registry it addressed.
  const account = call.url.startsWith('/v2/') ? call.registryAccount : (signed?.accountId ?? call.registryAccount);
  const error = errorOf(call);
  return {
    accountId: account,
    eventName: classified.name,
    eventSource: classified.source,
    readOnly: classified.readOnly,
    username: username(principal),
    accessKeyId: signed?.accessKeyId ?? null,
    resourceType: resource?.type ?? null,
    resourceName: resource?.name ?? null,
    identity: signed ? identityJson(signed) : null,
    sourceIp: call.sourceIp,
    userAgent: call.userAgent ?? null,
    parameters: found.parameters,
    errorCode: error?.code ?? null,
    errorMessage: error?.message ?? null,
  };
}

const ANONYMOUS_IDENTITY = { type: 'Unknown', principalId: 'anonymous' };

/** The record's CloudTrail event as JSON (made when LookupEvents reads it, not when it is written). */
export function cloudTrailEvent(record: AuditRecord, region: string): string {
  const account = record.accountId;
  const event = {
    eventVersion: EVENT_VERSION,
    userIdentity: record.identity !== null ? JSON.parse(record.identity) : ANONYMOUS_IDENTITY,
    eventTime: isoSeconds(record.eventTime),
    eventSource: record.eventSource,
    eventName: record.eventName,
    awsRegion: region,
    sourceIPAddress: record.sourceIp,
    userAgent: record.userAgent,
    ...(record.errorCode !== null && {
      errorCode: record.errorCode,
      ...(record.errorMessage !== null && { errorMessage: record.errorMessage }),
    }),
    requestParameters: record.parameters !== null ? JSON.parse(record.parameters) : null,
    responseElements: null,
    requestID: record.requestId,
    eventID: record.eventId,
    readOnly: record.readOnly,
    ...(record.resourceType !== null &&
      record.resourceName !== null && {
        resources: [
          {
            ARN: resourceArn(record.resourceType, account, region, record.resourceName),
            accountId: account,
            type: record.resourceType,
          },
        ],
      }),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
  };
  return JSON.stringify(event);
}
