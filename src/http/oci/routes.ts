// The routes of the registry protocol, declared once by name. Repository names contain
// slashes, so /v2/* is matched here rather than by the router.
import { RegistryError } from '../../domain/errors.js';

export type RouteName = 'base' | 'catalog' | 'tags' | 'manifest' | 'uploads' | 'upload' | 'blob' | 'referrers';

export interface RouteMatch {
  route: RouteName;
  name: string;
  /** The reference, digest or upload id after the resource segment. */
  target: string;
}

const TABLE: { route: RouteName; pattern: RegExp }[] = [
  { route: 'base', pattern: /^$/ },
  { route: 'catalog', pattern: /^_catalog$/ },
  { route: 'tags', pattern: /^(.+)\/tags\/list$/ },
  { route: 'manifest', pattern: /^(.+)\/manifests\/([^/]+)$/ },
  { route: 'uploads', pattern: /^(.+)\/blobs\/uploads\/?()$/ },
  { route: 'upload', pattern: /^(.+)\/blobs\/uploads\/([^/]+)$/ },
  { route: 'blob', pattern: /^(.+)\/blobs\/([^/]+)$/ },
  { route: 'referrers', pattern: /^(.+)\/referrers\/([^/]+)$/ },
];

function decode(part: string): string {
  if (!part.includes('%')) return part;
  try {
    return decodeURIComponent(part);
  } catch {
    throw new RegistryError('NAME_INVALID', 'malformed percent-encoding in the path');
  }
}

/** Matches the path below /v2/ (query string already removed). */
export function matchRoute(path: string): RouteMatch | undefined {
  for (const { route, pattern } of TABLE) {
    const match = pattern.exec(path);
    if (match) return { route, name: decode(match[1] ?? ''), target: decode(match[2] ?? '') };
  }
  return undefined;
}
