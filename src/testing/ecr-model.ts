// The ECR service model (shared/specs/aws/ecr.service-2.json) for conformance tests: load it,
// check a value against a shape the way the service validates, and generate probe values at the
// edges of each shape's constraints.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface ShapeRef {
  shape: string;
  documentation?: string;
}

export interface Shape {
  type: string;
  members?: Record<string, ShapeRef>;
  member?: ShapeRef;
  key?: ShapeRef;
  value?: ShapeRef;
  required?: string[];
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  exception?: boolean;
  documentation?: string;
}

export interface ServiceModel {
  operations: Record<string, { input?: ShapeRef; output?: ShapeRef; errors?: ShapeRef[]; documentation?: string }>;
  shapes: Record<string, Shape>;
}

/** Where CI puts the shared specs: beside the clone. */
export const ECR_MODEL_PATH = resolve(process.cwd(), '..', 'shared', 'specs', 'aws', 'ecr.service-2.json');

export function loadEcrModel(): ServiceModel | undefined {
  return existsSync(ECR_MODEL_PATH) ? (JSON.parse(readFileSync(ECR_MODEL_PATH, 'utf8')) as ServiceModel) : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What is wrong with `value` as `shapeName` (empty when nothing). Patterns are matched whole, as
 * ECR does. `strict` also refuses members the shape does not have (for outputs).
 */
export function violations(
  model: ServiceModel,
  shapeName: string,
  value: unknown,
  options: { strict?: boolean } = {},
  path = '$',
): string[] {
  const shape = model.shapes[shapeName];
  if (!shape) return [`${path}: unknown shape ${shapeName}`];
  const within = (n: number, what: string): string[] => [
    ...(shape.min !== undefined && n < shape.min ? [`${path}: ${what} ${n} < min ${shape.min}`] : []),
    ...(shape.max !== undefined && n > shape.max ? [`${path}: ${what} ${n} > max ${shape.max}`] : []),
  ];
  switch (shape.type) {
    case 'structure': {
      if (!isObject(value)) return [`${path}: not a structure`];
      const out: string[] = [];
      for (const name of shape.required ?? []) if (value[name] === undefined) out.push(`${path}.${name}: required`);
      for (const [name, member] of Object.entries(value)) {
        const ref = shape.members?.[name];
        if (!ref) {
          if (options.strict) out.push(`${path}.${name}: not a member of ${shapeName}`);
          continue;
        }
        if (member !== undefined) out.push(...violations(model, ref.shape, member, options, `${path}.${name}`));
      }
      return out;
    }
    case 'list':
      if (!Array.isArray(value)) return [`${path}: not a list`];
      return [
        ...within(value.length, 'length'),
        ...value.flatMap((v, i) => violations(model, shape.member!.shape, v, options, `${path}[${i}]`)),
      ];
    case 'map':
      if (!isObject(value)) return [`${path}: not a map`];
      return Object.entries(value).flatMap(([k, v]) => [
        ...violations(model, shape.key!.shape, k, options, `${path} key`),
        ...violations(model, shape.value!.shape, v, options, `${path}.${k}`),
      ]);
    case 'string': {
      if (typeof value !== 'string') return [`${path}: not a string`];
      const out = within([...value].length, 'length');
      if (shape.enum && !shape.enum.includes(value)) out.push(`${path}: '${value}' not in ${shape.enum.join('|')}`);
      if (shape.pattern && !new RegExp(`^(?:${shape.pattern})$`).test(value))
        out.push(`${path}: '${value.slice(0, 40)}' does not match ${shape.pattern}`);
      return out;
    }
    case 'integer':
    case 'long':
      return Number.isInteger(value) ? within(value as number, 'value') : [`${path}: not an integer`];
    case 'double':
      return typeof value === 'number' ? within(value, 'value') : [`${path}: not a number`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: not a boolean`];
    case 'timestamp':
      // The JSON protocol sends timestamps as epoch seconds.
      return typeof value === 'number' ? [] : [`${path}: not epoch seconds`];
    case 'blob':
      return typeof value === 'string' ? [] : [`${path}: not base64`];
    default:
      return [`${path}: unknown type ${shape.type}`];
  }
}

/** Strings that sit on the edges of names, ids, tags, filters and enums. */
const EDGE_STRINGS = [
  '',
  'a',
  'ab',
  'A',
  'aB',
  'a b',
  'a/b',
  'a//b',
  '/a',
  'a/',
  '-a',
  'a-',
  'a--b',
  'a__b',
  'a___b',
  'a.b',
  'a..b',
  'a_b',
  'ab/cd/ef',
  '0',
  '123456789012',
  '12345678901',
  '1234567890123',
  '12345678901a',
  'v*',
  '*',
  'v/1',
  'abc-*.1_',
  'v 1',
  'é',
  'NOT_AN_ENUM',
  'aws:k',
];

/** Values to try in place of a value of `shapeName`: each edge of its constraints, and wrong types. */
export function candidates(model: ServiceModel, shapeName: string, base: unknown): unknown[] {
  const shape = model.shapes[shapeName]!;
  const { min, max } = shape;
  switch (shape.type) {
    case 'string': {
      const out: unknown[] = [
        ...EDGE_STRINGS,
        ...(shape.enum ?? []),
        ...(shape.enum ?? []).map((e) => e.toLowerCase()),
        42,
      ];
      if (min !== undefined && min > 0) out.push('a'.repeat(min - 1), 'a'.repeat(min));
      if (max !== undefined) out.push('a'.repeat(max), 'a'.repeat(max + 1));
      return out;
    }
    case 'integer':
    case 'long':
      return [
        0,
        1,
        -1,
        1.5,
        '5',
        ...(min === undefined ? [] : [min - 1, min]),
        ...(max === undefined ? [] : [max, max + 1]),
      ];
    case 'boolean':
      return [true, false, 'true', 1];
    case 'list': {
      const element = Array.isArray(base) ? base[0] : undefined;
      const sizes = [
        0,
        1,
        2,
        ...(min === undefined ? [] : [min - 1, min]),
        ...(max === undefined ? [60] : [max, max + 1]),
      ].filter((n) => n >= 0);
      return [
        'not a list',
        ...(element === undefined ? [] : sizes.map((n) => Array.from({ length: n }, () => element))),
      ];
    }
    case 'structure':
      return [{}, 'not a structure', []];
    default:
      return [];
  }
}

/** Inputs that differ from `base` in one place: a value replaced by a candidate, or removed. */
export function* mutations(model: ServiceModel, shapeName: string, base: unknown): Generator<unknown> {
  const shape = model.shapes[shapeName]!;
  yield* candidates(model, shapeName, base);
  if (shape.type === 'structure' && isObject(base)) {
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      if (!(name in base)) continue;
      const { [name]: _removed, ...rest } = base;
      yield rest;
      for (const value of mutations(model, ref.shape, base[name])) yield { ...base, [name]: value };
    }
  }
  if (shape.type === 'list' && Array.isArray(base) && base.length > 0) {
    for (const value of mutations(model, shape.member!.shape, base[0])) yield [value, ...base.slice(1)];
  }
}

/** The model's documentation as text (tags stripped), for what only the documentation says. */
export function docText(html: string | undefined): string {
  return (html ?? '').replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
}
