// Loads the configuration: defaults < YAML file < BERTH_* environment < command-line flags.
// Environment names are derived from the schema: registry.maxBlobBytes → BERTH_REGISTRY_MAX_BLOB_BYTES.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { ConfigSchema, type Config } from './schema.js';

export class ConfigError extends Error {
  constructor(
    readonly problems: string[],
    source: string,
  ) {
    super(`invalid configuration (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Tree = Record<string, unknown>;

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function envName(path: string[]): string {
  return `BERTH_${path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')}`;
}

/** Every leaf of the default configuration with its path. */
function leaves(tree: Tree, prefix: string[] = []): { path: string[]; value: unknown }[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    isTree(value) ? leaves(value, [...prefix, key]) : [{ path: [...prefix, key], value }],
  );
}

function setPath(tree: Tree, path: string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    if (!isTree(node[key])) node[key] = {};
    node = node[key] as Tree;
  }
  node[path[path.length - 1]!] = value;
}

function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over))
    out[key] = isTree(value) && isTree(out[key]) ? merge(out[key] as Tree, value) : value;
  return out;
}

function coerce(raw: string, like: unknown): unknown {
  if (typeof like === 'number') return raw.trim() !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
  if (typeof like === 'boolean')
    return raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;
  return raw;
}

/** The part of the configuration the environment sets. */
export function fromEnvironment(env: NodeJS.ProcessEnv): Tree {
  const out: Tree = {};
  for (const { path, value } of leaves(ConfigSchema.parse({}) as Tree)) {
    const raw = env[envName(path)];
    if (raw !== undefined) setPath(out, path, coerce(raw, value));
  }
  return out;
}

export function environmentVariables(): string[] {
  return leaves(ConfigSchema.parse({}) as Tree).map(({ path }) => envName(path));
}

/** A section whose settings are all commented out reads as null in YAML: treat it as empty. */
function withoutNulls(tree: Tree): Tree {
  const out: Tree = {};
  for (const [key, value] of Object.entries(tree)) {
    if (value === null) continue;
    out[key] = isTree(value) ? withoutNulls(value) : value;
  }
  return out;
}

export function readConfigFile(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read ${file}: ${(err as Error).message}`], file);
  }
  // Loaded only when there is a file to read: a server configured by its environment keeps none of it.
  const { parse: parseYaml } = createRequire(import.meta.url)('yaml') as typeof Yaml;
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new ConfigError([`not valid YAML: ${(err as Error).message}`], file);
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isTree(parsed)) throw new ConfigError(['the file must hold a mapping of settings'], file);
  return withoutNulls(parsed);
}

/**
 * Validates a merged configuration. `origin` names where the value at a dotted path came from
 * when that is not `source` (a variable, a flag), so a problem points at what to fix.
 */
export function validate(input: Tree, source: string, origin?: (path: string) => string | undefined): Config {
  const result = ConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => {
    // zod reports unknown keys once per object; name each one by its full path instead.
    const unknown = issue.code === 'unrecognized_keys';
    const paths = unknown ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
    return paths.map((path) => {
      const name = path.map(String).join('.');
      const from = name ? origin?.(name) : undefined;
      return `${name || '(top level)'}: ${unknown ? 'unknown setting' : issue.message}${from ? ` (from ${from})` : ''}`;
    });
  });
  throw new ConfigError(problems, source);
}

function has(tree: Tree, path: string[]): boolean {
  let node: unknown = tree;
  for (const key of path) {
    if (!isTree(node) || !Object.hasOwn(node, key)) return false;
    node = node[key];
  }
  return true;
}

/** The longest dotted path in `flags` that `dotted` is (or is under): a problem at tls.cert is --tls-cert's. */
function flagPath(dotted: string, flags: Record<string, string>): string {
  let path = dotted;
  while (path && !Object.hasOwn(flags, path)) path = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
  return path;
}

export interface LoadOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Settings from command-line flags, highest precedence. */
  overrides?: Tree;
  /** The flag that set each dotted path of `overrides` (e.g. listen → --listen), to name it in a problem. */
  flags?: Record<string, string>;
}

export function loadConfig(options: LoadOptions = {}): Config {
  const fromFile = options.file ? readConfigFile(options.file) : {};
  const fromEnv = fromEnvironment(options.env ?? process.env);
  const overrides = options.overrides ?? {};
  const merged = merge(merge(fromFile, fromEnv), overrides);
  const origin = (dotted: string) => {
    const path = dotted.split('.');
    if (has(overrides, path)) return options.flags?.[flagPath(dotted, options.flags)] ?? 'a command-line flag';
    return has(fromEnv, path) ? envName(path) : undefined;
  };
  const sources = [
    options.file,
    Object.keys(overrides).length > 0 && 'command line',
    Object.keys(fromEnv).length > 0 && 'environment',
  ].filter(Boolean);
  return validate(merged, sources.length > 0 ? sources.join(', ') : 'defaults', origin);
}
