// Upstream registry URLs of pull-through cache rules: the host they name, whether the allowed
// hosts setting lets a rule name it, ECR's kind of registry for it, and the origin Berth calls.
import type { UpstreamRegistry } from '../domain/records/pull-through.js';

export interface UpstreamHost {
  /** host or host:port, lower case. */
  host: string;
  hostname: string;
  /** The scheme the URL gave, if any. */
  scheme?: 'http' | 'https';
}

/** The host of an upstream registry URL (`registry-1.docker.io`, `https://quay.io`, `127.0.0.1:5000`); undefined when it is none. */
export function parseUpstreamUrl(url: string): UpstreamHost | undefined {
  const match = /^(?:(https?):\/\/)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?\/?$/.exec(url.trim());
  if (!match) return undefined;
  const hostname = match[2]!.toLowerCase();
  return {
    host: `${hostname}${match[3] ?? ''}`,
    hostname,
    ...(match[1] && { scheme: match[1] as 'http' | 'https' }),
  };
}

/** True when `host` is one of the allowed hosts (`host`, `host:port`, or `*.domain` for any port). */
export function hostAllowed(host: UpstreamHost, allowed: readonly string[]): boolean {
  return allowed.some((entry) => {
    const pattern = entry.toLowerCase();
    if (pattern.startsWith('*.')) return host.hostname.endsWith(pattern.slice(1));
    return pattern === host.host || pattern === host.hostname;
  });
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname.startsWith('127.') || hostname === '[::1]';
}

/** ECR's kind for the well-known registries; undefined for any other OCI registry. */
export function kindOfHost(hostname: string): UpstreamRegistry | undefined {
  if (hostname === 'registry-1.docker.io' || hostname === 'docker.io' || hostname === 'index.docker.io')
    return 'docker-hub';
  if (hostname === 'public.ecr.aws') return 'ecr-public';
  if (hostname === 'quay.io') return 'quay';
  if (hostname === 'registry.k8s.io') return 'k8s';
  if (hostname === 'ghcr.io') return 'github-container-registry';
  if (hostname.endsWith('.azurecr.io')) return 'azure-container-registry';
  if (hostname === 'registry.gitlab.com') return 'gitlab-container-registry';
  if (hostname === 'cgr.dev') return 'chainguard';
  if (/\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$/.test(hostname)) return 'ecr';
  return undefined;
}

/** The origin Berth calls: the URL's scheme, else https (http for loopback hosts when plainHttpLoopback). */
export function upstreamOrigin(host: UpstreamHost, plainHttpLoopback: boolean): string {
  const scheme = host.scheme ?? (plainHttpLoopback && isLoopback(host.hostname) ? 'http' : 'https');
  return `${scheme}://${host.host}`;
}

/** The kinds whose upstreams ECR asks credentials for. */
export const NEEDS_CREDENTIALS: ReadonlySet<UpstreamRegistry> = new Set([
  'docker-hub',
  'github-container-registry',
  'azure-container-registry',
  'gitlab-container-registry',
]);
