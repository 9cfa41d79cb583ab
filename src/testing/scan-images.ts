// Test images with real package databases for the scanner: layers built here as tar (gzip or
// zstd), holding a Debian bookworm dpkg status (and a distroless status.d file), an Alpine 3.19
// apk database, a Node app's lockfile and node_modules, a Python dist-info, a jar with Maven's
// pom.properties, a Go binary's build info, an rpm sqlite database; and the pushes of them.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { pushBlob, pushManifest } from './registry-client.js';

export interface TarFile {
  path: string;
  content?: Buffer | string;
  mode?: number;
  type?: 'file' | 'dir';
}

function header(path: string, size: number, mode: number, type: string): Buffer {
  const block = Buffer.alloc(512);
  block.write(path, 0, 100, 'utf8');
  block.write(`${mode.toString(8).padStart(7, '0')}\0`, 100, 'ascii');
  block.write('0000000\0', 108, 'ascii');
  block.write('0000000\0', 116, 'ascii');
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  block.write(
    `${Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, '0')}\0`,
    136,
    'ascii',
  );
  block.write('        ', 148, 'ascii');
  block.write(type, 156, 'ascii');
  block.write('ustar\u000000', 257, 'ascii');
  let sum = 0;
  for (const b of block) sum += b;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

/** An uncompressed tar of the files (directories as given, regular files otherwise). */
export function tarOf(files: TarFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    if (f.type === 'dir') {
      parts.push(header(f.path, 0, f.mode ?? 0o755, '5'));
      continue;
    }
    const body = Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content ?? '');
    parts.push(
      header(f.path, body.length, f.mode ?? 0o644, '0'),
      body,
      Buffer.alloc((512 - (body.length % 512)) % 512),
    );
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export type Compression = 'gzip' | 'zstd' | 'none';

export const hasZstd = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';

export function compress(tar: Buffer, compression: Compression): Buffer {
  if (compression === 'gzip') return zlib.gzipSync(tar);
  if (compression === 'zstd') return (zlib as unknown as { zstdCompressSync(b: Buffer): Buffer }).zstdCompressSync(tar);
  return tar;
}

const LAYER_TYPES: Record<Compression, string> = {
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  none: 'application/vnd.oci.image.layer.v1.tar',
};

/** A zip of stored (uncompressed) entries, as a jar. */
export function zipOf(entries: Array<{ name: string; content: Buffer | string }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const data = Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content);
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(10, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(10, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += 30 + name.length + data.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

/** An ELF-looking binary with Go 1.18+ build info (version and module info inline, as the linker writes them). */
export function goBinary(goVersion: string, modules: Array<[string, string]>): Buffer {
  const uvarint = (n: number) => {
    const out: number[] = [];
    while (n >= 0x80) {
      out.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    out.push(n);
    return Buffer.from(out);
  };
  const sentinel = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
  const lines = [`path\texample.com/app`, `mod\texample.com/app\t(devel)\t`];
  for (const [path, version] of modules) lines.push(`dep\t${path}\t${version}\th1:xyz=`);
  const modinfo = Buffer.concat([sentinel, Buffer.from(`${lines.join('\n')}\n`), sentinel]);
  const head = Buffer.alloc(32);
  Buffer.from('\xff Go buildinf:', 'latin1').copy(head, 0);
  head[14] = 8;
  head[15] = 2;
  const version = Buffer.from(goVersion);
  const elf = Buffer.alloc(4096);
  elf.writeUInt32BE(0x7f454c46, 0);
  return Buffer.concat([
    elf,
    head,
    uvarint(version.length),
    version,
    uvarint(modinfo.length),
    modinfo,
    Buffer.alloc(8192),
  ]);
}

/**
 * An ELF binary with Go build info of the format before Go 1.18, made from bytes: a 64-bit
 * little-endian ELF header, one PT_LOAD segment mapping the file at 0x400000, then (after some
 * padding standing for the code) the string bytes (as .rodata holds them), the "\xff Go buildinf:"
 * header (pointer size 8, flags 0) with the addresses of two Go string headers
 * (runtime.buildVersion, runtime.modinfo), and those headers (data address, length).
 */
export function oldGoBinary(goVersion: string, modules: Array<[string, string]>): Buffer {
  const BASE = 0x400000;
  const sentinel = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
  const lines = [`path\texample.com/legacy`, `mod\texample.com/legacy\t(devel)\t`];
  for (const [path, version] of modules) lines.push(`dep\t${path}\t${version}\th1:xyz=`);
  const modinfo = Buffer.concat([sentinel, Buffer.from(`${lines.join('\n')}\n`), sentinel]);
  const version = Buffer.from(goVersion);
  const rodata = 4096;
  const buildinfo = rodata + version.length + modinfo.length + 64;
  const headers = buildinfo + 32;
  const size = headers + 32 + 4096;
  const elf = Buffer.alloc(size);
  elf.writeUInt32BE(0x7f454c46, 0);
  elf[4] = 2; // 64-bit
  elf[5] = 1; // little-endian
  elf[6] = 1;
  elf.writeUInt16LE(2, 16); // ET_EXEC
  elf.writeUInt16LE(62, 18); // x86-64
  elf.writeBigUInt64LE(64n, 32); // e_phoff
  elf.writeUInt16LE(56, 54); // e_phentsize
  elf.writeUInt16LE(1, 56); // e_phnum
  elf.writeUInt32LE(1, 64); // PT_LOAD
  elf.writeBigUInt64LE(0n, 64 + 8); // p_offset
  elf.writeBigUInt64LE(BigInt(BASE), 64 + 16); // p_vaddr
  elf.writeBigUInt64LE(BigInt(size), 64 + 32); // p_filesz
  elf.writeBigUInt64LE(BigInt(size), 64 + 40); // p_memsz
  version.copy(elf, rodata);
  modinfo.copy(elf, rodata + version.length);
  Buffer.from('\xff Go buildinf:', 'latin1').copy(elf, buildinfo);
  elf[buildinfo + 14] = 8;
  elf[buildinfo + 15] = 0;
  elf.writeBigUInt64LE(BigInt(BASE + headers), buildinfo + 16);
  elf.writeBigUInt64LE(BigInt(BASE + headers + 16), buildinfo + 24);
  elf.writeBigUInt64LE(BigInt(BASE + rodata), headers);
  elf.writeBigUInt64LE(BigInt(version.length), headers + 8);
  elf.writeBigUInt64LE(BigInt(BASE + rodata + version.length), headers + 16);
  elf.writeBigUInt64LE(BigInt(modinfo.length), headers + 24);
  return elf;
}

/** An rpm sqlite database (var/lib/rpm/rpmdb.sqlite) with one header per package. */
export function rpmSqlite(
  packages: Array<{ name: string; version: string; release: string; arch: string; epoch?: number; source?: string }>,
): Buffer {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
  for (const p of packages) {
    const tags: Array<[number, string]> = [
      [1000, p.name],
      [1001, p.version],
      [1002, p.release],
      [1022, p.arch],
      [1044, `${p.source ?? p.name}-${p.version}-${p.release}.src.rpm`],
    ];
    const data: Buffer[] = [];
    const entries: Array<[number, string | number]> = [
      ...tags,
      ...(p.epoch !== undefined ? [[1003, p.epoch] as [number, number]] : []),
    ];
    const index = Buffer.alloc(entries.length * 16);
    let at = 0;
    entries.forEach(([tag, value], i) => {
      // A string (type 6), or the epoch as an INT32 (type 4) aligned to 4 bytes.
      if (typeof value === 'number' && at % 4 !== 0) {
        data.push(Buffer.alloc(4 - (at % 4)));
        at += 4 - (at % 4);
      }
      index.writeUInt32BE(tag, i * 16);
      index.writeUInt32BE(typeof value === 'number' ? 4 : 6, i * 16 + 4);
      index.writeUInt32BE(at, i * 16 + 8);
      index.writeUInt32BE(1, i * 16 + 12);
      const bytes = typeof value === 'number' ? Buffer.alloc(4) : Buffer.from(`${value}\0`);
      if (typeof value === 'number') bytes.writeUInt32BE(value, 0);
      data.push(bytes);
      at += bytes.length;
    });
    const head = Buffer.alloc(8);
    head.writeUInt32BE(entries.length, 0);
    head.writeUInt32BE(at, 4);
    insert.run(Buffer.concat([head, index, ...data]));
  }
  const bytes = db.serialize();
  db.close();
  return bytes;
}

export const DEBIAN_OS_RELEASE = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
`;

/** A bookworm dpkg status naming real packages at versions bookworm shipped. */
export const DPKG_STATUS = `Package: libssl3
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 6160
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Multi-Arch: same
Source: openssl
Version: 3.0.11-1~deb12u2
Depends: libc6 (>= 2.34)
Description: Secure Sockets Layer toolkit - shared libraries
 This package is part of the OpenSSL project's implementation of the SSL and
 TLS cryptographic protocols for secure communication over the Internet.

Package: zlib1g
Status: install ok installed
Priority: required
Section: libs
Architecture: amd64
Multi-Arch: same
Source: zlib
Version: 1:1.2.13.dfsg-1
Description: compression library - runtime

Package: libtinfo6
Status: install ok installed
Architecture: amd64
Source: ncurses
Version: 6.4-4
Description: shared low-level terminfo library for terminal handling

Package: bash
Status: install ok installed
Architecture: amd64
Version: 5.2.15-2+b2
Description: GNU Bourne Again SHell

Package: removed-thing
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1
Description: removed, only its configuration left
`;

export const ALPINE_OS_RELEASE = `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.19.0
PRETTY_NAME="Alpine Linux v3.19"
`;

/** An Alpine 3.19 apk database naming real packages at versions 3.19 shipped. */
export const APK_INSTALLED = `C:Q1kN7t3kj1dC0rJ9pY6YyXQh2YdLU=
P:libcrypto3
V:3.1.4-r2
A:x86_64
S:1745033
I:4575232
T:Crypto library from openssl
U:https://www.openssl.org/
L:Apache-2.0
o:openssl
m:Ariadne Conill <ariadne@dereferenced.org>
t:1701703626

C:Q1s0ak1bLQ6Dz0hC8Ju0Zb7NH1zSQ=
P:busybox
V:1.36.1-r15
A:x86_64
o:busybox
T:Size optimized toolbox of many common UNIX utilities
`;

export const PACKAGE_LOCK = JSON.stringify({
  name: 'shop',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: 'shop', version: '1.0.0', dependencies: { lodash: '^4.17.20', minimist: '1.2.5' } },
    'node_modules/lodash': { version: '4.17.20', resolved: 'https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz' },
    'node_modules/minimist': { version: '1.2.5', resolved: 'https://registry.npmjs.org/minimist/-/minimist-1.2.5.tgz' },
    'node_modules/@types/node': { version: '20.11.5', dev: true },
  },
});

export function debianLayers(): TarFile[][] {
  return [
    [
      { path: 'etc/', type: 'dir' },
      { path: 'etc/os-release', content: DEBIAN_OS_RELEASE },
      { path: 'var/lib/dpkg/status', content: DPKG_STATUS },
      { path: 'bin/bash', content: Buffer.alloc(2048, 1), mode: 0o755 },
    ],
  ];
}

export function alpineLayers(): TarFile[][] {
  return [
    [
      { path: 'etc/os-release', content: ALPINE_OS_RELEASE },
      { path: 'lib/apk/db/installed', content: APK_INSTALLED },
    ],
  ];
}

/** A Node app on the Debian base: the lockfile, and lodash installed (a second layer). */
export function nodeAppLayers(): TarFile[][] {
  return [
    ...debianLayers(),
    [
      { path: 'app/package.json', content: JSON.stringify({ name: 'shop', version: '1.0.0' }) },
      { path: 'app/package-lock.json', content: PACKAGE_LOCK },
      { path: 'app/node_modules/lodash/package.json', content: JSON.stringify({ name: 'lodash', version: '4.17.20' }) },
    ],
  ];
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Pushes an image of these layers (each a tar, compressed so) over /v2; returns its manifest's digest. */
export async function pushLayeredImage(
  app: FastifyInstance,
  name: string,
  tag: string,
  layers: TarFile[][],
  compression: Compression = 'gzip',
): Promise<{ digest: string; size: number; mediaType: string }> {
  const tars = layers.map(tarOf);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: tars.map(sha256) },
      config: {},
    }),
  );
  const configDescriptor = await pushBlob(app, name, config, 'application/vnd.oci.image.config.v1+json');
  const layerDescriptors = [];
  for (const tar of tars)
    layerDescriptors.push(await pushBlob(app, name, compress(tar, compression), LAYER_TYPES[compression]));
  const mediaType = 'application/vnd.oci.image.manifest.v1+json';
  const pushed = await pushManifest(
    app,
    name,
    tag,
    { schemaVersion: 2, mediaType, config: configDescriptor, layers: layerDescriptors },
    mediaType,
  );
  assert.ok(pushed.digest.startsWith('sha256:'));
  return { digest: pushed.digest, size: pushed.size, mediaType };
}
