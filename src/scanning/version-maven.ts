// Maven's version order (ComparableVersion): items split at '.', '-' and digit/letter changes;
// numbers numerically; qualifiers alpha < beta < milestone < rc < snapshot < (release) < sp,
// others after, by text; trailing zeros and empty qualifiers dropped.

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const ALIASES: Record<string, string> = {
  ga: '',
  final: '',
  release: '',
  cr: 'rc',
  a: 'alpha',
  b: 'beta',
  m: 'milestone',
};

type Item = { kind: 'number'; value: bigint } | { kind: 'text'; value: string; list: boolean };

function items(version: string): Item[] {
  const out: Item[] = [];
  const parts = version.toLowerCase().match(/\d+|[a-z]+|[.-]/g) ?? [];
  let dashBefore = false;
  for (const part of parts) {
    if (part === '.' || part === '-') {
      dashBefore = part === '-';
      continue;
    }
    if (/^\d+$/.test(part)) out.push({ kind: 'number', value: BigInt(part) });
    else out.push({ kind: 'text', value: ALIASES[part] ?? part, list: dashBefore });
    dashBefore = false;
  }
  while (out.length > 0) {
    const last = out[out.length - 1]!;
    if ((last.kind === 'number' && last.value === 0n) || (last.kind === 'text' && last.value === '')) out.pop();
    else break;
  }
  return out;
}

function qualifierRank(q: string): [number, string] {
  const known = QUALIFIERS.indexOf(q);
  return known >= 0 ? [known, ''] : [QUALIFIERS.length, q];
}

function compareItem(a: Item | undefined, b: Item | undefined): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return -compareItem(b, undefined);
  if (b === undefined) {
    if (a.kind === 'number') return a.value === 0n ? 0 : 1;
    const [rank] = qualifierRank(a.value);
    return rank - QUALIFIERS.indexOf('');
  }
  if (a.kind === 'number' && b.kind === 'number') return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  if (a.kind === 'number') return 1;
  if (b.kind === 'number') return -1;
  const [ra, ta] = qualifierRank(a.value);
  const [rb, tb] = qualifierRank(b.value);
  return ra !== rb ? ra - rb : ta < tb ? -1 : ta > tb ? 1 : 0;
}

/** Negative, zero or positive as `a` sorts before, with or after `b`. */
export function compareMaven(a: string, b: string): number {
  const ia = items(a);
  const ib = items(b);
  for (let i = 0; i < Math.max(ia.length, ib.length); i++) {
    const c = compareItem(ia[i], ib[i]);
    if (c !== 0) return Math.sign(c);
  }
  return 0;
}
