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

/** The standard library and modules of a Go build info's version string and modinfo text. */
function goPackages(goVersion: string, rawModinfo: string, path: string): FoundPackage[] {
  // The modinfo text is framed by two 16-byte sentinels.
  const modinfo = rawModinfo.length >= 33 ? rawModinfo.slice(16, -16) : rawModinfo;
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

/**
 * The modules of a Go binary's build info, from the bytes at its "\xff Go buildinf:" header (Go
 * 1.18 and later inline the strings; older binaries point into the data: 'old-format', read by
 * parseOldGoBuildInfo from the whole binary).
 */
export function parseGoBuildInfo(window: Buffer, path: string): FoundPackage[] | 'old-format' {
  if (window.length < 32 || !window.subarray(0, GO_MAGIC.length).equals(GO_MAGIC)) return [];
  const flags = window[15]!;
  if (!(flags & 0x2)) return 'old-format';
  const [versionLength, afterLength] = uvarint(window, 32);
  if (versionLength < 0) return [];
  const goVersion = window.subarray(afterLength, afterLength + versionLength).toString('utf8');
  const [modLength, afterMod] = uvarint(window, afterLength + versionLength);
  const modinfo = modLength > 0 ? window.subarray(afterMod, afterMod + modLength).toString('latin1') : '';
  return goPackages(goVersion, modinfo, path);
}

/** An ELF binary's loaded segments: where each range of virtual addresses is in the file. */
function elfSegments(
  elf: Buffer,
): { bigEndian: boolean; segments: Array<{ vaddr: number; offset: number; size: number }> } | undefined {
  if (elf.length < 52 || elf.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const is64 = elf[4] === 2;
  const bigEndian = elf[5] === 2;
  const u16 = (at: number) => (bigEndian ? elf.readUInt16BE(at) : elf.readUInt16LE(at));
  const u32 = (at: number) => (bigEndian ? elf.readUInt32BE(at) : elf.readUInt32LE(at));
  const u64 = (at: number) => Number(bigEndian ? elf.readBigUInt64BE(at) : elf.readBigUInt64LE(at));
  const phoff = is64 ? u64(32) : u32(28);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  const segments: Array<{ vaddr: number; offset: number; size: number }> = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + (is64 ? 56 : 32) > elf.length) break;
    if (u32(at) !== 1) continue; // PT_LOAD
    segments.push(
      is64
        ? { offset: u64(at + 8), vaddr: u64(at + 16), size: u64(at + 32) }
        : { offset: u32(at + 4), vaddr: u32(at + 8), size: u32(at + 16) },
    );
  }
  return { bigEndian, segments };
}

/**
 * The build info of a Go binary from before Go 1.18 (the whole ELF binary at hand): after the
 * header's magic, its pointer size and byte order, then two pointer-sized addresses of Go string
 * headers (runtime.buildVersion and runtime.modinfo), each a data address and a length, mapped to
 * file offsets through the binary's loaded segments.
 */
export function parseOldGoBuildInfo(binary: Buffer, path: string): FoundPackage[] {
  const at = binary.indexOf(GO_MAGIC);
  const elf = elfSegments(binary);
  if (at < 0 || at + 32 > binary.length || !elf) return [];
  const ptrSize = binary[at + 14]!;
  if (ptrSize !== 4 && ptrSize !== 8) return [];
  const bigEndian = (binary[at + 15]! & 0x1) === 1;
  const pointer = (offset: number): number | undefined => {
    if (offset < 0 || offset + ptrSize > binary.length) return undefined;
    if (ptrSize === 4) return bigEndian ? binary.readUInt32BE(offset) : binary.readUInt32LE(offset);
    return Number(bigEndian ? binary.readBigUInt64BE(offset) : binary.readBigUInt64LE(offset));
  };
  const fileOffset = (address: number): number | undefined => {
    const segment = elf.segments.find((s) => address >= s.vaddr && address < s.vaddr + s.size);
    return segment && segment.offset + (address - segment.vaddr);
  };
  /** The Go string whose header is at `address`. */
  const goString = (address: number | undefined): string | undefined => {
    const header = address === undefined ? undefined : fileOffset(address);
    if (header === undefined) return undefined;
    const data = pointer(header);
    const length = pointer(header + ptrSize);
    const start = data === undefined ? undefined : fileOffset(data);
    if (start === undefined || length === undefined || length > 1 << 20 || start + length > binary.length)
      return undefined;
    return binary.subarray(start, start + length).toString('latin1');
  };
  const goVersion = goString(pointer(at + 16)) ?? '';
  const modinfo = goString(pointer(at + 16 + ptrSize)) ?? '';
  return goPackages(goVersion, modinfo, path);
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
