// The IAM policy language as Berth reads it: a validated, normalized policy document. No I/O;
// parsePolicy is the only way in, so the evaluator never meets a malformed statement.
import { parseCondition, type Condition } from './conditions.js';

export type PolicyVersion = '2012-10-17' | '2008-10-17';

/** Principal values by type (AWS, Federated, Service, CanonicalUser); "*" is { AWS: ['*'] }. */
export type PrincipalBlock = Readonly<Record<string, readonly string[]>>;

export interface Statement {
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  readonly principal?: PrincipalBlock;
  readonly notPrincipal?: PrincipalBlock;
  readonly action?: readonly string[];
  readonly notAction?: readonly string[];
  /** Absent in a resource policy that names no resource: the statement is about the resource it is attached to. */
  readonly resource?: readonly string[];
  readonly notResource?: readonly string[];
  readonly conditions: readonly Condition[];
}

export interface PolicyDocument {
  readonly version: PolicyVersion;
  readonly id?: string;
  readonly statements: readonly Statement[];
}

/**
 * What a document is for: identity policies (users, roles) name no principal and need a
 * Resource; resource policies (repository, registry) and trust policies need a principal.
 */
export type PolicyKind = 'identity' | 'resource' | 'trust';

/** A document refused, naming the element at fault (e.g. `Statement[1].Effect`). */
export class PolicyValidationError extends Error {
  constructor(
    readonly element: string,
    detail: string,
  ) {
    super(`${element}: ${detail}`);
    this.name = 'PolicyValidationError';
  }
}

/** Size limits of the policy kinds, in characters (the AWS quotas). */
export const POLICY_LIMITS = {
  /** ECR SetRepositoryPolicy / PutRegistryPolicy: policyText max 10,240. */
  repository: 10_240,
  registry: 10_240,
  /** IAM inline user policies: 2,048 characters (whitespace excluded). */
  userInline: 2_048,
  /** IAM inline role policies: 10,240. */
  roleInline: 10_240,
  /** IAM customer managed policies: 6,144. */
  managed: 6_144,
  /** Role trust policies: 2,048 by default. */
  trust: 2_048,
} as const;

const TOP_KEYS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
const PRINCIPAL_TYPES = new Set(['AWS', 'Federated', 'Service', 'CanonicalUser']);
const ACTION = /^[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+$/;
const ACCOUNT_ID = /^\d{12}$/;
/** Principal ARNs IAM accepts in a policy: account root, user, role, assumed-role and federated-user sessions. */
const PRINCIPAL_ARN =
  /^arn:aws:(iam::\d{12}:(root|user\/[\w+=,.@/-]+|role\/[\w+=,.@/-]+)|sts::\d{12}:(assumed-role\/[\w+=,.@/-]+\/[\w+=,.@-]+|federated-user\/[\w+=,.@-]+))$/;

export interface ParseOptions {
  kind: PolicyKind;
  /** Maximum length in characters; counted without whitespace, as IAM counts. */
  maxLength: number;
}

/** Parses and validates a policy document; throws PolicyValidationError naming the bad element. */
export function parsePolicy(text: string, options: ParseOptions): PolicyDocument {
  if (text.replace(/\s+/g, '').length > options.maxLength) {
    throw new PolicyValidationError('Policy', `the document exceeds ${options.maxLength} characters`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new PolicyValidationError('Policy', 'the document is not valid JSON');
  }
  return parsePolicyObject(raw, options.kind);
}

export function parsePolicyObject(raw: unknown, kind: PolicyKind): PolicyDocument {
  if (!isObject(raw)) throw new PolicyValidationError('Policy', 'the document must be a JSON object');
  for (const key of Object.keys(raw)) if (!TOP_KEYS.has(key)) throw new PolicyValidationError(key, 'unknown element');
  const version = raw.Version ?? '2008-10-17';
  if (version !== '2012-10-17' && version !== '2008-10-17')
    throw new PolicyValidationError('Version', `must be 2012-10-17 or 2008-10-17, not ${JSON.stringify(version)}`);
  if (raw.Id !== undefined && typeof raw.Id !== 'string') throw new PolicyValidationError('Id', 'must be a string');
  const list = Array.isArray(raw.Statement) ? raw.Statement : raw.Statement === undefined ? undefined : [raw.Statement];
  if (!list || list.length === 0) throw new PolicyValidationError('Statement', 'missing required element Statement');
  const statements = list.map((s, i) => parseStatement(s, `Statement[${i}]`, kind));
  const sids = new Set<string>();
  statements.forEach((s, i) => {
    if (s.sid === undefined || s.sid === '') return;
    if (sids.has(s.sid)) throw new PolicyValidationError(`Statement[${i}].Sid`, `duplicate Sid ${s.sid}`);
    sids.add(s.sid);
  });
  return { version, ...(typeof raw.Id === 'string' ? { id: raw.Id } : {}), statements };
}

function parseStatement(raw: unknown, at: string, kind: PolicyKind): Statement {
  if (!isObject(raw)) throw new PolicyValidationError(at, 'a statement must be a JSON object');
  for (const key of Object.keys(raw))
    if (!STATEMENT_KEYS.has(key)) throw new PolicyValidationError(`${at}.${key}`, 'unknown element');
  if (raw.Sid !== undefined && typeof raw.Sid !== 'string')
    throw new PolicyValidationError(`${at}.Sid`, 'must be a string');
  if (raw.Effect !== 'Allow' && raw.Effect !== 'Deny')
    throw new PolicyValidationError(`${at}.Effect`, 'must be Allow or Deny');
  const statement: { -readonly [K in keyof Statement]: Statement[K] } = { effect: raw.Effect, conditions: [] };
  if (typeof raw.Sid === 'string') statement.sid = raw.Sid;

  const hasPrincipal = raw.Principal !== undefined;
  const hasNotPrincipal = raw.NotPrincipal !== undefined;
  if (kind === 'identity' && (hasPrincipal || hasNotPrincipal)) {
    throw new PolicyValidationError(
      `${at}.${hasPrincipal ? 'Principal' : 'NotPrincipal'}`,
      'an identity-based policy must not specify a principal',
    );
  }
  if (kind !== 'identity') {
    if (hasPrincipal === hasNotPrincipal)
      throw new PolicyValidationError(`${at}.Principal`, 'exactly one of Principal or NotPrincipal is required');
    if (hasPrincipal) statement.principal = parsePrincipal(raw.Principal, `${at}.Principal`);
    else statement.notPrincipal = parsePrincipal(raw.NotPrincipal, `${at}.NotPrincipal`);
  }

  if ((raw.Action === undefined) === (raw.NotAction === undefined))
    throw new PolicyValidationError(`${at}.Action`, 'exactly one of Action or NotAction is required');
  if (raw.Action !== undefined) statement.action = parseActions(raw.Action, `${at}.Action`);
  else statement.notAction = parseActions(raw.NotAction, `${at}.NotAction`);

  if (raw.Resource !== undefined && raw.NotResource !== undefined)
    throw new PolicyValidationError(`${at}.Resource`, 'Resource and NotResource cannot both be given');
  if (kind === 'identity' && raw.Resource === undefined && raw.NotResource === undefined) {
    throw new PolicyValidationError(`${at}.Resource`, 'an identity-based policy needs Resource or NotResource');
  }
  if (raw.Resource !== undefined) statement.resource = parseResources(raw.Resource, `${at}.Resource`);
  if (raw.NotResource !== undefined) statement.notResource = parseResources(raw.NotResource, `${at}.NotResource`);

  if (raw.Condition !== undefined) statement.conditions = parseConditionBlock(raw.Condition, `${at}.Condition`);
  return statement;
}

function stringList(raw: unknown, at: string): string[] {
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'string' && v.length > 0)) {
    throw new PolicyValidationError(at, 'must be a non-empty string or a non-empty array of strings');
  }
  return list as string[];
}

function parseActions(raw: unknown, at: string): string[] {
  const actions = stringList(raw, at);
  for (const action of actions) {
    if (action !== '*' && !ACTION.test(action))
      throw new PolicyValidationError(at, `invalid action ${JSON.stringify(action)}: expected service:Action`);
  }
  return actions;
}

function parseResources(raw: unknown, at: string): string[] {
  const resources = stringList(raw, at);
  for (const resource of resources) {
    if (resource !== '*' && !(resource.startsWith('arn:') && resource.split(':').length >= 6)) {
      throw new PolicyValidationError(at, `invalid resource ${JSON.stringify(resource)}: expected "*" or an ARN`);
    }
  }
  return resources;
}

function parsePrincipal(raw: unknown, at: string): PrincipalBlock {
  if (raw === '*') return { AWS: ['*'] };
  if (!isObject(raw) || Object.keys(raw).length === 0)
    throw new PolicyValidationError(at, 'must be "*" or an object of principal types');
  const block: Record<string, string[]> = {};
  for (const [type, value] of Object.entries(raw)) {
    if (!PRINCIPAL_TYPES.has(type))
      throw new PolicyValidationError(
        `${at}.${type}`,
        'unknown principal type (AWS, Federated, Service or CanonicalUser)',
      );
    const values = stringList(value, `${at}.${type}`);
    block[type] = values.map((v) => {
      if (type !== 'AWS' || v === '*') return v;
      if (ACCOUNT_ID.test(v)) return `arn:aws:iam::${v}:root`;
      if (!PRINCIPAL_ARN.test(v))
        throw new PolicyValidationError(`${at}.AWS`, `invalid principal ${JSON.stringify(v)}`);
      return v;
    });
  }
  return block;
}

function parseConditionBlock(raw: unknown, at: string): Condition[] {
  if (!isObject(raw)) throw new PolicyValidationError(at, 'must be an object of condition operators');
  const conditions: Condition[] = [];
  for (const [operator, keys] of Object.entries(raw)) {
    if (!isObject(keys) || Object.keys(keys).length === 0)
      throw new PolicyValidationError(`${at}.${operator}`, 'must be an object of condition keys');
    for (const [key, values] of Object.entries(keys)) {
      const list = Array.isArray(values) ? values : [values];
      if (
        list.length === 0 ||
        !list.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      ) {
        throw new PolicyValidationError(`${at}.${operator}.${key}`, 'values must be strings, numbers or booleans');
      }
      const error = (detail: string) => new PolicyValidationError(`${at}.${operator}.${key}`, detail);
      if (!/^[A-Za-z0-9._-]+:[^\s]+$/.test(key)) throw error('a condition key is service:name');
      conditions.push(parseCondition(operator, key, list.map(String), error));
    }
  }
  return conditions;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
