// Debian's version order (deb-version(7)), as dpkg compares: [epoch:]upstream[-revision], each
// part compared in runs of non-digits (letters sort before other characters, '~' before all,
// even the end) and of digits (numerically).

export interface DpkgVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

export function parseDpkgVersion(text: string): DpkgVersion {
  const value = text.trim();
  const colon = value.indexOf(':');
  const epoch = colon > 0 && /^\d+$/.test(value.slice(0, colon)) ? Number(value.slice(0, colon)) : 0;
  const rest = colon > 0 && /^\d+$/.test(value.slice(0, colon)) ? value.slice(colon + 1) : value;
  const dash = rest.lastIndexOf('-');
  return dash >= 0
    ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) }
    : { epoch, upstream: rest, revision: '' };
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

function order(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function compareParts(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = order(a[i]);
      const bc = order(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

/** Negative, zero or positive as `a` sorts before, with or after `b`. */
export function compareDpkg(a: string, b: string): number {
  const va = parseDpkgVersion(a);
  const vb = parseDpkgVersion(b);
  if (va.epoch !== vb.epoch) return va.epoch - vb.epoch;
  return compareParts(va.upstream, vb.upstream) || compareParts(va.revision, vb.revision);
}
