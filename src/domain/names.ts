// Repository names (ECR's rules), tags and manifest references.
import { RegistryError } from './errors.js';
import { tryParseDigest, type Digest } from './digest.js';

// ECR's RepositoryName pattern and length (shared/specs/aws/ecr.service-2.json), anchored.
export const REPOSITORY_NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
export const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** Names that passed lately: every registry request checks its repository's name, mostly the same few. */
const VALID_NAMES = new Set<string>();
const VALID_NAMES_KEPT = 4096;

export function isRepositoryName(name: string): boolean {
  if (VALID_NAMES.has(name)) return true;
  if (name.length < 2 || name.length > 256 || !REPOSITORY_NAME.test(name)) return false;
  if (VALID_NAMES.size >= VALID_NAMES_KEPT) VALID_NAMES.clear();
  VALID_NAMES.add(name);
  return true;
}

export function assertRepositoryName(name: string): string {
  if (!isRepositoryName(name)) {
    throw new RegistryError(
      'NAME_INVALID',
      'invalid repository name: lowercase letters, digits and separators (. _ __ - /), 2 to 256 characters',
      { name },
    );
  }
  return name;
}

export function isTag(tag: string): boolean {
  return TAG.test(tag);
}

export function assertTag(tag: string): string {
  if (!isTag(tag)) throw new RegistryError('TAG_INVALID', 'invalid tag: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}', { tag });
  return tag;
}

export type Reference = { kind: 'tag'; tag: string } | { kind: 'digest'; digest: Digest };

/** A manifest reference is a digest when it contains a colon, otherwise a tag. */
export function parseReference(reference: string): Reference {
  if (reference.includes(':')) {
    const digest = tryParseDigest(reference);
    if (!digest) throw new RegistryError('DIGEST_INVALID', 'invalid digest', { digest: reference });
    return { kind: 'digest', digest };
  }
  return { kind: 'tag', tag: assertTag(reference) };
}
