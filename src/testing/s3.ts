// An S3 endpoint for tests: s3rver started on loopback in a child process (the default), or any
// S3-compatible store named by the environment:
//   BERTH_TEST_S3_ENDPOINT     e.g. http://127.0.0.1:9000 (MinIO) or https://s3.eu-west-1.amazonaws.com
//   BERTH_TEST_S3_BUCKET       an existing bucket (required with an endpoint)
//   BERTH_TEST_S3_REGION       default us-east-1
//   BERTH_TEST_S3_ACCESS_KEY_ID, BERTH_TEST_S3_SECRET_ACCESS_KEY   default: the SDK's default chain
//   BERTH_TEST_S3_PATH_STYLE   "false" for virtual-hosted buckets (default true)
// Each test works below a fresh prefix, so a shared bucket is safe.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { S3Objects } from '../storage/s3-objects.js';
import { createS3Client, type S3Settings } from '../storage/s3-client.js';
import { tempDir } from './server.js';

const MAIN = fileURLToPath(new URL('./s3rver-main.js', import.meta.url));

export interface TestS3 {
  /** Settings for a driver below this test's own prefix. */
  settings: S3Settings;
  /** Every key below the prefix (to check nothing was left behind). */
  keys(): Promise<string[]>;
  /** Stops s3rver (not an external store) without removing its data, as an outage would. */
  stop(): Promise<void>;
  /** Removes what the test left below its prefix, and stops s3rver. */
  close(): Promise<void>;
}

export function testS3Settings(overrides: Partial<S3Settings> = {}): Omit<S3Settings, 'endpoint' | 'bucket'> {
  return {
    region: process.env.BERTH_TEST_S3_REGION || 'us-east-1',
    prefix: `berth-test-${randomUUID()}`,
    forcePathStyle: process.env.BERTH_TEST_S3_PATH_STYLE !== 'false',
    accessKeyId: process.env.BERTH_TEST_S3_ACCESS_KEY_ID ?? '',
    secretAccessKey: process.env.BERTH_TEST_S3_SECRET_ACCESS_KEY ?? '',
    sessionToken: '',
    serverSideEncryption: '',
    kmsKeyId: '',
    partSize: 5 * 1024 * 1024,
    bufferDir: tempDir('berth-s3-buffer-'),
    ...overrides,
  };
}

export async function startS3(overrides: Partial<S3Settings> = {}): Promise<TestS3> {
  const external = process.env.BERTH_TEST_S3_ENDPOINT;
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  let endpoint: string;
  let bucket: string;
  const base = testS3Settings(overrides);
  if (external) {
    endpoint = external;
    bucket = process.env.BERTH_TEST_S3_BUCKET ?? '';
    if (!bucket) throw new Error('BERTH_TEST_S3_BUCKET must name a bucket when BERTH_TEST_S3_ENDPOINT is set');
  } else {
    dir = tempDir('berth-s3rver-');
    bucket = 'berth';
    child = spawn(process.execPath, ['--openssl-legacy-provider', MAIN, dir, bucket], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      child!.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
      createInterface({ input: child!.stdout! }).once('line', resolve);
    });
    endpoint = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
    // s3rver's one access key: it refuses other key ids (it does not check v4 signatures).
    if (!base.accessKeyId) Object.assign(base, { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
  }
  const settings: S3Settings = { ...base, endpoint, bucket };
  const objects = new S3Objects(createS3Client(settings), settings);
  const keys = () => objects.keys(`${settings.prefix}/`);
  const stop = async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  };
  return {
    settings,
    keys,
    stop,
    async close() {
      try {
        if (!child || child.exitCode === null) await objects.delete(await keys());
      } finally {
        await stop();
        if (dir) for (const d of [dir, `${dir}.partials`]) rmSync(d, { recursive: true, force: true });
        rmSync(settings.bufferDir, { recursive: true, force: true });
      }
    },
  };
}

/** The BERTH_* variables that put a `berth serve` child's storage on this S3 endpoint. */
export function berthS3Env(settings: S3Settings, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    BERTH_STORAGE_DRIVER: 's3',
    BERTH_STORAGE_S3_ENDPOINT: settings.endpoint,
    BERTH_STORAGE_S3_REGION: settings.region,
    BERTH_STORAGE_S3_BUCKET: settings.bucket,
    BERTH_STORAGE_S3_PREFIX: settings.prefix,
    BERTH_STORAGE_S3_FORCE_PATH_STYLE: String(settings.forcePathStyle),
    BERTH_STORAGE_S3_ACCESS_KEY_ID: settings.accessKeyId,
    BERTH_STORAGE_S3_SECRET_ACCESS_KEY: settings.secretAccessKey,
    BERTH_STORAGE_S3_PART_SIZE: String(settings.partSize),
    BERTH_STORAGE_S3_BUFFER_DIR: settings.bufferDir,
    ...extra,
  };
}
