// log.format pretty: the JSON lines pino writes, shown for a person at a terminal — the time, the
// level, the message, then the other fields as key=value; a request as one line that reads
// "POST / ecr:PutImage 201 12ms 127.0.0.1 arn:aws:iam::…:user/ci 1.2 KiB→0 B". Small on purpose:
// no dependency (pino-pretty would bring a dozen) for what a terminal needs.

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLORS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };
/** Fields every line has, shown in their own places or not at all. */
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId', 'node', 'listener']);
const REQUEST = new Set([
  'method',
  'url',
  'action',
  'status',
  'ms',
  'client',
  'account',
  'principal',
  'userAgent',
  'bytesIn',
  'bytesOut',
]);

function size(bytes: unknown): string {
  if (typeof bytes !== 'number') return '?';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

function field(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

/** One JSON log line as a readable line (without its newline); the line itself when it is not JSON. */
export function prettyLine(json: string, color = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const name = (LEVELS[level] ?? String(level)).padEnd(5);
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const where = [entry.node, entry.listener].filter((v) => typeof v === 'string').join('/');
  const head = `${time} ${color ? `\x1b[${COLORS[level] ?? '0'}m${name}\x1b[0m` : name}${where ? ` [${where}]` : ''}`;
  let message: string;
  let rest: [string, unknown][];
  if (entry.msg === 'request' && typeof entry.method === 'string') {
    const who = typeof entry.principal === 'string' ? entry.principal : '-';
    const agent = typeof entry.userAgent === 'string' ? ` "${entry.userAgent}"` : '';
    message = `${entry.method} ${entry.url}${entry.action ? ` ${entry.action}` : ''} ${entry.status} ${entry.ms}ms ${entry.client ?? '-'} ${who} ${size(entry.bytesIn)}→${size(entry.bytesOut)}${agent}`;
    rest = Object.entries(entry).filter(([key]) => !SKIP.has(key) && !REQUEST.has(key));
  } else {
    message = typeof entry.msg === 'string' ? entry.msg : '';
    rest = Object.entries(entry).filter(([key]) => !SKIP.has(key));
  }
  const fields = rest.map(([key, value]) => `${key}=${field(value)}`).join(' ');
  return `${head} ${message}${fields ? ` ${fields}` : ''}`;
}

/** A line formatter for createLogger: each JSON line as its pretty line, coloured on a terminal. */
export function prettyFormatter(out: { isTTY?: boolean } = process.stdout): (line: string) => string {
  const color = Boolean(out.isTTY) && !process.env.NO_COLOR;
  return (line) => `${prettyLine(line.trimEnd(), color)}\n`;
}

/** Whether `format` (log.format) means pretty here: auto is pretty on a terminal, JSON elsewhere. */
export function wantsPretty(format: 'auto' | 'pretty' | 'json', out: { isTTY?: boolean } = process.stdout): boolean {
  return format === 'pretty' || (format === 'auto' && Boolean(out.isTTY));
}
