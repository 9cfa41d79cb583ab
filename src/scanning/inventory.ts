// Walks an image's layers in order, as streams (gzip, zstd or plain tar, told apart by their
// first bytes), never unpacked: the files a detector knows are read (small ones, to a bound),
// the rest pass by. Whiteouts (.wh.<name>, and .wh..wh..opq for a whole directory) remove what
// lower layers had; a file a higher layer writes again replaces what was found at its path.
import type { Duplex } from 'node:stream';
import * as zlib from 'node:zlib';
import {
  GO_MAGIC,
  parseGoBuildInfo,
  parseOldGoBuildInfo,
  parseJar,
  parseNodeModulePackage,
  parsePackageLock,
  parsePythonMetadata,
} from './detect-apps.js';
import { parseApkInstalled, parseDpkgStatus, parseOsRelease, parseRpmSqlite } from './detect-os.js';
import type { FoundPackage, Inventory, OsRelease } from './packages.js';
import { type LayerEntry, LayerFormatError, tarEntries } from './tar-entries.js';

export interface LayerSource {
  digest: string;
  /**
   * The layer's bytes as stored (compressed or not). A piece may be a view of a buffer the
   * source reuses: it is read before the next but one is asked for, and copied if kept.
   */
  open(): AsyncIterable<Uint8Array>;
}

export interface InventoryOptions {
  /** The largest package database or manifest file read (bytes). */
  maxFileBytes: number;
  /** The largest jar read into memory to look inside (bytes); larger ones are skipped and said so. */
  maxJarBytes: number;
  /** The largest executable searched for Go build info (bytes). */
  maxBinaryBytes: number;
}

export const DEFAULT_INVENTORY_OPTIONS: InventoryOptions = {
  maxFileBytes: 32 * 1024 * 1024,
  maxJarBytes: 64 * 1024 * 1024,
  maxBinaryBytes: 512 * 1024 * 1024,
};

interface Found {
  packages: FoundPackage[];
  os?: OsRelease;
}

type Reader = (bytes: Buffer, path: string) => Found;

/** The detectors by path: which files are read whole (to the bound) and how. */
function readerFor(path: string): Reader | undefined {
  if (path === 'var/lib/dpkg/status' || /^var\/lib\/dpkg\/status\.d\/[^/]+$/.test(path))
    return (b, p) => ({ packages: parseDpkgStatus(b.toString('utf8'), p) });
  if (path === 'lib/apk/db/installed') return (b, p) => ({ packages: parseApkInstalled(b.toString('utf8'), p) });
  if (path === 'var/lib/rpm/rpmdb.sqlite' || path === 'usr/lib/sysimage/rpm/rpmdb.sqlite')
    return (b, p) => ({ packages: parseRpmSqlite(b, p) });
  if (path === 'etc/os-release' || path === 'usr/lib/os-release') {
    return (b) => {
      const os = parseOsRelease(b.toString('utf8'));
      return { packages: [], ...(os && { os }) };
    };
  }
  if (/(^|\/)package-lock\.json$/.test(path) && !path.includes('node_modules/'))
    return (b, p) => ({ packages: parsePackageLock(b, p) });
  if (/(^|\/)node_modules\/(@[^/]+\/)?[^/@][^/]*\/package\.json$/.test(path))
    return (b, p) => ({ packages: parseNodeModulePackage(b, p) });
  if (/(^|\/)[^/]+\.dist-info\/METADATA$/.test(path)) return (b, p) => ({ packages: parsePythonMetadata(b, p) });
  return undefined;
}

const isJar = (path: string): boolean => /\.(jar|war|ear)$/.test(path);

async function readUpTo(body: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const piece of body) {
    total += piece.length;
    if (total > limit) break;
    chunks.push(Buffer.from(piece));
  }
  return Buffer.concat(chunks);
}

/**
 * A Go build info header in an ELF binary, found in passing: the bytes from the header on (64
 * KiB), or undefined; and, for a binary of at most `wholeMax` bytes whose header is of the format
 * before Go 1.18 (addresses into the binary, not inline strings), the whole binary.
 */
async function goBuildInfoWindow(
  body: AsyncIterable<Buffer>,
  wholeMax: number,
): Promise<{ window: Buffer; whole?: Buffer } | undefined> {
  const WINDOW = 64 * 1024;
  let first = true;
  let tail = Buffer.alloc(0);
  let capture: Buffer[] | undefined;
  let captured = 0;
  // Every piece, while the binary may be an old-format one within the bound.
  let whole: Buffer[] | undefined = [];
  let wholeBytes = 0;
  let oldFormat: boolean | undefined;
  for await (const piece of body) {
    if (first) {
      first = false;
      if (piece.length < 4 || piece.readUInt32BE(0) !== 0x7f454c46) return undefined;
    }
    if (whole) {
      whole.push(Buffer.from(piece));
      wholeBytes += piece.length;
      if (wholeBytes > wholeMax) whole = undefined;
    }
    if (capture) {
      if (captured < WINDOW) {
        capture.push(Buffer.from(piece));
        captured += piece.length;
      }
      if (oldFormat === undefined && captured >= 16) {
        oldFormat = !(Buffer.concat(capture)[15]! & 0x2);
        if (!oldFormat) whole = undefined;
      }
      if (captured >= WINDOW && !whole) break;
      continue;
    }
    const window = Buffer.concat([tail, piece]);
    const at = window.indexOf(GO_MAGIC);
    if (at >= 0) {
      capture = [Buffer.from(window.subarray(at))];
      captured = window.length - at;
      if (captured >= 16) {
        oldFormat = !(window[at + 15]! & 0x2);
        if (!oldFormat) whole = undefined;
      }
      if (captured >= WINDOW && !whole) break;
    } else tail = Buffer.from(window.subarray(Math.max(0, window.length - GO_MAGIC.length + 1)));
  }
  if (!capture) return undefined;
  const window = Buffer.concat(capture).subarray(0, WINDOW);
  return oldFormat && whole ? { window, whole: Buffer.concat(whole) } : { window };
}

/** The layer's tar stream, decompressed as its first bytes say (gzip, zstd, or none). */
export async function* decompressed(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  const head = await iterator.next();
  if (head.done) return;
  const first = Buffer.from(head.value);
  const rest = (async function* () {
    try {
      yield first;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      // A walk that stops early (a layer that fails) closes the source (its file) now.
      await iterator.return?.();
    }
  })();
  let transform: NodeJS.ReadWriteStream | undefined;
  if (first[0] === 0x1f && first[1] === 0x8b) transform = zlib.createGunzip();
  else if (first.length >= 4 && first.readUInt32LE(0) === 0xfd2fb528) {
    const zstd = (zlib as { createZstdDecompress?: () => NodeJS.ReadWriteStream }).createZstdDecompress;
    if (!zstd) throw new LayerFormatError('a zstd layer, and this Node has no zstd decompression');
    transform = zstd();
  }
  if (!transform) {
    yield* rest;
    return;
  }
  yield* through(transform as unknown as Duplex, rest);
}

/**
 * `source` through a decompressor, each piece of it written once the one before was taken in
 * whole (not read ahead, as a pipe would): so a source may hand out its pieces in buffers it
 * reuses (LayerSource.open), and only the decompressor's own output is allocated as it goes.
 */
async function* through(transform: Duplex, source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const closed = new Promise<void>((resolve) => transform.once('close', resolve));
  const feeding = (async () => {
    try {
      for await (const piece of source) {
        await Promise.race([new Promise<void>((resolve) => transform.write(piece, () => resolve())), closed]);
        if (transform.destroyed) return;
      }
      transform.end();
    } catch (err) {
      transform.destroy(err as Error);
    }
  })();
  try {
    for await (const piece of transform) yield piece as Uint8Array;
  } finally {
    transform.destroy();
    await feeding;
  }
}

export class InventoryBuilder {
  /** What was found, by the path it was read from (kept across layers until removed). */
  private readonly found = new Map<string, Found>();
  private readonly skipped: string[] = [];

  constructor(private readonly options: InventoryOptions = DEFAULT_INVENTORY_OPTIONS) {}

  async addLayer(layer: LayerSource): Promise<void> {
    const added = new Map<string, Found>();
    const removed: string[] = [];
    const opaque: string[] = [];
    for await (const entry of tarEntries(decompressed(layer.open()))) {
      const slash = entry.path.lastIndexOf('/');
      const dir = slash >= 0 ? entry.path.slice(0, slash) : '';
      const base = entry.path.slice(slash + 1);
      if (base === '.wh..wh..opq') {
        opaque.push(dir);
        continue;
      }
      if (base.startsWith('.wh.')) {
        removed.push(dir ? `${dir}/${base.slice(4)}` : base.slice(4));
        continue;
      }
      // Whatever a lower layer had at this path is replaced (by this entry, found or not).
      removed.push(entry.path);
      added.delete(entry.path);
      if (entry.type !== 'file') continue;
      const found = await this.read(entry);
      if (found) added.set(entry.path, found);
    }
    for (const path of removed)
      for (const key of this.found.keys()) if (key === path || key.startsWith(`${path}/`)) this.found.delete(key);
    for (const dir of opaque)
      for (const key of this.found.keys()) if (dir === '' || key.startsWith(`${dir}/`)) this.found.delete(key);
    for (const [path, found] of added) this.found.set(path, found);
  }

  private async read(entry: LayerEntry): Promise<Found | undefined> {
    const { path, size } = entry;
    const reader = readerFor(path);
    if (reader) {
      if (size > this.options.maxFileBytes) {
        this.skipped.push(`${path}: ${size} bytes, more than the ${this.options.maxFileBytes} read`);
        return undefined;
      }
      return reader(await readUpTo(entry.body, size), path);
    }
    if (isJar(path)) {
      if (size > this.options.maxJarBytes) {
        this.skipped.push(`${path}: a jar of ${size} bytes, more than the ${this.options.maxJarBytes} read`);
        return undefined;
      }
      return { packages: parseJar(await readUpTo(entry.body, size), path) };
    }
    if (entry.mode & 0o111 && size >= 64 && size <= this.options.maxBinaryBytes) {
      const found = await goBuildInfoWindow(entry.body, this.options.maxFileBytes);
      if (!found) return undefined;
      let modules = parseGoBuildInfo(found.window, path);
      if (modules === 'old-format') {
        if (!found.whole) {
          this.skipped.push(
            `${path}: Go build info from before Go 1.18 in a binary larger than ${this.options.maxFileBytes} bytes, not read`,
          );
          return undefined;
        }
        modules = parseOldGoBuildInfo(found.whole, path);
      }
      return modules.length > 0 ? { packages: modules } : undefined;
    }
    return undefined;
  }

  result(): Inventory {
    let os: OsRelease | undefined;
    const packages: FoundPackage[] = [];
    const seen = new Set<string>();
    for (const [path, found] of [...this.found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (found.os && (!os || path === 'etc/os-release')) os = found.os;
      for (const p of found.packages) {
        const key = `${p.type}/${p.namespace ?? ''}/${p.name}@${p.version}@${p.path}`;
        if (seen.has(key)) continue;
        seen.add(key);
        packages.push(p);
      }
    }
    return { ...(os && { os }), packages, skipped: [...this.skipped] };
  }
}
