// Object operations the S3 driver is built from: heads, paged listings, ranged reads, puts,
// batch deletes, the segments of appendable files, and server-side assembly of objects into one
// (CopyObject, or a multipart upload of UploadPartCopy parts, streamed parts where the store has
// no UploadPartCopy).
//
// An appendable file that is being written (an upload in progress) is a chain of segment
// objects `<key>~<offset>`, each starting where the one before ends: what any node reads,
// sizes and continues. Every segment but the last has at least 5 MiB, so the chain
// can become one object by a multipart upload with a part per segment. "~" is in no valid path
// segment (driver.ts), so segment keys never collide with a file.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
  type StorageClass,
  type _Object,
} from '@aws-sdk/client-s3';
import { encryptionOf, isNoSuchKey, isNotImplemented, MAX_COPY_SIZE, MAX_PARTS, type S3Settings } from './s3-client.js';

export const SEGMENT_MARK = '~';
const OFFSET_DIGITS = 16;
const DELETE_BATCH = 1000;
const COPY_CONCURRENCY = 4;

export interface ObjectInfo {
  key: string;
  size: number;
  modTime: Date;
  /** The object's S3 storage class (HeadObject's; STANDARD when the store names none). */
  storageClass?: string;
}

export interface Segment extends ObjectInfo {
  offset: number;
}

export function segmentKey(key: string, offset: number): string {
  return `${key}${SEGMENT_MARK}${String(offset).padStart(OFFSET_DIGITS, '0')}`;
}

export function segmentsEnd(segments: readonly Segment[]): number {
  const last = segments.at(-1);
  return last ? last.offset + last.size : 0;
}

export class S3Objects {
  /** Cleared when the store answers UploadPartCopy with NotImplemented: parts are streamed instead. */
  private partCopy = true;

  constructor(
    readonly client: S3Client,
    readonly settings: S3Settings,
    /** Keys per listing page (S3's maximum is 1000; tests page with fewer). */
    private readonly pageSize = 1000,
  ) {}

  private get bucket(): string {
    return this.settings.bucket;
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        size: out.ContentLength ?? 0,
        modTime: out.LastModified ?? new Date(),
        storageClass: out.StorageClass ?? 'STANDARD',
      };
    } catch (err) {
      if (isNoSuchKey(err)) return undefined;
      throw err;
    }
  }

  /** Every object and common prefix under `prefix`, page by page (ListObjectsV2 continuation tokens). */
  async *list(
    prefix: string,
    delimiter?: string,
    limit?: number,
  ): AsyncIterable<{ objects: _Object[]; prefixes: string[] }> {
    let token: string | undefined;
    let seen = 0;
    do {
      // Small pages only without a delimiter: s3rver pages delimited listings wrongly (it drops
      // common prefixes at page ends), and real stores need no small pages.
      const maxKeys = Math.min(delimiter ? 1000 : this.pageSize, limit === undefined ? 1000 : limit - seen);
      const out = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(delimiter ? { Delimiter: delimiter } : {}),
          ...(maxKeys < 1000 ? { MaxKeys: maxKeys } : {}),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      const objects = out.Contents ?? [];
      const prefixes = (out.CommonPrefixes ?? []).map((p) => p.Prefix!).filter((p) => p !== undefined);
      seen += objects.length + prefixes.length;
      yield { objects, prefixes };
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token && (limit === undefined || seen < limit));
  }

  /** Whether any object's key starts with `prefix`. */
  async any(prefix: string): Promise<ObjectInfo | undefined> {
    for await (const page of this.list(prefix, undefined, 1)) {
      const first = page.objects[0];
      if (first) return { key: first.Key!, size: first.Size ?? 0, modTime: first.LastModified ?? new Date() };
    }
    return undefined;
  }

  /** Every key that starts with `prefix`. */
  async keys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of this.list(prefix)) for (const object of page.objects) keys.push(object.Key!);
    return keys;
  }

  /** The segment chain of an appendable file, in order; empty when it has none. */
  async segments(key: string): Promise<Segment[]> {
    const prefix = `${key}${SEGMENT_MARK}`;
    const segments: Segment[] = [];
    for await (const page of this.list(prefix)) {
      for (const object of page.objects) {
        const offset = Number(object.Key!.slice(prefix.length));
        if (!Number.isSafeInteger(offset)) continue;
        segments.push({ key: object.Key!, offset, size: object.Size ?? 0, modTime: object.LastModified ?? new Date() });
      }
    }
    segments.sort((a, b) => a.offset - b.offset);
    let end = 0;
    for (const segment of segments) {
      if (segment.offset !== end) throw new Error(`segments of ${key} do not join: ${segment.offset} follows ${end}`);
      end += segment.size;
    }
    return segments;
  }

  /**
   * Bytes [start, end) of one object, as a stream (the request is made before it returns). HTTP
   * lets a server answer a Range with more than was asked (all of it, with 200; s3rver answers
   * `bytes=0-0` with everything): the stream is cut to the asked bytes whatever comes back.
   */
  async get(key: string, start: number, end: number): Promise<Readable> {
    const out = await this.client.send(
      new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end - 1}` }),
    );
    const body = out.Body as Readable;
    const served = /^bytes (\d+)-(\d+)\//.exec(out.ContentRange ?? '');
    const first = served ? Number(served[1]) : 0;
    const length = out.ContentLength ?? 0;
    if (first === start && length === end - start) return body;
    if (first > start || first + length < end) {
      body.destroy();
      throw new Error(
        `${key}: asked for bytes ${start}-${end - 1}, the store sent ${out.ContentRange ?? `all ${length}`}`,
      );
    }
    return Readable.from(slice(body, start - first, end - start));
  }

  async getAll(key: string): Promise<Buffer | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (err) {
      if (isNoSuchKey(err)) return undefined;
      throw err;
    }
  }

  /** Bytes [start, end) of a segment chain, one ranged GET per segment it touches. */
  readSegments(segments: readonly Segment[], start: number, end: number): Readable {
    const objects = this;
    async function* bytes(): AsyncIterable<Uint8Array> {
      for (const segment of segments) {
        const from = Math.max(start, segment.offset);
        const to = Math.min(end, segment.offset + segment.size);
        if (from >= to) continue;
        yield* await objects.get(segment.key, from - segment.offset, to - segment.offset);
      }
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  async put(key: string, body: Uint8Array, storageClass?: StorageClass): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        ...(storageClass && { StorageClass: storageClass }),
        ...encryptionOf(this.settings),
      }),
    );
  }

  /** Streams a local file into an object. */
  async putFile(key: string, file: string, size: number): Promise<void> {
    const body = size === 0 ? new Uint8Array(0) : createReadStream(file);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentLength: size,
        ...encryptionOf(this.settings),
      }),
    );
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const out = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0)
        throw new Error(
          `could not delete ${failed.length} objects: ${failed[0]!.Key}: ${failed[0]!.Code} ${failed[0]!.Message}`,
        );
    }
  }

  /**
   * Writes the concatenation of `sources` to `target` without passing the bytes through this
   * process where the store allows: CopyObject for one source up to 5 GiB, otherwise a multipart
   * upload with one or more UploadPartCopy parts per source.
   */
  async assemble(all: readonly ObjectInfo[], target: string, storageClass?: StorageClass): Promise<void> {
    const sources = all.filter((source) => source.size > 0);
    const classOf = storageClass ? { StorageClass: storageClass } : {};
    if (sources.length === 0) return this.put(target, new Uint8Array(0), storageClass);
    const only = sources[0];
    if (sources.length === 1 && only && only.size <= MAX_COPY_SIZE) {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: target,
          CopySource: `${this.bucket}/${only.key}`,
          // A copy onto itself is allowed when it changes the storage class; some stores (s3rver)
          // also want the metadata replaced (Berth sets none of its own).
          ...(only.key === target && { MetadataDirective: 'REPLACE' as const }),
          ...classOf,
          ...encryptionOf(this.settings),
        }),
      );
      return;
    }
    const parts = sources.flatMap((source) => pieces(source));
    if (parts.length > MAX_PARTS)
      throw new Error(
        `${target} would need ${parts.length} parts, more than S3's ${MAX_PARTS}: raise storage.s3.partSize`,
      );
    const { UploadId } = await this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.bucket,
        Key: target,
        ...classOf,
        ...encryptionOf(this.settings),
      }),
    );
    try {
      const etags: string[] = new Array(parts.length);
      let next = 0;
      const worker = async () => {
        while (next < parts.length) {
          const index = next++;
          etags[index] = await this.copyPart(target, UploadId!, index + 1, parts[index]!);
        }
      };
      await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, parts.length) }, worker));
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: target,
          UploadId,
          MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
        }),
      );
    } catch (err) {
      // Some stores (s3rver) cannot abort; a bucket lifecycle rule removes incomplete uploads there.
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: target, UploadId }))
        .catch(() => undefined);
      throw err;
    }
  }

  private async copyPart(target: string, uploadId: string, partNumber: number, part: Piece): Promise<string> {
    if (this.partCopy) {
      try {
        const out = await this.client.send(
          new UploadPartCopyCommand({
            Bucket: this.bucket,
            Key: target,
            UploadId: uploadId,
            PartNumber: partNumber,
            CopySource: `${this.bucket}/${part.key}`,
            CopySourceRange: `bytes=${part.start}-${part.end - 1}`,
          }),
        );
        return out.CopyPartResult!.ETag!;
      } catch (err) {
        if (!isNotImplemented(err)) throw err;
        this.partCopy = false;
      }
    }
    const body = await this.get(part.key, part.start, part.end);
    const out = await this.client.send(
      new UploadPartCommand({
        Bucket: this.bucket,
        Key: target,
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: body,
        ContentLength: part.end - part.start,
      }),
    );
    return out.ETag!;
  }
}

/** `take` bytes of `source` after skipping `skip`; the rest is not read. */
async function* slice(source: Readable, skip: number, take: number): AsyncIterable<Uint8Array> {
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      const from = Math.min(skip, chunk.length);
      skip -= from;
      const part = chunk.subarray(from, from + take);
      take -= part.length;
      if (part.length > 0) yield part;
      if (take === 0) return;
    }
  } finally {
    source.destroy();
  }
}

interface Piece {
  key: string;
  start: number;
  end: number;
}

/** A source as parts of at most 5 GiB, of equal size (so each is at least 5 MiB when split). */
export function pieces(source: ObjectInfo): Piece[] {
  const count = Math.max(1, Math.ceil(source.size / MAX_COPY_SIZE));
  const size = Math.ceil(source.size / count);
  return Array.from({ length: count }, (_, i) => ({
    key: source.key,
    start: i * size,
    end: Math.min(source.size, (i + 1) * size),
  }));
}
