// rpm's version order: rpmvercmp (rpm's lib/rpmvercmp.c, reimplemented) on [epoch:]version[-release].
// A string compares in alternating runs of digits (numerically, leading zeros ignored) and of
// ASCII letters (by bytes); anything else separates runs. '~' sorts before everything, even the
// end ("1.0~rc1" < "1.0"); '^' sorts after the end but before any other run ("1.0^git1" > "1.0",
// < "1.0.1"). A digit run is newer than a letter run; where one string runs out, the longer is
// newer. EVR: epochs numerically (absent is 0), then versions, then releases when both have one.

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined) => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
const isAlnum = (c: string | undefined) => isDigit(c) || isAlpha(c);

/** rpmvercmp: -1, 0 or 1 as `a` is older than, equal to or newer than `b`. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a[i]) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isAlnum(b[j]) && b[j] !== '~' && b[j] !== '^') j++;
    // Tilde: older than anything, the end included.
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    // Caret: newer than the end, older than any run.
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = isDigit(a[i]);
    const inRun = numeric ? isDigit : isAlpha;
    const si = i;
    const sj = j;
    while (i < a.length && inRun(a[i])) i++;
    while (j < b.length && inRun(b[j])) j++;
    let x = a.slice(si, i);
    let y = b.slice(sj, j);
    // A run of the other kind in `b`: a number is newer than letters.
    if (y.length === 0) return numeric ? 1 : -1;
    if (numeric) {
      x = x.replace(/^0+/, '');
      y = y.replace(/^0+/, '');
      if (x.length !== y.length) return x.length > y.length ? 1 : -1;
    }
    if (x !== y) return x < y ? -1 : 1;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i < a.length ? 1 : -1;
}

export interface RpmEvr {
  epoch: number;
  version: string;
  release?: string;
}

export function parseEvr(text: string): RpmEvr {
  const value = text.trim();
  const colon = value.indexOf(':');
  const hasEpoch = colon > 0 && /^\d+$/.test(value.slice(0, colon));
  const rest = hasEpoch ? value.slice(colon + 1) : value;
  const dash = rest.lastIndexOf('-');
  return {
    epoch: hasEpoch ? Number(value.slice(0, colon)) : 0,
    version: dash >= 0 ? rest.slice(0, dash) : rest,
    ...(dash >= 0 && { release: rest.slice(dash + 1) }),
  };
}

/** rpm's order of two [epoch:]version[-release] strings (releases compared only when both have one). */
export function compareRpm(a: string, b: string): number {
  const x = parseEvr(a);
  const y = parseEvr(b);
  if (x.epoch !== y.epoch) return x.epoch < y.epoch ? -1 : 1;
  const byVersion = rpmvercmp(x.version, y.version);
  if (byVersion !== 0 || x.release === undefined || y.release === undefined) return byVersion;
  return rpmvercmp(x.release, y.release);
}
