// A repository's pages under /console/repositories/<name>/-/<page>[/<rest>]: each route module
// exports its pages by their first path segment ('' is the images list), and repository-routes.ts
// dispatches to them. A new repository page is one entry in REPOSITORY_TABS (nav.ts), when it is a
// tab, and one route module listed in repository-routes.ts.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleOptions, ConsoleRequest } from './plugin.js';

export type Query = Record<string, string | undefined>;

/** One request to a repository page: the repository's name and what follows the page's segment. */
export interface SubpageCall {
  request: FastifyRequest;
  reply: FastifyReply;
  c: ConsoleRequest;
  name: string;
  /** The path after the page's segment (`image/<digest>` → `<digest>`). */
  rest: string;
  query: Query;
}

export interface RepositorySubpage {
  get?(call: SubpageCall): Promise<unknown>;
  post?(call: SubpageCall): Promise<unknown>;
}

/** A route module's pages, by their first path segment. */
export type RepositorySubpages = (options: ConsoleOptions) => Record<string, RepositorySubpage>;

/** `team/app/-/image/sha256:…` → the name, the page and the rest. */
export function splitRepositoryPath(path: string): { name: string; page: string; rest: string } {
  let decoded: string;
  try {
    decoded = path.split('/').map(decodeURIComponent).join('/');
  } catch {
    decoded = ''; // a malformed escape names no repository
  }
  const at = decoded.indexOf('/-/');
  if (at === -1) return { name: decoded.replace(/\/$/, ''), page: '', rest: '' };
  const sub = decoded.slice(at + 3);
  const slash = sub.indexOf('/');
  return {
    name: decoded.slice(0, at),
    page: slash === -1 ? sub : sub.slice(0, slash),
    rest: slash === -1 ? '' : sub.slice(slash + 1),
  };
}
