// Helpers for tests of the ECR API with the real AWS SDK: a client for a test Berth, registry
// credentials from GetAuthorizationToken, and pushes made through the API alone (layer uploads
// in parts, then PutImage), never through the registry protocol.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  CompleteLayerUploadCommand,
  CreateRepositoryCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  InitiateLayerUploadCommand,
  PutImageCommand,
  UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import type { Descriptor } from '../domain/manifest.js';
import { MediaTypes } from '../domain/media-types.js';
import { TEST_ADMIN } from './server.js';

export function ecrClient(
  url: string,
  credentials: { accessKeyId: string; secretAccessKey: string } = TEST_ADMIN,
): ECRClient {
  // A copy: the SDK marks the credentials object it is given ($source), which would change TEST_ADMIN.
  return new ECRClient({ endpoint: url, region: 'us-east-1', credentials: { ...credentials }, maxAttempts: 1 });
}

/** The registry password for `docker login` (user AWS), and the Basic header made of it. */
export async function registryLogin(client: ECRClient): Promise<{ password: string; authorization: string }> {
  const { authorizationData } = await client.send(new GetAuthorizationTokenCommand({}));
  const token = Buffer.from(authorizationData![0]!.authorizationToken!, 'base64').toString('utf8');
  assert.ok(token.startsWith('AWS:'));
  return { password: token.slice(4), authorization: `Basic ${authorizationData![0]!.authorizationToken!}` };
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Creates the repository unless it exists: ECR's API pushes only into existing repositories. */
export async function ensureRepository(client: ECRClient, repositoryName: string): Promise<void> {
  try {
    await client.send(new CreateRepositoryCommand({ repositoryName }));
  } catch (err) {
    if ((err as Error).name !== 'RepositoryAlreadyExistsException') throw err;
  }
}

/** Uploads a blob with InitiateLayerUpload, UploadLayerPart (parts of `partSize`) and CompleteLayerUpload. */
export async function apiUploadBlob(
  client: ECRClient,
  repositoryName: string,
  bytes: Buffer,
  mediaType: string,
  partSize = 20_971_520,
): Promise<Descriptor> {
  const { uploadId, partSize: advertised } = await client.send(new InitiateLayerUploadCommand({ repositoryName }));
  assert.match(uploadId!, /^[0-9a-f-]{36}$/);
  assert.equal(advertised, 20_971_520);
  for (let at = 0; at < bytes.length; at += partSize) {
    const part = bytes.subarray(at, Math.min(at + partSize, bytes.length));
    const sent = await client.send(
      new UploadLayerPartCommand({
        repositoryName,
        uploadId,
        partFirstByte: at,
        partLastByte: at + part.length - 1,
        layerPartBlob: part,
      }),
    );
    assert.equal(sent.lastByteReceived, at + part.length - 1);
    assert.equal(sent.uploadId, uploadId);
  }
  const digest = sha256(bytes);
  const done = await client.send(new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [digest] }));
  assert.equal(done.layerDigest, digest);
  return { mediaType, digest, size: bytes.length };
}

export interface ApiImage {
  manifest: Buffer;
  digest: string;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** Pushes a config and layers through the API, then the manifest with PutImage. */
export async function apiPushImage(
  client: ECRClient,
  repositoryName: string,
  options: {
    tag?: string;
    layers?: Buffer[];
    docker?: boolean;
    artifactType?: string;
    subject?: Descriptor;
    annotations?: Record<string, string>;
    partSize?: number;
  } = {},
): Promise<ApiImage> {
  const docker = options.docker ?? false;
  await ensureRepository(client, repositoryName);
  const configBytes = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [] },
      nonce: randomBytes(8).toString('hex'),
    }),
  );
  const config = await apiUploadBlob(
    client,
    repositoryName,
    configBytes,
    docker ? MediaTypes.dockerConfig : MediaTypes.ociConfig,
  );
  const layers: Descriptor[] = [];
  for (const bytes of options.layers ?? [randomBytes(300)]) {
    layers.push(
      await apiUploadBlob(
        client,
        repositoryName,
        bytes,
        docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar+gzip',
        options.partSize,
      ),
    );
  }
  const mediaType = docker ? MediaTypes.dockerManifest : MediaTypes.ociManifest;
  const manifest = Buffer.from(
    `${JSON.stringify(
      {
        schemaVersion: 2,
        mediaType,
        ...(options.artifactType && { artifactType: options.artifactType }),
        config,
        layers,
        ...(options.subject && { subject: options.subject }),
        ...(options.annotations && { annotations: options.annotations }),
      },
      null,
      2,
    )}\n`,
  );
  const { image } = await client.send(
    new PutImageCommand({
      repositoryName,
      imageManifest: manifest.toString('utf8'),
      ...(options.tag && { imageTag: options.tag }),
    }),
  );
  assert.equal(image?.imageId?.imageDigest, sha256(manifest));
  return { manifest, digest: sha256(manifest), mediaType, config, layers };
}

/** An index over `children` pushed with PutImage. */
export async function apiPushIndex(
  client: ECRClient,
  repositoryName: string,
  children: ApiImage[],
  tag?: string,
): Promise<{ manifest: Buffer; digest: string }> {
  const manifests = children.map((c, i) => ({
    mediaType: c.mediaType,
    digest: c.digest,
    size: c.manifest.length,
    platform: { architecture: i === 0 ? 'amd64' : 'arm64', os: 'linux' },
  }));
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests }));
  await client.send(
    new PutImageCommand({ repositoryName, imageManifest: manifest.toString('utf8'), ...(tag && { imageTag: tag }) }),
  );
  return { manifest, digest: sha256(manifest) };
}

/** Asserts that `promise` fails with the named exception; returns the error for more checks. */
export async function rejectsWith<T = Record<string, unknown>>(
  promise: Promise<unknown>,
  name: string,
  message?: RegExp,
): Promise<T & Error> {
  try {
    await promise;
  } catch (err) {
    const error = err as Error & { $metadata?: { httpStatusCode?: number } };
    assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
    assert.equal(error.$metadata?.httpStatusCode, 400);
    if (message) assert.match(error.message, message);
    return error as T & Error;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}
