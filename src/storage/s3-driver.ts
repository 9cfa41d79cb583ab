// The S3 storage driver: paths are keys below a prefix of one bucket, directories are key
// prefixes (they exist while something is below them). A file is a whole object, or while an
// appendable writer builds it, a chain of segment objects (s3-objects.ts, s3-writer.ts); a move
// turns either into one object at the destination with server-side copies, then deletes the source.
import { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client, type StorageClass as S3StorageClass } from '@aws-sdk/client-s3';
import {
  checkPath,
  InvalidOffsetError,
  PathNotFoundError,
  type FileInfo,
  type FileWriter,
  type StorageClass,
  type StorageDriver,
} from './driver.js';
import { createS3Client, KeySpace, type S3Settings } from './s3-client.js';
import { S3Objects, SEGMENT_MARK, segmentsEnd, type ObjectInfo, type Segment } from './s3-objects.js';
import { S3Writer } from './s3-writer.js';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** A file as stored: one object, or the segments of one being written. */
type Stored = { kind: 'object'; object: ObjectInfo } | { kind: 'segments'; segments: Segment[] };

function storedSize(stored: Stored): number {
  return stored.kind === 'object' ? stored.object.size : segmentsEnd(stored.segments);
}

function storedTime(stored: Stored): Date {
  if (stored.kind === 'object') return stored.object.modTime;
  return new Date(Math.max(0, ...stored.segments.map((s) => s.modTime.getTime())));
}

/** Any class but STANDARD is Berth's ARCHIVE: what Berth wrote in another class, it archived. */
function classOf(object: ObjectInfo): StorageClass {
  return (object.storageClass ?? 'STANDARD') === 'STANDARD' ? 'STANDARD' : 'ARCHIVE';
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export interface S3DriverOptions {
  /** Keys per listing page; fewer than S3's 1000 only to exercise paging in tests. */
  pageSize?: number;
}

export class S3Driver implements StorageDriver {
  readonly name = 's3';
  readonly client: S3Client;
  private readonly objects: S3Objects;
  private readonly keys: KeySpace;

  constructor(
    readonly settings: S3Settings,
    options: S3DriverOptions = {},
  ) {
    this.client = createS3Client(settings);
    this.objects = new S3Objects(this.client, settings, options.pageSize);
    this.keys = new KeySpace(settings.prefix);
  }

  private key(path: string): string {
    return this.keys.key(checkPath(path));
  }

  /** The file at `key`: a whole object wins over segments (left by an interrupted move). */
  private async stored(key: string): Promise<Stored | undefined> {
    const object = await this.objects.head(key);
    if (object) return { kind: 'object', object };
    const segments = await this.objects.segments(key);
    return segments.length > 0 ? { kind: 'segments', segments } : undefined;
  }

  async getContent(path: string): Promise<Buffer> {
    const key = this.key(path);
    const whole = await this.objects.getAll(key);
    if (whole) return whole;
    const segments = await this.objects.segments(key);
    if (segments.length === 0) throw new PathNotFoundError(path);
    const parts: Buffer[] = [];
    for await (const part of this.objects.readSegments(segments, 0, segmentsEnd(segments))) parts.push(part as Buffer);
    return Buffer.concat(parts);
  }

  async putContent(path: string, content: Uint8Array): Promise<void> {
    // One PutObject: readers see the old object or the new one, never a part; durable once stored.
    await this.objects.put(this.key(path), content);
  }

  async reader(path: string, offset = 0, length?: number): Promise<Readable> {
    const key = this.key(path);
    const stored = await this.stored(key);
    if (!stored) throw new PathNotFoundError(path);
    const size = storedSize(stored);
    if (!Number.isInteger(offset) || offset < 0 || offset > size) throw new InvalidOffsetError(path, offset);
    const end = length === undefined ? size : Math.min(size, offset + length);
    if (end <= offset) return Readable.from([]);
    if (stored.kind === 'segments') return this.objects.readSegments(stored.segments, offset, end);
    try {
      return await this.objects.get(key, offset, end);
    } catch (err) {
      if ((err as Error).name === 'NoSuchKey') throw new PathNotFoundError(path);
      throw err;
    }
  }

  get encryptsAtRest(): boolean {
    return this.settings.serverSideEncryption !== '';
  }

  /** A pre-signed GET of the object at `path`, with the credentials the client signs with now. */
  presignedGet(path: string, expiresIn: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.key(path) }), {
      expiresIn,
    });
  }

  async writer(path: string, append: boolean): Promise<FileWriter> {
    return S3Writer.open(this.objects, this.key(path), append);
  }

  async stat(path: string): Promise<FileInfo> {
    const key = this.key(path);
    const stored = await this.stored(key);
    if (stored)
      return {
        path,
        size: storedSize(stored),
        modTime: storedTime(stored),
        isDir: false,
        storageClass: stored.kind === 'object' ? classOf(stored.object) : 'STANDARD',
      };
    // Also what tells a missing bucket (an error) from a missing key: HEAD answers 404 to both.
    const below = await this.objects.any(`${key}/`);
    if (below) return { path, size: 0, modTime: below.modTime, isDir: true };
    throw new PathNotFoundError(path);
  }

  async list(path: string): Promise<string[]> {
    const prefix = `${this.key(path)}/`;
    const names = new Set<string>();
    for await (const page of this.objects.list(prefix, '/')) {
      for (const dir of page.prefixes) names.add(dir.slice(prefix.length, -1));
      for (const object of page.objects) names.add(object.Key!.slice(prefix.length).split(SEGMENT_MARK)[0]!);
    }
    if (names.size === 0) throw new PathNotFoundError(path);
    return [...names].sort(byteOrder).map((name) => `${path}/${name}`);
  }

  async move(source: string, destination: string): Promise<void> {
    const from = this.key(source);
    const to = this.key(destination);
    const stored = await this.stored(from);
    if (!stored) throw new PathNotFoundError(source);
    await this.objects.assemble(stored.kind === 'object' ? [stored.object] : stored.segments, to);
    await this.objects.delete([from, ...(await this.objects.keys(`${from}${SEGMENT_MARK}`))]);
  }

  /** The S3 class ARCHIVE maps to (settings.archiveStorageClass, GLACIER_IR by default). */
  get archiveStorageClass(): string {
    return this.settings.archiveStorageClass || 'GLACIER_IR';
  }

  /** A copy of the object onto itself with the new class (CopyObject, multipart beyond 5 GiB). */
  async setStorageClass(path: string, storageClass: StorageClass): Promise<void> {
    const key = this.key(path);
    const stored = await this.stored(key);
    if (!stored) throw new PathNotFoundError(path);
    const target = (storageClass === 'ARCHIVE' ? this.archiveStorageClass : 'STANDARD') as S3StorageClass;
    if (stored.kind === 'object') {
      if ((stored.object.storageClass ?? 'STANDARD') === target) return;
      await this.objects.assemble([stored.object], key, target);
      return;
    }
    // A file still in segments becomes one object in the class, then the segments go.
    await this.objects.assemble(stored.segments, key, target);
    await this.objects.delete(stored.segments.map((s) => s.key));
  }

  async delete(path: string): Promise<void> {
    const key = this.key(path);
    // The file, its segments and everything below it; not a sibling that merely starts alike.
    const doomed = (await this.objects.keys(key)).filter(
      (k) => k === key || k.startsWith(`${key}/`) || k.startsWith(`${key}${SEGMENT_MARK}`),
    );
    if (doomed.length === 0) throw new PathNotFoundError(path);
    await this.objects.delete(doomed);
  }

  /** One DeleteObjects per 1000 keys; a key with no object is no error to S3. */
  async deleteFiles(paths: readonly string[]): Promise<void> {
    await this.objects.delete(paths.map((path) => this.key(path)));
  }

  /** Keys have no directories: an "empty directory" is no key at all. */
  async deleteEmptyDirectory(path: string): Promise<void> {
    this.key(path);
  }

  /**
   * One flat listing, paged: keys sharing a prefix are adjacent in it, so the directories are
   * the changes of the previous key's ancestors, each visited once and before its children.
   */
  async walk(path: string, visit: (info: FileInfo) => void | Promise<void>): Promise<void> {
    const prefix = `${this.key(path)}/`;
    const open: { path: string; files: Set<string> }[] = [];
    let pending: { path: string; segments: Segment[] } | undefined;
    let any = false;
    const flushPending = async () => {
      const file = pending;
      pending = undefined;
      // Segments beside a whole object of the same name are leftovers of a move: the object is the file.
      if (file && !open.at(-1)?.files.has(file.path))
        await visit({
          path: file.path,
          size: segmentsEnd(file.segments),
          modTime: storedTime({ kind: 'segments', segments: file.segments }),
          isDir: false,
        });
    };
    for await (const page of this.objects.list(prefix)) {
      for (const object of page.objects) {
        any = true;
        const relative = object.Key!.slice(prefix.length);
        const mark = relative.indexOf(SEGMENT_MARK);
        const filePath = `${path}/${mark === -1 ? relative : relative.slice(0, mark)}`;
        if (pending && pending.path !== filePath) await flushPending();
        const names = relative.split('/');
        const dirs = names.slice(0, -1).map((_, i) => `${path}/${names.slice(0, i + 1).join('/')}`);
        let common = 0;
        while (common < open.length && common < dirs.length && open[common]!.path === dirs[common]) common++;
        open.length = common;
        for (const dir of dirs.slice(common)) {
          open.push({ path: dir, files: new Set() });
          await visit({ path: dir, size: 0, modTime: object.LastModified ?? new Date(), isDir: true });
        }
        if (mark !== -1) {
          const offset = Number(relative.slice(mark + 1));
          pending ??= { path: filePath, segments: [] };
          pending.segments.push({
            key: object.Key!,
            offset,
            size: object.Size ?? 0,
            modTime: object.LastModified ?? new Date(),
          });
          continue;
        }
        (open.at(-1)?.files ?? new Set()).add(filePath);
        await visit({
          path: filePath,
          size: object.Size ?? 0,
          modTime: object.LastModified ?? new Date(),
          isDir: false,
        });
      }
    }
    await flushPending();
    if (!any) throw new PathNotFoundError(path);
  }
}
