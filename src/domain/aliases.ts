// Registry aliases of the public registry (ECR Public's RegistryAliasName): their pattern and
// length, Berth's own reserved names, and the shape of default aliases.
import { randomInt } from 'node:crypto';

/** The model's RegistryAliasName pattern, anchored. */
export const ALIAS_PATTERN = /^[a-z][a-z0-9]+(?:[._-][a-z0-9]+)*$/;
export const ALIAS_MIN = 2;
export const ALIAS_MAX = 50;

/**
 * Names that identify Berth itself or the public listener's own paths (a reference
 * <host>/<alias>/<repo> and the gallery's pages must never be mistaken for one another).
 */
export const BERTH_RESERVED_ALIASES: readonly string[] = [
  'berth',
  'admin',
  'administrator',
  'api',
  'v2',
  'token',
  'static',
  'search',
  'publisher',
  'repository',
  'logos',
  'healthz',
  'readyz',
  'public',
  'private',
  'registry',
  'gallery',
  'root',
  'system',
  'support',
  'security',
  'official',
  'library',
  'login',
  'auth',
  'www',
  'help',
  'docs',
  'about',
  'status',
];

/** Why a requested alias name cannot be had, or undefined when it is well-formed and free to ask for. */
export function aliasProblem(name: string, reservedVendors: readonly string[]): string | undefined {
  if (name.length < ALIAS_MIN || name.length > ALIAS_MAX) return `an alias has ${ALIAS_MIN} to ${ALIAS_MAX} characters`;
  if (!ALIAS_PATTERN.test(name)) return "an alias must satisfy regular expression '[a-z][a-z0-9]+(?:[._-][a-z0-9]+)*'";
  if (BERTH_RESERVED_ALIASES.includes(name)) return `the alias '${name}' is reserved`;
  if (reservedVendors.some((v) => v.toLowerCase() === name)) return `the alias '${name}' is reserved`;
  return undefined;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const ALPHANUMERIC = `${LETTERS}0123456789`;

/** A default alias as ECR Public makes them: a letter and seven letters or digits, e.g. "k3x9q2mz". */
export function randomDefaultAlias(): string {
  let name = LETTERS[randomInt(LETTERS.length)]!;
  for (let i = 0; i < 7; i++) name += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]!;
  return name;
}
