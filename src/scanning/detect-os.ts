// The package databases of operating systems: dpkg's status (and distroless status.d files),
// apk's installed database, rpm's sqlite database, and /etc/os-release.
import Database from 'better-sqlite3';
import type { FoundPackage, OsRelease } from './packages.js';

/** RFC 822-style stanzas (dpkg, apk): blank-line separated, "Key: value" lines, continuations indented. */
function stanzas(text: string): Array<Map<string, string>> {
  const out: Array<Map<string, string>> = [];
  let current = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (current.size > 0) out.push(current);
      current = new Map();
      last = undefined;
      continue;
    }
    if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
      current.set(last, `${current.get(last)}\n${line.trim()}`);
      continue;
    }
    const at = line.indexOf(':');
    if (at <= 0) continue;
    last = line.slice(0, at);
    current.set(last, line.slice(at + 1).trim());
  }
  if (current.size > 0) out.push(current);
  return out;
}

export function parseDpkgStatus(text: string, path: string): FoundPackage[] {
  const out: FoundPackage[] = [];
  for (const s of stanzas(text)) {
    const name = s.get('Package');
    const version = s.get('Version');
    const status = s.get('Status');
    if (!name || !version) continue;
    if (status !== undefined && !/\binstalled$/.test(status)) continue;
    const sourceField = s.get('Source');
    const source = sourceField ? /^(\S+)/.exec(sourceField)?.[1] : undefined;
    out.push({
      type: 'deb',
      name,
      version,
      ...(source && source !== name && { source }),
      ...(s.get('Architecture') && { arch: s.get('Architecture') as string }),
      path,
    });
  }
  return out;
}

export function parseApkInstalled(text: string, path: string): FoundPackage[] {
  const out: FoundPackage[] = [];
  for (const s of stanzas(text)) {
    const name = s.get('P');
    const version = s.get('V');
    if (!name || !version) continue;
    const origin = s.get('o');
    out.push({
      type: 'apk',
      name,
      version,
      ...(origin && origin !== name && { source: origin }),
      ...(s.get('A') && { arch: s.get('A') as string }),
      path,
    });
  }
  return out;
}

export function parseOsRelease(text: string): OsRelease | undefined {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) values.set(m[1]!, m[2]!.replace(/^["']|["']$/g, ''));
  }
  const id = values.get('ID');
  if (!id) return undefined;
  return {
    id,
    versionId: values.get('VERSION_ID') ?? '',
    ...(values.get('PRETTY_NAME') && { prettyName: values.get('PRETTY_NAME') as string }),
  };
}

// rpm's header tags and types (rpm's lib/rpmtag.h): what a package's name and version are.
const TAG = { name: 1000, version: 1001, release: 1002, epoch: 1003, arch: 1022, sourceRpm: 1044 };
const STRING = 6;
const INT32 = 4;

/** One header blob of rpm's Packages table: index count, data length, 16-byte index entries, data. */
export function parseRpmHeader(blob: Buffer): Map<number, string | number> {
  const count = blob.readUInt32BE(0);
  const dataStart = 8 + count * 16;
  const out = new Map<number, string | number>();
  if (count > 100_000 || dataStart > blob.length) return out;
  for (let i = 0; i < count; i++) {
    const at = 8 + i * 16;
    const tag = blob.readUInt32BE(at);
    const type = blob.readUInt32BE(at + 4);
    const offset = dataStart + blob.readUInt32BE(at + 8);
    if (offset >= blob.length) continue;
    if (type === STRING) {
      const end = blob.indexOf(0, offset);
      out.set(tag, blob.subarray(offset, end < 0 ? blob.length : end).toString('utf8'));
    } else if (type === INT32 && offset + 4 <= blob.length) out.set(tag, blob.readUInt32BE(offset));
  }
  return out;
}

/** The packages of an rpm sqlite database (var/lib/rpm/rpmdb.sqlite), opened from its bytes. */
export function parseRpmSqlite(bytes: Buffer, path: string): FoundPackage[] {
  const db = new Database(bytes, { readonly: true });
  try {
    const rows = db.prepare('SELECT blob FROM Packages').all() as Array<{ blob: Buffer }>;
    const out: FoundPackage[] = [];
    for (const row of rows) {
      const h = parseRpmHeader(row.blob);
      const name = h.get(TAG.name);
      const version = h.get(TAG.version);
      if (typeof name !== 'string' || typeof version !== 'string') continue;
      const release = h.get(TAG.release);
      const epoch = h.get(TAG.epoch);
      const full = `${typeof epoch === 'number' && epoch > 0 ? `${epoch}:` : ''}${version}${typeof release === 'string' ? `-${release}` : ''}`;
      const sourceRpm = h.get(TAG.sourceRpm);
      const source = typeof sourceRpm === 'string' ? /^(.+)-[^-]+-[^-]+\.src\.rpm$/.exec(sourceRpm)?.[1] : undefined;
      const arch = h.get(TAG.arch);
      out.push({
        type: 'rpm',
        name,
        version: full,
        ...(source && source !== name && { source }),
        ...(typeof arch === 'string' && { arch }),
        path,
      });
    }
    return out;
  } finally {
    db.close();
  }
}
