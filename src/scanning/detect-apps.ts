// Application packages: npm (package-lock.json, node_modules/*/package.json), Python
// (*.dist-info/METADATA), Go (the build info linked into binaries) and Java (pom.properties in
// jars, nested jars once).
import { inflateRawSync } from 'node:zlib';
import type { FoundPackage } from './packages.js';

function json(bytes: Buffer): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

export function parsePackageLock(bytes: Buffer, path: string): FoundPackage[] {
  const lock = json(bytes);
  if (!lock) return [];
  const out: FoundPackage[] = [];
  const packages = lock.packages as Record<string, Record<string, unknown>> | undefined;
  if (packages && typeof packages === 'object') {
    for (const [key, entry] of Object.entries(packages)) {
      const at = key.lastIndexOf('node_modules/');
      if (at < 0 || entry?.link === true) continue;
      const name = str(entry.name) ?? key.slice(at + 'node_modules/'.length);
      const version = str(entry.version);
      if (version) out.push({ type: 'npm', name, version, path });
    }
    return out;
  }
  // lockfileVersion 1: a tree of dependencies.
  const walk = (deps: unknown) => {
    if (!deps || typeof deps !== 'object') return;
    for (const [name, entry] of Object.entries(deps as Record<string, Record<string, unknown>>)) {
      const version = str(entry?.version);
      if (version) out.push({ type: 'npm', name, version, path });
      walk(entry?.dependencies);
    }
  };
  walk(lock.dependencies);
  return out;
}

export function parseNodeModulePackage(bytes: Buffer, path: string): FoundPackage[] {
  const pkg = json(bytes);
  const name = str(pkg?.name);
  const version = str(pkg?.version);
  return name && version ? [{ type: 'npm', name, version, path }] : [];
}

export function parsePythonMetadata(bytes: Buffer, path: string): FoundPackage[] {
  let name: string | undefined;
  let version: string | undefined;
  for (const line of bytes.toString('utf8').split('\n')) {
    if (line.trim() === '') break;
    const m = /^(Name|Version):\s*(.+?)\s*$/.exec(line);
    if (m?.[1] === 'Name') name = m[2];
    if (m?.[1] === 'Version') version = m[2];
  }
  return name && version ? [{ type: 'pypi', name, version, path }] : [];
}

export const GO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');

function uvarint(bytes: Buffer, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (let i = at; i < bytes.length && shift < 35; i++) {
    value += (bytes[i]! & 0x7f) * 2 ** shift;
    if (!(bytes[i]! & 0x80)) return [value, i + 1];
    shift += 7;
  }
  return [-1, at];
}

/**
 * The modules of a Go binary's build info, from the bytes at its "\xff Go buildinf:" header (Go
 * 1.18 and later inline the strings; older binaries point into the data and are not read).
 */
export function parseGoBuildInfo(window: Buffer, path: string): FoundPackage[] | 'old-format' {
  if (window.length < 32 || !window.subarray(0, GO_MAGIC.length).equals(GO_MAGIC)) return [];
  const flags = window[15]!;
  if (!(flags & 0x2)) return 'old-format';
  const [versionLength, afterLength] = uvarint(window, 32);
  if (versionLength < 0) return [];
  const goVersion = window.subarray(afterLength, afterLength + versionLength).toString('utf8');
  const [modLength, afterMod] = uvarint(window, afterLength + versionLength);
  let modinfo = modLength > 0 ? window.subarray(afterMod, afterMod + modLength).toString('latin1') : '';
  if (modinfo.length >= 33) modinfo = modinfo.slice(16, -16);
  const out: FoundPackage[] = [];
  const stdlib = /^go(\d+\.\d+(?:\.\d+)?)/.exec(goVersion)?.[1];
  if (stdlib) out.push({ type: 'golang', name: 'stdlib', version: stdlib, path });
  const lines = modinfo.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const [kind, module, version] = lines[i]!.split('\t');
    if ((kind !== 'mod' && kind !== 'dep') || !module || !version || version === '(devel)') continue;
    const replaced = lines[i + 1]?.startsWith('=>\t') ? lines[i + 1]!.split('\t') : undefined;
    const name = replaced?.[1] && replaced[2] ? replaced[1] : module;
    out.push({ type: 'golang', name, version: replaced?.[2] ?? version, path });
  }
  return out;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function zipEntries(zip: Buffer): Array<{ name: string; read(): Buffer | undefined }> {
  const from = Math.max(0, zip.length - 65_557);
  let eocd = -1;
  for (let i = zip.length - 22; i >= from; i--)
    if (zip.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  if (eocd < 0) return [];
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const out: Array<{ name: string; read(): Buffer | undefined }> = [];
  for (let n = 0; n < count && at + 46 <= zip.length && zip.readUInt32LE(at) === CENTRAL; n++) {
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    out.push({
      name,
      read() {
        if (local + 30 > zip.length || zip.readUInt32LE(local) !== LOCAL) return undefined;
        const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
        const data = zip.subarray(start, start + compressed);
        if (method === 0) return data;
        if (method === 8) return inflateRawSync(data);
        return undefined;
      },
    });
    at += 46 + nameLength + extra + comment;
  }
  return out;
}

function properties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([^#!=:\s]+)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** The Maven artifacts a jar (a buffered one) declares in META-INF/maven/**\/pom.properties, nested jars once. */
export function parseJar(zip: Buffer, path: string, nested = true): FoundPackage[] {
  const out: FoundPackage[] = [];
  for (const entry of zipEntries(zip)) {
    if (/^META-INF\/maven\/.+\/pom\.properties$/.test(entry.name)) {
      const bytes = entry.read();
      if (!bytes) continue;
      const p = properties(bytes.toString('utf8'));
      const group = p.get('groupId');
      const artifact = p.get('artifactId');
      const version = p.get('version');
      if (group && artifact && version) out.push({ type: 'maven', namespace: group, name: artifact, version, path });
    } else if (nested && /\.jar$/.test(entry.name)) {
      const bytes = entry.read();
      if (bytes) out.push(...parseJar(bytes, `${path}!/${entry.name}`, false));
    }
  }
  return out;
}
