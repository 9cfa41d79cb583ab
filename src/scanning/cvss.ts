// CVSS v3.x base scores from their vectors (the specification's formulas and rounding), and
// the severity bands ECR's findings use.

const WEIGHTS: Record<string, Record<string, number>> = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  C: { H: 0.56, L: 0.22, N: 0 },
  I: { H: 0.56, L: 0.22, N: 0 },
  A: { H: 0.56, L: 0.22, N: 0 },
};

function roundUp(value: number): number {
  const scaled = Math.round(value * 100_000);
  return scaled % 10_000 === 0 ? scaled / 100_000 : (Math.floor(scaled / 10_000) + 1) / 10;
}

/** The base score of a CVSS:3.0 or 3.1 vector; undefined when it is not one. */
export function cvss3BaseScore(vector: string): number | undefined {
  const parts = vector.split('/');
  if (!/^CVSS:3\.[01]$/.test(parts[0] ?? '')) return undefined;
  const m = new Map(parts.slice(1).map((p) => p.split(':') as [string, string]));
  const scope = m.get('S');
  const pr = m.get('PR');
  const weight = (k: string) => WEIGHTS[k]?.[m.get(k) ?? ''];
  const [av, ac, ui, c, i, a] = ['AV', 'AC', 'UI', 'C', 'I', 'A'].map(weight);
  const prWeight =
    pr === 'N'
      ? 0.85
      : pr === 'L'
        ? scope === 'C'
          ? 0.68
          : 0.62
        : pr === 'H'
          ? scope === 'C'
            ? 0.5
            : 0.27
          : undefined;
  if ([av, ac, ui, c, i, a, prWeight].some((w) => w === undefined) || (scope !== 'U' && scope !== 'C'))
    return undefined;
  const iss = 1 - (1 - c!) * (1 - i!) * (1 - a!);
  const impact = scope === 'U' ? 6.42 * iss : 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15;
  const exploitability = 8.22 * av! * ac! * prWeight! * ui!;
  if (impact <= 0) return 0;
  return scope === 'U'
    ? roundUp(Math.min(impact + exploitability, 10))
    : roundUp(Math.min(1.08 * (impact + exploitability), 10));
}

export type Severity = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL' | 'UNDEFINED';

export function severityOfScore(score: number): Severity {
  if (score === 0) return 'INFORMATIONAL';
  if (score < 4) return 'LOW';
  if (score < 7) return 'MEDIUM';
  if (score < 9) return 'HIGH';
  return 'CRITICAL';
}

/** A database's own severity word (GitHub's MODERATE, Debian's "low"/"not yet assigned"). */
export function severityOfWord(word: string | undefined): Severity | undefined {
  switch (word?.toUpperCase()) {
    case 'CRITICAL':
      return 'CRITICAL';
    case 'HIGH':
    case 'IMPORTANT':
      return 'HIGH';
    case 'MODERATE':
    case 'MEDIUM':
      return 'MEDIUM';
    case 'LOW':
    case 'NEGLIGIBLE':
      return 'LOW';
    default:
      return undefined;
  }
}
