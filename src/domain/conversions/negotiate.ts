// Content negotiation of manifests fetched by tag: what a client's Accept allows, which format
// Berth serves a stored manifest in, and which child of a list is the default platform's.
import { MediaTypes, baseMediaType, isSchema1 } from '../media-types.js';
import { familyOf, IMAGE_TYPE, LIST_TYPE, type Family } from './docker-oci.js';

export interface Accepted {
  /** Base media types listed (parameters such as q= dropped). */
  types: ReadonlySet<string>;
  /** A wildcard (`*∕*`, `application/*`) was listed. */
  wildcard: boolean;
  /**
   * A pre-schema-2 client: no Accept at all (Docker 1.7–1.9 send none on manifest requests) or
   * only `*∕*`, `application/*` or `application/json` — OCI content-negotiation.md's table: these
   * get schema 1 (of the linux/amd64 image) for Docker content.
   */
  legacy: boolean;
}

const LEGACY_TYPES = new Set(['*/*', 'application/*', 'application/json']);

/** Parses one or several Accept headers (Fastify joins repeated headers with ", "). */
export function parseAccept(header: string | string[] | undefined): Accepted {
  const values = (Array.isArray(header) ? header : header === undefined ? [] : [header]).flatMap((h) => h.split(','));
  const types = new Set<string>();
  for (const value of values) {
    const type = baseMediaType(value);
    if (type) types.add(type);
  }
  const wildcard = types.has('*/*') || types.has('application/*');
  return { types, wildcard, legacy: [...types].every((t) => LEGACY_TYPES.has(t)) };
}

/** What to do with a stored manifest for this client. */
export type Plan =
  | { action: 'serve' }
  | { action: 'convert'; to: string }
  | { action: 'platform' }
  | { action: 'refuse' };

export function acceptsSchema1(accepted: Accepted): boolean {
  return (
    accepted.legacy ||
    accepted.types.has(MediaTypes.dockerSchema1Signed) ||
    accepted.types.has(MediaTypes.dockerSchema1)
  );
}

/**
 * The plan for a manifest of `mediaType` asked for by tag. A client that names the stored type gets
 * it as stored. A legacy client gets schema 1 for Docker content (the default platform's image of
 * a list), anything else as stored. Otherwise the other family's type, then schema 1, then a
 * wildcard, in that order; a list for a client that accepts no list type yields its default image.
 */
export function plan(mediaType: string, accepted: Accepted, options: { artifact: boolean }): Plan {
  if (accepted.types.has(mediaType) || (accepted.wildcard && !accepted.legacy)) return { action: 'serve' };
  // Signed or not, schema 1 is one format to its clients (Docker 1.10 names only the signed type).
  if (isSchema1(mediaType) && acceptsSchema1(accepted)) return { action: 'serve' };
  const family = familyOf(mediaType);
  if (!family || options.artifact) return accepted.legacy ? { action: 'serve' } : { action: 'refuse' };
  const other: Family = family === 'docker' ? 'oci' : 'docker';
  const isList = mediaType === LIST_TYPE[family];
  if (accepted.legacy) {
    if (family === 'oci') return { action: 'serve' };
    return isList ? { action: 'platform' } : { action: 'convert', to: MediaTypes.dockerSchema1Signed };
  }
  if (isList)
    return accepted.types.has(LIST_TYPE[other]) ? { action: 'convert', to: LIST_TYPE[other] } : { action: 'platform' };
  if (accepted.types.has(IMAGE_TYPE[other])) return { action: 'convert', to: IMAGE_TYPE[other] };
  if (acceptsSchema1(accepted)) return { action: 'convert', to: MediaTypes.dockerSchema1Signed };
  return { action: 'refuse' };
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** `linux/amd64` or `linux/arm64/v8` → a platform. */
export function parsePlatform(text: string): Platform {
  const [os, architecture, variant] = text.split('/');
  if (!os || !architecture) throw new Error(`platform must be os/architecture[/variant], not "${text}"`);
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** The entry of a list for `platform` (a variant, when given, must match too), or undefined. */
export function selectPlatform<T extends { platform?: unknown }>(entries: T[], platform: Platform): T | undefined {
  return entries.find((entry) => {
    const p = entry.platform as Partial<Platform> | undefined;
    if (!p || p.os !== platform.os || p.architecture !== platform.architecture) return false;
    return platform.variant === undefined || p.variant === platform.variant;
  });
}

/** The formats a stored manifest can be served in, for the detail of a refusal. */
export function servableFormats(mediaType: string, artifact: boolean): string[] {
  const family = familyOf(mediaType);
  if (!family || artifact || isSchema1(mediaType)) return [mediaType];
  const other: Family = family === 'docker' ? 'oci' : 'docker';
  if (mediaType === LIST_TYPE[family]) return [mediaType, LIST_TYPE[other], "the default platform's image"];
  return [mediaType, IMAGE_TYPE[other], MediaTypes.dockerSchema1Signed];
}
