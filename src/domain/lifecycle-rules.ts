// ECR's lifecycle policy language: the rules of a policy text, parsed and validated as ECR does
// (PutLifecyclePolicy and StartLifecyclePolicyPreview refuse what does not hold here with
// InvalidParameterException and the reason). Pure: evaluation is lifecycle-plan.ts.

export const MIN_POLICY_LENGTH = 100;
export const MAX_POLICY_LENGTH = 30_720;
/** Wildcards (`*`) a tag pattern may hold, as ECR allows. */
export const MAX_PATTERN_WILDCARDS = 4;
export const DAY_MS = 24 * 60 * 60 * 1000;

export type RuleTagStatus = 'tagged' | 'untagged' | 'any';
export type CountType = 'imageCountMoreThan' | 'sinceImagePushed' | 'sinceImagePulled' | 'sinceImageTransitioned';
export type RuleStorageClass = 'standard' | 'archive';

export interface LifecycleSelection {
  tagStatus: RuleTagStatus;
  tagPrefixList?: string[];
  tagPatternList?: string[];
  countType: CountType;
  countUnit?: 'days';
  countNumber: number;
  /** The storage class of the images the rule selects (standard unless the rule says archive). */
  storageClass: RuleStorageClass;
}

export interface LifecycleRule {
  rulePriority: number;
  description?: string;
  selection: LifecycleSelection;
  action: { type: 'expire' } | { type: 'transition'; targetStorageClass: 'archive' };
}

/** A policy text ECR would refuse; the message is the reason after "Lifecycle policy validation failure: ". */
export class LifecyclePolicyError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'LifecyclePolicyError';
  }
}

/** The message of InvalidParameterException for a refused policy, in ECR's words. */
export function lifecyclePolicyMessage(reason: string): string {
  return `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ${reason}'`;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const TAG_CHARS = /^[A-Za-z0-9_.*-]{1,128}$/;

function only(where: string, value: Json, allowed: readonly string[]): void {
  for (const key of Object.keys(value))
    if (!allowed.includes(key)) throw new LifecyclePolicyError(`${where}: object has unknown property "${key}"`);
}

function stringList(where: string, value: unknown, wildcards: boolean): string[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new LifecyclePolicyError(`${where} must be a non-empty array of strings`);
  for (const item of value) {
    if (typeof item !== 'string' || !TAG_CHARS.test(item) || (!wildcards && item.includes('*')))
      throw new LifecyclePolicyError(`${where} contains an invalid tag ${JSON.stringify(item)}`);
    if (wildcards && item.split('*').length - 1 > MAX_PATTERN_WILDCARDS)
      throw new LifecyclePolicyError(
        `${where}: ${JSON.stringify(item)} has more than ${MAX_PATTERN_WILDCARDS} wildcards (*)`,
      );
  }
  return value as string[];
}

function positiveInteger(where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
    throw new LifecyclePolicyError(`${where} must be an integer greater than 0`);
  return value;
}

function parseSelection(where: string, value: unknown): LifecycleSelection {
  if (!isObject(value)) throw new LifecyclePolicyError(`${where}: "selection" is required and must be an object`);
  only(where, value, [
    'tagStatus',
    'tagPrefixList',
    'tagPatternList',
    'countType',
    'countUnit',
    'countNumber',
    'storageClass',
  ]);
  const tagStatus = value.tagStatus;
  if (tagStatus !== 'tagged' && tagStatus !== 'untagged' && tagStatus !== 'any')
    throw new LifecyclePolicyError(`${where}: "tagStatus" must be one of tagged, untagged, any`);
  const selection: LifecycleSelection = {
    tagStatus,
    countType: 'imageCountMoreThan',
    countNumber: 0,
    storageClass: 'standard',
  };
  const hasPrefixes = value.tagPrefixList !== undefined;
  const hasPatterns = value.tagPatternList !== undefined;
  if (tagStatus === 'tagged') {
    if (hasPrefixes === hasPatterns)
      throw new LifecyclePolicyError(
        `${where}: a rule with tagStatus "tagged" must specify exactly one of tagPrefixList and tagPatternList`,
      );
    if (hasPrefixes) selection.tagPrefixList = stringList(`${where}: tagPrefixList`, value.tagPrefixList, false);
    else selection.tagPatternList = stringList(`${where}: tagPatternList`, value.tagPatternList, true);
  } else if (hasPrefixes || hasPatterns) {
    throw new LifecyclePolicyError(
      `${where}: tagPrefixList and tagPatternList can only be used with tagStatus "tagged"`,
    );
  }
  const countType = value.countType;
  if (
    countType !== 'imageCountMoreThan' &&
    countType !== 'sinceImagePushed' &&
    countType !== 'sinceImagePulled' &&
    countType !== 'sinceImageTransitioned'
  )
    throw new LifecyclePolicyError(
      `${where}: "countType" must be one of imageCountMoreThan, sinceImagePushed, sinceImagePulled, sinceImageTransitioned`,
    );
  selection.countType = countType;
  if (countType === 'imageCountMoreThan') {
    if (value.countUnit !== undefined)
      throw new LifecyclePolicyError(`${where}: "countUnit" cannot be used with countType imageCountMoreThan`);
  } else {
    if (value.countUnit !== 'days')
      throw new LifecyclePolicyError(`${where}: countType ${countType} requires "countUnit": "days"`);
    selection.countUnit = 'days';
  }
  selection.countNumber = positiveInteger(`${where}: "countNumber"`, value.countNumber);
  if (value.storageClass !== undefined) {
    if (value.storageClass !== 'standard' && value.storageClass !== 'archive')
      throw new LifecyclePolicyError(`${where}: "storageClass" must be one of standard, archive`);
    selection.storageClass = value.storageClass;
  }
  if (countType === 'sinceImageTransitioned' && selection.storageClass !== 'archive')
    throw new LifecyclePolicyError(`${where}: countType sinceImageTransitioned requires "storageClass": "archive"`);
  return selection;
}

function parseAction(where: string, value: unknown, selection: LifecycleSelection): LifecycleRule['action'] {
  if (!isObject(value)) throw new LifecyclePolicyError(`${where}: "action" is required and must be an object`);
  only(where, value, ['type', 'targetStorageClass']);
  if (value.type === 'expire') {
    if (value.targetStorageClass !== undefined)
      throw new LifecyclePolicyError(`${where}: "targetStorageClass" can only be used with action type transition`);
    return { type: 'expire' };
  }
  if (value.type === 'transition') {
    if (value.targetStorageClass !== 'archive')
      throw new LifecyclePolicyError(`${where}: action type transition requires "targetStorageClass": "archive"`);
    if (selection.storageClass !== 'standard')
      throw new LifecyclePolicyError(
        `${where}: action type transition can only select images of storageClass standard`,
      );
    return { type: 'transition', targetStorageClass: 'archive' };
  }
  throw new LifecyclePolicyError(`${where}: action "type" must be one of expire, transition`);
}

function parseRule(value: unknown, index: number): LifecycleRule {
  const at = `rules[${index}]`;
  if (!isObject(value)) throw new LifecyclePolicyError(`${at} must be an object`);
  only(at, value, ['rulePriority', 'description', 'selection', 'action']);
  const rulePriority = positiveInteger(`${at}: "rulePriority"`, value.rulePriority);
  const where = `rule ${rulePriority}`;
  if (value.description !== undefined && typeof value.description !== 'string')
    throw new LifecyclePolicyError(`${where}: "description" must be a string`);
  const selection = parseSelection(where, value.selection);
  const action = parseAction(where, value.action, selection);
  return {
    rulePriority,
    ...(value.description !== undefined && { description: value.description as string }),
    selection,
    action,
  };
}

/** The rules of a policy text, lowest rulePriority first; LifecyclePolicyError with ECR's reason when it is not valid. */
export function parseLifecyclePolicy(text: string): LifecycleRule[] {
  if (text.length < MIN_POLICY_LENGTH || text.length > MAX_POLICY_LENGTH)
    throw new LifecyclePolicyError(
      `the policy text must be ${MIN_POLICY_LENGTH} to ${MAX_POLICY_LENGTH} characters long`,
    );
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new LifecyclePolicyError('the policy text is not valid JSON');
  }
  if (!isObject(document)) throw new LifecyclePolicyError('the policy must be a JSON object');
  only('policy', document, ['rules']);
  if (!Array.isArray(document.rules) || document.rules.length === 0)
    throw new LifecyclePolicyError('"rules" is required and must be a non-empty array');
  const rules = document.rules.map(parseRule);
  const seen = new Set<number>();
  for (const rule of rules) {
    if (seen.has(rule.rulePriority))
      throw new LifecyclePolicyError(`rulePriority ${rule.rulePriority} is used by more than one rule`);
    seen.add(rule.rulePriority);
  }
  rules.sort((a, b) => a.rulePriority - b.rulePriority);
  const highest = rules[rules.length - 1]!.rulePriority;
  const any = rules.find((r) => r.selection.tagStatus === 'any' && r.rulePriority !== highest);
  if (any)
    throw new LifecyclePolicyError(
      `rule ${any.rulePriority} has tagStatus "any" and must have the highest rulePriority of the policy`,
    );
  return rules;
}

/** A tag pattern as a matcher of whole tags: `*` matches any run of characters. */
export function tagPatternMatcher(pattern: string): (tag: string) => boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\-]/g, '\\$&'))
    .join('.*');
  const regex = new RegExp(`^${source}$`);
  return (tag) => regex.test(tag);
}
