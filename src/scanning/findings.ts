// Findings as ECR's basic scan reports them: one per advisory and affected package, named by
// the advisory's id, with its severity (from the CVSS v3 vector, else the database's word),
// a link, and the attributes package_name, package_version and the CVSS scores.
import type { ScanFinding } from '../domain/records/scanning.js';
import { type Severity, cvss3BaseScore, severityOfScore, severityOfWord } from './cvss.js';
import { type Candidate, type OsvRecord, affecting } from './osv.js';
import type { FoundPackage, Inventory } from './packages.js';
import { type Ecosystem, RPM_ECOSYSTEMS } from './versions.js';

/** Where the matching asks for advisories: those naming any of `names` in the ecosystem. */
export type AdvisoryLookup = (ecosystem: Ecosystem, names: string[]) => Promise<OsvRecord[]>;

export function candidateOf(p: FoundPackage, inventory: Pick<Inventory, 'os'>): Candidate | undefined {
  const names = p.source ? [p.source, p.name] : [p.name];
  const release = inventory.os?.versionId;
  switch (p.type) {
    case 'deb':
      return {
        ecosystem: inventory.os?.id === 'ubuntu' ? 'Ubuntu' : 'Debian',
        ...(release && { release }),
        names,
        version: p.version,
      };
    case 'apk':
      return { ecosystem: 'Alpine', ...(release && { release }), names, version: p.version };
    case 'npm':
      return { ecosystem: 'npm', names, version: p.version };
    case 'pypi':
      return { ecosystem: 'PyPI', names, version: p.version };
    case 'golang':
      return { ecosystem: 'Go', names, version: p.version.replace(/^v/, '') };
    case 'maven':
      return { ecosystem: 'Maven', names: [`${p.namespace}:${p.name}`], version: p.version };
    case 'rpm': {
      const ecosystem = inventory.os?.id ? RPM_ECOSYSTEMS[inventory.os.id] : undefined;
      return ecosystem && { ecosystem, ...(release && { release }), names, version: p.version };
    }
    default:
      return undefined;
  }
}

const SEVERITY_ORDER: Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'];

function severityOf(record: OsvRecord): { severity: Severity; vector?: string; score?: number } {
  for (const s of record.severity ?? []) {
    if (s.type !== 'CVSS_V3' || !s.score) continue;
    const score = cvss3BaseScore(s.score);
    if (score !== undefined) return { severity: severityOfScore(score), vector: s.score, score };
  }
  const word = record.database_specific?.severity;
  return { severity: severityOfWord(typeof word === 'string' ? word : undefined) ?? 'UNDEFINED' };
}

function uriOf(record: OsvRecord): string {
  const advisory = record.references?.find((r) => r.type === 'ADVISORY' && r.url)?.url;
  return advisory ?? record.references?.find((r) => r.url)?.url ?? `https://osv.dev/vulnerability/${record.id}`;
}

/** The findings of an inventory against the advisories the lookup gives, most severe first. */
export async function evaluate(inventory: Inventory, lookup: AdvisoryLookup): Promise<ScanFinding[]> {
  const byEcosystem = new Map<Ecosystem, Array<{ p: FoundPackage; c: Candidate }>>();
  for (const p of inventory.packages) {
    const c = candidateOf(p, inventory);
    if (!c) continue;
    const list = byEcosystem.get(c.ecosystem) ?? [];
    list.push({ p, c });
    byEcosystem.set(c.ecosystem, list);
  }
  const findings = new Map<string, ScanFinding>();
  for (const [ecosystem, items] of byEcosystem) {
    const names = [...new Set(items.flatMap((i) => i.c.names))];
    const records = await lookup(ecosystem, names);
    for (const record of records) {
      for (const { p, c } of items) {
        if (!affecting(record, c)) continue;
        const key = `${record.id}\0${p.name}\0${p.version}`;
        if (findings.has(key)) continue;
        const { severity, vector, score } = severityOf(record);
        const name = p.type === 'maven' ? `${p.namespace}:${p.name}` : p.name;
        findings.set(key, {
          name: record.id,
          ...((record.summary ?? record.details) && {
            description: (record.summary ?? record.details)!.slice(0, 4096),
          }),
          uri: uriOf(record),
          severity,
          attributes: [
            { key: 'package_version', value: p.version },
            { key: 'package_name', value: name },
            ...(vector !== undefined ? [{ key: 'CVSS3_VECTOR', value: vector }] : []),
            ...(score !== undefined ? [{ key: 'CVSS3_SCORE', value: String(score) }] : []),
          ],
        });
      }
    }
  }
  return [...findings.values()].sort(
    (a, b) =>
      SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

export function severityCounts(findings: ScanFinding[]): Partial<Record<Severity, number>> {
  const counts: Partial<Record<Severity, number>> = {};
  for (const f of findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  return counts;
}
