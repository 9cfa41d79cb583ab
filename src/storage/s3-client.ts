// The S3 side of the S3 driver: the settings, the SDK client they make, how driver paths map to
// keys below a prefix, and which SDK errors mean "no such key" (never "no such bucket").
import { S3Client, type ServerSideEncryption } from '@aws-sdk/client-s3';

export interface S3Settings {
  /** Empty: AWS's endpoint for the region. */
  endpoint: string;
  region: string;
  bucket: string;
  /** Keys are `<prefix>/<path>`; empty: the path without its leading slash. */
  prefix: string;
  forcePathStyle: boolean;
  /** Static credentials; empty: the SDK's default chain (environment, profiles, web identity, instance role). */
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Server-side encryption of every object Berth writes: none, SSE-S3 or SSE-KMS. */
  serverSideEncryption: '' | 'AES256' | 'aws:kms';
  /** With aws:kms: the key id or ARN; empty: the bucket's default AWS managed key. */
  kmsKeyId: string;
  /** Bytes buffered on local disk before they become one object of an appendable file (>= 5 MiB). */
  partSize: number;
  /** Local directory for those buffers. */
  bufferDir: string;
  /**
   * The S3 storage class of files in Berth's ARCHIVE class (archived images' layers); one that
   * is read without a restore request (GLACIER_IR, STANDARD_IA, ...). Default GLACIER_IR.
   */
  archiveStorageClass?: string;
}

export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** Largest object CopyObject copies, and largest part of a multipart upload. */
export const MAX_COPY_SIZE = 5 * 1024 * 1024 * 1024;
export const MAX_PARTS = 10_000;

export function createS3Client(settings: S3Settings): S3Client {
  const credentials = settings.accessKeyId
    ? {
        accessKeyId: settings.accessKeyId,
        secretAccessKey: settings.secretAccessKey,
        ...(settings.sessionToken ? { sessionToken: settings.sessionToken } : {}),
      }
    : undefined;
  return new S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    ...(credentials ? { credentials } : {}),
    // Checksums only where S3 requires them: S3-compatible stores differ in which flexible
    // checksums (and aws-chunked trailers) they accept; digests are verified above the driver.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The encryption headers of writes (PutObject, CopyObject, CreateMultipartUpload). */
export function encryptionOf(settings: S3Settings): {
  ServerSideEncryption?: ServerSideEncryption;
  SSEKMSKeyId?: string;
} {
  if (!settings.serverSideEncryption) return {};
  return {
    ServerSideEncryption: settings.serverSideEncryption,
    ...(settings.serverSideEncryption === 'aws:kms' && settings.kmsKeyId ? { SSEKMSKeyId: settings.kmsKeyId } : {}),
  };
}

/** Driver paths (absolute, checked) to keys and back. */
export class KeySpace {
  private readonly base: string;

  constructor(prefix: string) {
    const trimmed = prefix.replace(/^\/+|\/+$/g, '');
    this.base = trimmed ? `${trimmed}/` : '';
  }

  key(path: string): string {
    return `${this.base}${path.slice(1)}`;
  }

  path(key: string): string {
    return `/${key.slice(this.base.length)}`;
  }
}

function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/**
 * A missing key: NoSuchKey from GET, a bodiless 404 from HEAD. A missing bucket is an error, not
 * a missing path (HEAD cannot tell them apart, so callers that HEAD confirm with a listing).
 */
export function isNoSuchKey(err: unknown): boolean {
  const name = (err as Error)?.name;
  if (name === 'NoSuchBucket') return false;
  return name === 'NoSuchKey' || name === 'NotFound' || (status(err) === 404 && name !== 'NoSuchUpload');
}

/** The server does not implement an operation (s3rver and some S3-compatible stores lack UploadPartCopy). */
export function isNotImplemented(err: unknown): boolean {
  return (err as Error)?.name === 'NotImplemented' || status(err) === 501;
}
