// The file-system storage driver: paths map below one root directory, and files in the ARCHIVE
// storage class below a second one (the archive root, which can be a slower disk). A path is read
// from the root first, then from the archive root; deletes remove it from both.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { FsWriter } from './fs-writer.js';
import {
  checkPath,
  InvalidOffsetError,
  PathNotFoundError,
  type FileInfo,
  type FileWriter,
  type RandomAccessFile,
  type StorageClass,
  type StorageDriver,
} from './driver.js';

const STREAM_CHUNK = 1 << 20;
/** Unlinks at once in deleteFiles: enough to keep libuv's threads busy, few enough not to starve other I/O. */
const UNLINK_CONCURRENCY = 8;
// Temporary files of putContent carry a "~", which no valid path segment has (driver.ts), so
// list can hide them without hiding a real file such as "notes.tmp".
const TEMP_MARK = '~';

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT' || (err as NodeJS.ErrnoException)?.code === 'ENOTDIR';
}

export class FsDriver implements StorageDriver {
  readonly name = 'filesystem';

  /**
   * `archiveRoot`: where files in the ARCHIVE class live; without it, the driver has no archive.
   * `encryptedVolume`: the operator declares the root to be on an encrypted volume (dm-crypt/LUKS),
   * so the store encrypts at rest what this driver writes (volume-check.ts checks what it can).
   */
  constructor(
    private readonly root: string,
    options: { archiveRoot?: string; encryptedVolume?: boolean } = {},
  ) {
    this.archiveRoot = options.archiveRoot;
    this.encryptsAtRest = options.encryptedVolume === true;
  }

  private readonly archiveRoot: string | undefined;
  readonly encryptsAtRest: boolean;

  private full(path: string): string {
    return join(this.root, checkPath(path));
  }

  private archived(path: string): string | undefined {
    return this.archiveRoot === undefined ? undefined : join(this.archiveRoot, checkPath(path));
  }

  /** `op` on the file in the root, else on the file in the archive root (with the class it found it in). */
  private async either<T>(path: string, op: (full: string, storageClass: StorageClass) => Promise<T>): Promise<T> {
    try {
      return await op(this.full(path), 'STANDARD');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const archived = this.archived(path);
    if (archived === undefined) throw new PathNotFoundError(path);
    return this.notFound(path, () => op(archived, 'ARCHIVE'));
  }

  private async notFound<T>(path: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (isNotFound(err)) throw new PathNotFoundError(path);
      throw err;
    }
  }

  getContent(path: string): Promise<Buffer> {
    return this.either(path, (full) => readFile(full));
  }

  async putContent(path: string, content: Uint8Array, options: { durable?: boolean } = {}): Promise<void> {
    const target = this.full(path);
    await intoDirectory(target, async () => {
      const temp = `${target}${TEMP_MARK}${randomUUID()}`;
      try {
        // The rename is atomic either way; the fsync before it is what makes the file durable.
        await writeFile(temp, content, { flush: options.durable !== false });
        await rename(temp, target);
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
    });
  }

  async reader(path: string, offset = 0, length?: number): Promise<Readable> {
    const handle = await this.either(path, (full) => open(full, 'r'));
    try {
      const { size } = await handle.stat();
      if (!Number.isInteger(offset) || offset < 0 || offset > size) throw new InvalidOffsetError(path, offset);
      const end = length === undefined ? size : Math.min(size, offset + length);
      // A read stream cannot be empty (it needs start <= end), so an empty range is an empty stream.
      if (end <= offset) {
        await handle.close();
        return Readable.from([]);
      }
      return handle.createReadStream({ start: offset, end: end - 1, highWaterMark: STREAM_CHUNK });
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async openRandomAccess(path: string): Promise<RandomAccessFile> {
    const handle = await this.either(path, (full) => open(full, 'r'));
    try {
      const { size } = await handle.stat();
      return {
        size,
        read: async (buffer, position) => (await handle.read(buffer, 0, buffer.length, position)).bytesRead,
        close: () => handle.close(),
      };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async writer(path: string, append: boolean): Promise<FileWriter> {
    const target = this.full(path);
    await mkdir(dirname(target), { recursive: true });
    let size = 0;
    if (append)
      size = await stat(target).then(
        (s) => s.size,
        (err) => (isNotFound(err) ? 0 : Promise.reject(err)),
      );
    // One write stream for the writer's life: writes proceed while the next chunks are read,
    // and `write` waits for 'drain', so memory is bounded by the stream's high-water mark.
    const stream = createWriteStream(target, { flags: append ? 'a' : 'w', highWaterMark: 4 * STREAM_CHUNK });
    await once(stream, 'open');
    const writer = new FsWriter(target, stream, size);
    // What earlier writers left (a chunked upload's previous chunks) is flushed while this one's
    // bytes arrive, so that no flush is still running when it ends: on ext4 a running flush makes
    // small files written then (an upload's tail) wait for it, 6-10 ms of a 16 MiB chunk's ~60.
    if (size > 0) writer.flushEarly();
    return writer;
  }

  stat(path: string): Promise<FileInfo> {
    return this.either(path, async (full, storageClass) => {
      const s = await stat(full);
      if (s.isDirectory()) return { path, size: 0, modTime: s.mtime, isDir: true };
      return { path, size: s.size, modTime: s.mtime, isDir: false, storageClass };
    });
  }

  /** The children in both roots (a directory may have files in each). */
  async list(path: string): Promise<string[]> {
    const names = new Set<string>();
    let found = false;
    for (const dir of [this.full(path), this.archived(path)]) {
      if (dir === undefined) continue;
      try {
        for (const entry of await readdir(dir)) if (!entry.includes(TEMP_MARK)) names.add(entry);
        found = true;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (!found) throw new PathNotFoundError(path);
    return [...names].sort().map((e) => `${path}/${e}`);
  }

  async move(source: string, destination: string): Promise<void> {
    const target = this.full(destination);
    // The source first: a failed move must not leave the destination's parents behind.
    const from = await this.either(source, async (full) => {
      await stat(full);
      return full;
    });
    await intoDirectory(target, () => this.notFound(source, () => relocate(from, target)));
    // An archived copy of the destination is replaced too.
    const archived = this.archived(destination);
    if (archived !== undefined && archived !== from) await rm(archived, { force: true });
  }

  async setStorageClass(path: string, storageClass: StorageClass): Promise<void> {
    const archived = this.archived(path);
    if (archived === undefined) {
      if (storageClass === 'ARCHIVE') throw new Error('this file-system storage has no archive root');
      await this.stat(path);
      return;
    }
    const [from, to] = storageClass === 'ARCHIVE' ? [this.full(path), archived] : [archived, this.full(path)];
    const info = await this.stat(path);
    if (info.isDir) throw new Error(`${path} is a directory: only files have a storage class`);
    if (info.storageClass === storageClass) return;
    await mkdir(dirname(to), { recursive: true });
    await this.notFound(path, () => relocate(from, to));
  }

  async delete(path: string): Promise<void> {
    let found = false;
    for (const target of [this.full(path), this.archived(path)]) {
      if (target === undefined) continue;
      const exists = await stat(target).then(
        () => true,
        (err) => (isNotFound(err) ? false : Promise.reject(err)),
      );
      if (!exists) continue;
      found = true;
      await rm(target, { recursive: true, force: true });
    }
    if (!found) throw new PathNotFoundError(path);
  }

  async deleteFiles(paths: readonly string[]): Promise<void> {
    const targets = paths.flatMap((path) => [this.full(path), this.archived(path)]).filter((t) => t !== undefined);
    let next = 0;
    const worker = async () => {
      while (next < targets.length) {
        await unlink(targets[next++]!).catch((err: NodeJS.ErrnoException) => {
          if (!isNotFound(err)) throw err;
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(UNLINK_CONCURRENCY, targets.length) }, worker));
  }

  async deleteEmptyDirectory(path: string): Promise<void> {
    for (const target of [this.full(path), this.archived(path)]) {
      if (target === undefined) continue;
      await rmdir(target).catch((err: NodeJS.ErrnoException) => {
        if (!isNotFound(err) && err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      });
    }
  }

  async walk(path: string, visit: (info: FileInfo) => void | Promise<void>): Promise<void> {
    for (const child of await this.list(path)) {
      const info = await this.stat(child).catch((err) =>
        err instanceof PathNotFoundError ? undefined : Promise.reject(err),
      );
      if (!info) continue; // removed while walking
      await visit(info);
      if (info.isDir) await this.walk(child, visit);
    }
  }
}

/**
 * Renames `from` to `to`; across file systems (an archive root on another disk), a durable copy
 * renamed into place, then the source removed: the file is readable at one of them throughout.
 */
/**
 * Makes the directory of `target` and runs `work`, which writes into it; again (up to three
 * times) when the directory went meanwhile, emptied and deleted by deleteEmptyDirectory beside
 * this write (garbage collection tidying a blob's directory as the same blob is stored again).
 */
async function intoDirectory<T>(target: string, work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      await mkdir(dirname(target), { recursive: true });
      return await work();
    } catch (err) {
      const gone = isNotFound(err) || err instanceof PathNotFoundError;
      if (!gone || attempt === 3 || (await exists(dirname(target)))) throw err;
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (err) => (isNotFound(err) ? false : Promise.reject(err)),
  );
}

async function relocate(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
  }
  const temp = `${to}${TEMP_MARK}${randomUUID()}`;
  try {
    await copyFile(from, temp);
    const handle = await open(temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, to);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await rm(from, { force: true });
}
