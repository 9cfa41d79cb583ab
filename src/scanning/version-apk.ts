// Alpine's version order, as apk-tools compares: digit{.digit}…{letter}{_suffix{N}}…{~hash}{-rN}.
// Numbers compare numerically unless one has a leading zero (then by text); suffixes _alpha,
// _beta, _pre, _rc sort before the release and _cvs, _svn, _git, _hg, _p after; where the
// shorter version ends, the longer one is greater unless it goes on with a pre-release suffix.

enum Token {
  InitialDigit = 0,
  Digit = 1,
  Letter = 2,
  Suffix = 3,
  SuffixNo = 4,
  CommitHash = 5,
  RevisionNo = 6,
  End = 7,
  Invalid = 8,
}

/** The suffixes in their order; NONE (the release itself) between the pre- and post-release ones. */
const SUFFIXES = ['alpha', 'beta', 'pre', 'rc', '', 'cvs', 'svn', 'git', 'hg', 'p'];
const SUFFIX_NONE = SUFFIXES.indexOf('');

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isLower = (c: string | undefined): boolean => c !== undefined && c >= 'a' && c <= 'z';
const isHex = (c: string | undefined): boolean => isDigit(c) || (c !== undefined && c >= 'a' && c <= 'f');

class Tokens {
  token: Token = Token.InitialDigit;
  value = '';
  number = 0n;
  suffix = -1;
  private at = 0;

  constructor(private readonly text: string) {
    this.digits();
  }

  private span(accept: (c: string | undefined) => boolean): string {
    const start = this.at;
    while (this.at < this.text.length && accept(this.text[this.at])) this.at++;
    return this.text.slice(start, this.at);
  }

  private digits(): void {
    this.value = this.span(isDigit);
    this.number = this.value ? BigInt(this.value) : 0n;
    if (!this.value) this.token = Token.Invalid;
  }

  /** Moves to the next token; returns its type. */
  next(): Token {
    if (this.at >= this.text.length) {
      this.token = Token.End;
      return this.token;
    }
    const c = this.text[this.at]!;
    if (isLower(c)) {
      if (this.token > Token.Digit) return this.invalid();
      this.value = c;
      this.token = Token.Letter;
      this.at++;
    } else if (c === '.' || isDigit(c)) {
      if (c === '.') {
        if (this.token > Token.Digit) return this.invalid();
        this.at++;
      }
      if (this.token === Token.InitialDigit || this.token === Token.Digit) this.token = Token.Digit;
      else if (this.token === Token.Suffix) this.token = Token.SuffixNo;
      else return this.invalid();
      this.digits();
    } else if (c === '_') {
      if (this.token > Token.SuffixNo) return this.invalid();
      this.at++;
      this.value = this.span(isLower);
      this.suffix = this.value ? SUFFIXES.indexOf(this.value) : -1;
      if (this.suffix < 0 || this.suffix === SUFFIX_NONE) return this.invalid();
      this.token = Token.Suffix;
    } else if (c === '~') {
      if (this.token >= Token.CommitHash) return this.invalid();
      this.at++;
      this.value = this.span(isHex);
      if (!this.value) return this.invalid();
      this.token = Token.CommitHash;
    } else if (c === '-') {
      if (this.token >= Token.RevisionNo || this.text[this.at + 1] !== 'r') return this.invalid();
      this.at += 2;
      this.token = Token.RevisionNo;
      this.digits();
    } else return this.invalid();
    return this.token;
  }

  private invalid(): Token {
    this.token = Token.Invalid;
    return this.token;
  }
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareToken(a: Tokens, b: Tokens): number {
  if (a.token === Token.Digit && (a.value[0] === '0' || b.value[0] === '0')) return byText(a.value, b.value);
  switch (a.token) {
    case Token.Digit:
    case Token.InitialDigit:
    case Token.SuffixNo:
    case Token.RevisionNo:
      return a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
    case Token.Letter:
      return byText(a.value, b.value);
    case Token.Suffix:
      return a.suffix - b.suffix;
    default:
      return byText(a.value, b.value);
  }
}

/**
 * Negative, zero or positive as `a` sorts before, with or after `b`. `fuzzy`: a version that
 * starts with all of `b`'s parts equals it (apk's "~" match, 3.6.9 ~ 3.6).
 */
export function compareApk(a: string, b: string, fuzzy = false): number {
  const ta = new Tokens(a);
  const tb = new Tokens(b);
  for (; ta.token === tb.token && ta.token < Token.End; ta.next(), tb.next()) {
    const r = compareToken(ta, tb);
    if (r !== 0) return Math.sign(r);
  }
  if (ta.token === tb.token) return 0;
  if (tb.token === Token.End && fuzzy) return 0;
  if (ta.token === Token.Suffix && ta.suffix < SUFFIX_NONE) return -1;
  if (tb.token === Token.Suffix && tb.suffix < SUFFIX_NONE) return 1;
  if (ta.token > tb.token) return -1;
  if (tb.token > ta.token) return 1;
  return 0;
}

/** Whether apk reads the whole of `version` as a version. */
export function isApkVersion(version: string): boolean {
  const t = new Tokens(version);
  while (t.token < Token.End) t.next();
  return t.token === Token.End;
}
