// The storage driver port: a small set of operations on bytes at paths. Digests, links and
// layout live above it (blob-store.ts), so a driver (fs, s3, ...) knows nothing of registries.
import type { Readable } from 'node:stream';

/**
 * Where a file's bytes are kept: the standard store, or the archive (a slower, cheaper place: a
 * separate root on a file system, an archival storage class on an object store). Reads, moves and
 * deletes work whichever class a file is in.
 */
export type StorageClass = 'STANDARD' | 'ARCHIVE';

export interface FileInfo {
  readonly path: string;
  readonly size: number;
  readonly modTime: Date;
  readonly isDir: boolean;
  /** A file's storage class (files only; drivers that do not say are STANDARD). */
  readonly storageClass?: StorageClass;
}

/** A writer that can append to what an earlier writer left, then commit or cancel. */
export interface FileWriter {
  /** Bytes in the file: what was there when it was opened plus what has been written since. */
  readonly size: number;
  /**
   * Streams `source` into the file with backpressure; resolves with the bytes written. A writer
   * may hold on to a chunk after taking the next one (while the disk catches up): `release`, when
   * given, is called with each chunk it is done with, so the caller may reuse that memory. A chunk
   * never released is simply left to the collector.
   */
  write(source: AsyncIterable<Uint8Array>, release?: (chunk: Uint8Array) => void): Promise<number>;
  /** Makes everything written durable; the writer is closed afterwards. */
  commit(): Promise<void>;
  /** Releases the writer; what was written stays and can be appended to later. */
  close(): Promise<void>;
  /** Removes the file and everything written to it. */
  cancel(): Promise<void>;
}

/** A file opened for reads at any position (a local file system has this cheaply; object stores do not). */
export interface RandomAccessFile {
  readonly size: number;
  /** Reads up to `buffer.length` bytes at `position`; resolves with the count (0 at the end). */
  read(buffer: Buffer, position: number): Promise<number>;
  /**
   * Optional, for a file that holds what it reads in memory of its own (a decrypting file's
   * plaintext): up to `max` bytes at `position` in that memory, lent until `done` is called, so
   * that a caller who only sends them on need not copy them first. Empty only at the end.
   */
  lend?(position: number, max: number): Promise<LentBytes>;
  /**
   * Optional: the reader pauses (its client stopped taking bytes). The file gives back the memory
   * it holds for reads to come (read-ahead, kept buffers); a later read takes it again.
   */
  idle?(): Promise<void>;
  close(): Promise<void>;
}

/** Bytes lent out of a file's memory: the file does not reuse it until `done` (call it once; a close does not wait for it). */
export interface LentBytes {
  bytes: Uint8Array;
  done(): void;
}

export interface StorageDriver {
  readonly name: string;
  /** Reads a whole (small) file. */
  getContent(path: string): Promise<Buffer>;
  /**
   * Writes a whole (small) file atomically: readers see the old or the new content, never a part.
   * The file is durable when this resolves, unless `durable` is false: then it survives the
   * process dying at any point, but a power cut may leave the old content (or none); for files
   * whose reader can do without them.
   */
  putContent(path: string, content: Uint8Array, options?: { durable?: boolean }): Promise<void>;
  /** Streams `length` bytes (all, when omitted) from `offset`. Fails before streaming if the path is missing. */
  reader(path: string, offset?: number, length?: number): Promise<Readable>;
  /**
   * Optional: opens a file for positioned reads into the caller's buffers, so a server can send
   * a large file through a few reused buffers instead of a new buffer per read.
   */
  openRandomAccess?(path: string): Promise<RandomAccessFile>;
  /**
   * Optional: a URL that lets its holder GET the file, and nothing else, for `expiresIn` seconds
   * (an object store's pre-signed URL). Only a driver whose store encrypts objects itself
   * (`encryptsAtRest`) is asked for one.
   */
  presignedGet?(path: string, expiresIn: number): Promise<string>;
  /** The store encrypts every object this driver writes (server-side encryption headers on every write). */
  readonly encryptsAtRest?: boolean;
  /** Opens a writer; with `append` it continues an existing file, otherwise it starts empty. */
  writer(path: string, append: boolean): Promise<FileWriter>;
  stat(path: string): Promise<FileInfo>;
  /** Direct children of a directory, as full paths. */
  list(path: string): Promise<string[]>;
  /**
   * Moves a file into a storage class: the file stays readable at its path throughout, and is
   * never missing while it moves. Nothing happens when it is in that class already.
   */
  setStorageClass(path: string, storageClass: StorageClass): Promise<void>;
  /** Moves a file, replacing the destination atomically and creating its parents (the destination is STANDARD). */
  move(source: string, destination: string): Promise<void>;
  /** Deletes a file or a directory tree, whichever storage class each file is in. */
  delete(path: string): Promise<void>;
  /**
   * Deletes many files at once, whichever storage class each is in; a path with no file is
   * skipped. Far fewer round trips than a `delete` each (no stat first): an object store deletes
   * up to 1000 keys per request, a file system unlinks a few files at a time. For files written
   * whole (`putContent`, `move`), as stored blobs are: a directory, or a file an appending writer
   * is still building, is `delete`'s.
   */
  deleteFiles(paths: readonly string[]): Promise<void>;
  /**
   * Deletes a directory if it is empty, and does nothing otherwise (or where there are no
   * directories to delete, as on S3): safe beside a writer putting a file into it at that moment.
   */
  deleteEmptyDirectory(path: string): Promise<void>;
  /** Visits every file and directory below `path`, depth first. */
  walk(path: string, visit: (info: FileInfo) => void | Promise<void>): Promise<void>;
}

export class PathNotFoundError extends Error {
  constructor(readonly path: string) {
    super(`path not found: ${path}`);
    this.name = 'PathNotFoundError';
  }
}

export class InvalidPathError extends Error {
  constructor(readonly path: string) {
    super(`invalid path: ${path}`);
    this.name = 'InvalidPathError';
  }
}

export class InvalidOffsetError extends Error {
  constructor(
    readonly path: string,
    readonly offset: number,
  ) {
    super(`invalid offset ${offset} for ${path}`);
    this.name = 'InvalidOffsetError';
  }
}

// Absolute, slash-separated, no empty, "." or ".." segments: the only paths a driver accepts.
const PATH = /^(\/[A-Za-z0-9._-]+)+$/;

export function checkPath(path: string): string {
  if (!PATH.test(path) || path.split('/').some((s) => s === '.' || s === '..')) throw new InvalidPathError(path);
  return path;
}
