// Advisories in the OSV schema (https://ossf.github.io/osv-schema/): reading a record, which
// packages it names, and whether a version is affected (ranges of ECOSYSTEM or SEMVER events,
// or an explicit list of versions), compared by the ecosystem's own order.
import { type Ecosystem, compareVersions } from './versions.js';

export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}

export interface OsvAffected {
  package?: { ecosystem?: string; name?: string; purl?: string };
  ranges?: Array<{ type?: string; events?: OsvEvent[] }>;
  versions?: string[];
  database_specific?: Record<string, unknown>;
  ecosystem_specific?: Record<string, unknown>;
}

export interface OsvRecord {
  id: string;
  modified?: string;
  withdrawn?: string;
  summary?: string;
  details?: string;
  aliases?: string[];
  severity?: Array<{ type?: string; score?: string }>;
  affected?: OsvAffected[];
  references?: Array<{ type?: string; url?: string }>;
  database_specific?: Record<string, unknown>;
}

/** The ecosystems imported (OSV's names; "Debian:12" and "Alpine:v3.19" name a release). */
export const IMPORTED_ECOSYSTEMS: readonly Ecosystem[] = [
  'Debian',
  'Ubuntu',
  'Alpine',
  'npm',
  'PyPI',
  'Go',
  'Maven',
  'Red Hat',
  'Rocky Linux',
  'AlmaLinux',
  'openSUSE',
  'SUSE',
];

export function baseEcosystem(ecosystem: string): Ecosystem | undefined {
  const base = ecosystem.split(':')[0] as Ecosystem;
  return IMPORTED_ECOSYSTEMS.includes(base) ? base : undefined;
}

/** A package's name as the ecosystem compares names (PyPI's normalized form; others as written). */
export function packageKey(ecosystem: Ecosystem, name: string): string {
  return ecosystem === 'PyPI' ? name.toLowerCase().replace(/[-_.]+/g, '-') : name;
}

/** The record, when the value is one (an id and at least one affected package). */
export function parseOsv(value: unknown): OsvRecord | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const r = value as OsvRecord;
  if (typeof r.id !== 'string' || !r.id || !Array.isArray(r.affected)) return undefined;
  return r;
}

/** The (ecosystem, package) pairs of the imported ecosystems a record names. */
export function packagesOf(record: OsvRecord): Array<{ ecosystem: Ecosystem; name: string }> {
  const out = new Map<string, { ecosystem: Ecosystem; name: string }>();
  for (const a of record.affected ?? []) {
    const ecosystem = a.package?.ecosystem && baseEcosystem(a.package.ecosystem);
    const name = a.package?.name;
    if (!ecosystem || !name) continue;
    const key = packageKey(ecosystem, name);
    out.set(`${ecosystem}\0${key}`, { ecosystem, name: key });
  }
  return [...out.values()];
}

function inRange(ecosystem: Ecosystem, version: string, events: OsvEvent[]): boolean {
  const cmp = (a: string, b: string) => compareVersions(ecosystem, a, b);
  const point = (e: OsvEvent) => e.introduced ?? e.fixed ?? e.last_affected ?? e.limit ?? '0';
  const sorted = [...events].sort((x, y) => {
    if (x.introduced === '0') return -1;
    if (y.introduced === '0') return 1;
    return cmp(point(x), point(y));
  });
  let affected = false;
  for (const e of sorted) {
    if (e.introduced !== undefined && (e.introduced === '0' || cmp(version, e.introduced) >= 0)) affected = true;
    else if (e.fixed !== undefined && cmp(version, e.fixed) >= 0) affected = false;
    else if (e.last_affected !== undefined && cmp(version, e.last_affected) > 0) affected = false;
    else if (e.limit !== undefined && cmp(version, e.limit) >= 0) affected = false;
  }
  return affected;
}

export interface Candidate {
  ecosystem: Ecosystem;
  /** The OS release ("12" of Debian, "3.19" of Alpine), matched against "Debian:12", "Alpine:v3.19". */
  release?: string;
  /** The names the package goes by (a source package's name first for the OS packages). */
  names: string[];
  version: string;
}

function releaseMatches(ecosystem: string, candidate: Candidate): boolean {
  const colon = ecosystem.indexOf(':');
  if (colon < 0 || candidate.release === undefined) return true;
  // Red Hat names a product and stream ("Red Hat:enterprise_linux:9::appstream"): its major release.
  const named = ecosystem.slice(colon + 1);
  const wanted = (
    ecosystem.startsWith('Red Hat:') ? (/(?:^|:)[a-z_]*?(\d+)(?::|$)/.exec(named)?.[1] ?? named) : named
  ).replace(/^v/, '');
  const have = candidate.release.replace(/^v/, '');
  return have === wanted || have.startsWith(`${wanted}.`) || wanted.startsWith(`${have}.`);
}

/** The affected entry of `record` that `candidate`'s version falls in, if any. */
export function affecting(record: OsvRecord, candidate: Candidate): OsvAffected | undefined {
  if (record.withdrawn) return undefined;
  const names = new Set(candidate.names.map((n) => packageKey(candidate.ecosystem, n)));
  for (const a of record.affected ?? []) {
    const eco = a.package?.ecosystem;
    if (!eco || baseEcosystem(eco) !== candidate.ecosystem || !releaseMatches(eco, candidate)) continue;
    if (!a.package?.name || !names.has(packageKey(candidate.ecosystem, a.package.name))) continue;
    if (a.versions?.includes(candidate.version)) return a;
    for (const range of a.ranges ?? []) {
      if (range.type !== 'ECOSYSTEM' && range.type !== 'SEMVER') continue;
      if (inRange(candidate.ecosystem, candidate.version, range.events ?? [])) return a;
    }
  }
  return undefined;
}
