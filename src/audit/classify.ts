// What a request was, as CloudTrail names it: the event source and name of an API call (by its
// X-Amz-Target or its form's Action), and for the registry protocol (/v2) the ECR action CloudTrail
// logs for docker clients (a manifest GET is BatchGetImage, a blob GET GetDownloadUrlForLayer, …).

export interface Classified {
  source: string;
  name: string;
  readOnly: boolean;
  /** The request's parameters (parsed body, form or path), before redaction. */
  parameters: Record<string, unknown> | null;
}

const TARGETS: [string, string][] = [
  ['AmazonEC2ContainerRegistry_V20150921.', 'ecr.amazonaws.com'],
  ['TrentService.', 'kms.amazonaws.com'],
  ['SpencerFrontendService.', 'ecr-public.amazonaws.com'],
  ['BerthPublicRegistry.', 'ecr-public.amazonaws.com'],
  ['secretsmanager.', 'secretsmanager.amazonaws.com'],
  ['com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.', 'cloudtrail.amazonaws.com'],
  ['GraniteServiceVersion20100801.', 'monitoring.amazonaws.com'],
];

const QUERY_SOURCES: Record<string, string> = {
  '2010-05-08': 'iam.amazonaws.com',
  '2011-06-15': 'sts.amazonaws.com',
  '2010-08-01': 'monitoring.amazonaws.com',
};

/** Actions that change nothing (CloudTrail's readOnly). */
export function isReadOnly(name: string): boolean {
  return /^(Describe|Get|List|BatchGet|BatchCheck|Lookup|Decrypt$|Encrypt$|GenerateDataKey)/.test(name);
}

function parseJson(body: Buffer | undefined): Record<string, unknown> | null {
  if (!body || body.length === 0) return null;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function classifyApi(target: string | undefined, body: Buffer | undefined): Classified | undefined {
  if (target !== undefined) {
    const found = TARGETS.find(([prefix]) => target.startsWith(prefix));
    if (!found) return undefined;
    const name = target.slice(found[0].length);
    if (!name) return undefined;
    return { source: found[1], name, readOnly: isReadOnly(name), parameters: parseJson(body) };
  }
  if (!body) return undefined;
  const form = new URLSearchParams(body.toString('utf8'));
  const name = form.get('Action');
  const source = QUERY_SOURCES[form.get('Version') ?? ''];
  if (!name || !source) return undefined;
  const parameters: Record<string, unknown> = {};
  for (const [key, value] of form) if (key !== 'Action' && key !== 'Version') parameters[key] = value;
  return { source, name, readOnly: isReadOnly(name), parameters };
}

const REGISTRY_ROUTES: { pattern: RegExp; name: (method: string) => string | undefined; key?: string }[] = [
  {
    pattern: /^(.+)\/manifests\/([^/]+)$/,
    name: (m) =>
      m === 'GET' || m === 'HEAD'
        ? 'BatchGetImage'
        : m === 'PUT'
          ? 'PutImage'
          : m === 'DELETE'
            ? 'BatchDeleteImage'
            : undefined,
    key: 'imageReference',
  },
  {
    pattern: /^(.+)\/blobs\/uploads\/?()$/,
    name: (m) => (m === 'POST' ? 'InitiateLayerUpload' : undefined),
  },
  {
    pattern: /^(.+)\/blobs\/uploads\/([^/]+)$/,
    name: (m) =>
      m === 'PATCH'
        ? 'UploadLayerPart'
        : m === 'PUT'
          ? 'CompleteLayerUpload'
          : m === 'GET'
            ? 'DescribeLayerUpload'
            : undefined,
    key: 'uploadId',
  },
  {
    pattern: /^(.+)\/blobs\/([^/]+)$/,
    name: (m) => (m === 'GET' ? 'GetDownloadUrlForLayer' : m === 'HEAD' ? 'BatchCheckLayerAvailability' : undefined),
    key: 'layerDigest',
  },
  { pattern: /^(.+)\/tags\/list$/, name: (m) => (m === 'GET' ? 'ListImages' : undefined) },
  {
    pattern: /^(.+)\/referrers\/([^/]+)$/,
    name: (m) => (m === 'GET' ? 'ListImageReferrers' : undefined),
    key: 'subjectDigest',
  },
];

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function classifyRegistry(method: string, url: string, source: string): Classified | undefined {
  const path = url.split('?', 1)[0]!.slice('/v2/'.length);
  if (path === '_catalog')
    return method === 'GET' ? { source, name: 'DescribeRepositories', readOnly: true, parameters: null } : undefined;
  for (const route of REGISTRY_ROUTES) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    const name = route.name(method);
    if (!name) return undefined;
    // The public listener's paths start with the registry's alias: ECR Public names the repository without it.
    const named = decode(match[1]!);
    const slash = source === 'ecr-public.amazonaws.com' ? named.indexOf('/') : -1;
    const parameters: Record<string, unknown> = { repositoryName: slash === -1 ? named : named.slice(slash + 1) };
    if (route.key && match[2]) {
      const value = decode(match[2]);
      if (route.key === 'imageReference') parameters[value.includes(':') ? 'imageDigest' : 'imageTag'] = value;
      else parameters[route.key] = value;
    }
    return { source, name, readOnly: method === 'GET' || method === 'HEAD', parameters };
  }
  return undefined;
}

/** The call's CloudTrail name, or undefined for what the trail does not record (pings, health, pages). */
export function classify(call: {
  method: string;
  url: string;
  target?: string;
  body?: Buffer;
  registrySource: string;
}): Classified | undefined {
  if (call.url.startsWith('/v2/')) return classifyRegistry(call.method, call.url, call.registrySource);
  if (call.method === 'POST' && (call.url === '/' || call.url.startsWith('/?')))
    return classifyApi(call.target, call.body);
  return undefined;
}
