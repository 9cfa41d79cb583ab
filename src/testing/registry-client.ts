// Helpers for protocol tests through app.inject(): push blobs, images and manifests, read the
// error envelope, and snapshot what a registry serves. Each push helper asserts its status.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { DigestAlgorithm } from '../domain/digest.js';
import type { Descriptor } from '../domain/manifest.js';
import { EMPTY_JSON, MediaTypes } from '../domain/media-types.js';

export type Response = LightMyRequestResponse;

export const API_VERSION = 'registry/2.0';
export const OCTET_STREAM = { 'content-type': 'application/octet-stream' };

export function digestOf(data: Buffer | string, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

/** Distinct content for each call, so tests never share blobs by accident. */
export function randomBlob(size = 64): Buffer {
  return randomBytes(size);
}

/** Asserts the protocol's error envelope, status and code; returns the error entry. */
export function assertError(
  res: Response,
  status: number,
  code: string,
): { code: string; message: string; detail?: unknown } {
  assert.equal(res.statusCode, status, `expected ${status} ${code}, got ${res.statusCode}: ${res.body}`);
  assert.equal(res.headers['docker-distribution-api-version'], API_VERSION);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json() as { errors: { code: string; message: string; detail?: unknown }[] };
  assert.deepEqual(Object.keys(body), ['errors']);
  assert.equal(body.errors.length, 1);
  const entry = body.errors[0]!;
  assert.equal(entry.code, code, `expected ${code}, got ${res.body}`);
  assert.equal(typeof entry.message, 'string');
  assert.ok(entry.message.length > 0);
  return entry;
}

/** A HEAD answer carries no body: only its status and the API version header can be checked. */
export function assertHeadStatus(res: Response, status: number): void {
  assert.equal(res.statusCode, status, `expected ${status}, got ${res.statusCode}`);
  assert.equal(res.headers['docker-distribution-api-version'], API_VERSION);
  assert.equal(res.rawPayload.length, 0);
}

/** Monolithic upload (`POST ?digest=`): returns the blob's descriptor. */
export async function pushBlob(
  app: FastifyInstance,
  name: string,
  data: Buffer,
  mediaType = 'application/octet-stream',
  algorithm: DigestAlgorithm = 'sha256',
): Promise<Descriptor> {
  const digest = digestOf(data, algorithm);
  const res = await app.inject({
    method: 'POST',
    url: `/v2/${name}/blobs/uploads/?digest=${digest}`,
    headers: OCTET_STREAM,
    payload: data,
  });
  assert.equal(res.statusCode, 201, `pushBlob ${name}: ${res.statusCode} ${res.body}`);
  return { mediaType, digest, size: data.length };
}

/** Opens an upload session; returns its Location. */
export async function startUpload(app: FastifyInstance, name: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: `/v2/${name}/blobs/uploads/` });
  assert.equal(res.statusCode, 202, `startUpload ${name}: ${res.statusCode} ${res.body}`);
  const location = res.headers.location;
  assert.equal(typeof location, 'string');
  return location as string;
}

export interface PushedManifest extends Descriptor {
  bytes: Buffer;
}

/** Manifest bytes as a client would send them: pretty-printed with a trailing newline, so byte-exactness is visible. */
export function manifestBytes(manifest: object): Buffer {
  return Buffer.from(`${JSON.stringify(manifest, null, 3)}\n`);
}

export function putManifest(
  app: FastifyInstance,
  name: string,
  reference: string,
  bytes: Buffer | string,
  contentType?: string,
): Promise<Response> {
  return app.inject({
    method: 'PUT',
    url: `/v2/${name}/manifests/${reference}`,
    headers: contentType === undefined ? {} : { 'content-type': contentType },
    payload: bytes,
  });
}

/** PUT a manifest (object or exact bytes) under `reference`; asserts 201 and the returned digest. */
export async function pushManifest(
  app: FastifyInstance,
  name: string,
  reference: string | undefined,
  manifest: object | Buffer,
  mediaType: string,
): Promise<PushedManifest> {
  const bytes = Buffer.isBuffer(manifest) ? manifest : manifestBytes(manifest);
  const digest = digestOf(bytes);
  const res = await putManifest(app, name, reference ?? digest, bytes, mediaType);
  assert.equal(res.statusCode, 201, `pushManifest ${name}:${reference}: ${res.statusCode} ${res.body}`);
  assert.equal(res.headers['docker-content-digest'], digest);
  return { mediaType, digest, size: bytes.length, bytes };
}

export interface ImageOptions {
  /** OCI (default) or Docker schema 2. */
  docker?: boolean;
  artifactType?: string;
  subject?: Descriptor;
  annotations?: Record<string, string>;
  layers?: number;
}

/** Pushes a config and layers, then an image manifest that names them. */
export async function pushImage(
  app: FastifyInstance,
  name: string,
  reference?: string,
  options: ImageOptions = {},
): Promise<PushedManifest & { config: Descriptor; layers: Descriptor[] }> {
  const docker = options.docker ?? false;
  const configBytes = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [] },
      nonce: randomBlob(8).toString('hex'),
    }),
  );
  const config = await pushBlob(app, name, configBytes, docker ? MediaTypes.dockerConfig : MediaTypes.ociConfig);
  const layers: Descriptor[] = [];
  for (let i = 0; i < (options.layers ?? 1); i++) {
    layers.push(
      await pushBlob(
        app,
        name,
        randomBlob(100 + i),
        docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar+gzip',
      ),
    );
  }
  const mediaType = docker ? MediaTypes.dockerManifest : MediaTypes.ociManifest;
  const manifest = {
    schemaVersion: 2,
    mediaType,
    ...(options.artifactType && { artifactType: options.artifactType }),
    config,
    layers,
    ...(options.subject && { subject: options.subject }),
    ...(options.annotations && { annotations: options.annotations }),
  };
  return { ...(await pushManifest(app, name, reference, manifest, mediaType)), config, layers };
}

/** An artifact: the empty config, one empty layer, an artifactType and optionally a subject. */
export async function pushArtifact(
  app: FastifyInstance,
  name: string,
  reference: string | undefined,
  artifactType: string,
  options: { subject?: Descriptor; annotations?: Record<string, string> } = {},
): Promise<PushedManifest> {
  const empty = { mediaType: MediaTypes.ociEmpty, digest: EMPTY_JSON.digest, size: EMPTY_JSON.size };
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    artifactType,
    config: empty,
    layers: [empty],
    ...(options.subject && { subject: options.subject }),
    ...(options.annotations && { annotations: options.annotations }),
  };
  return pushManifest(app, name, reference, manifest, MediaTypes.ociManifest);
}

/** A descriptor of a pushed manifest, as an index or a subject names it. */
export function descriptorOf(manifest: PushedManifest, extra: Partial<Descriptor> = {}): Descriptor {
  return { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size, ...extra };
}

/** What a registry serves about some repositories: the catalog, and per repository its tags with their digests and the listed manifests and blobs' presence. */
export async function snapshot(app: FastifyInstance, names: string[], digests: string[] = []): Promise<unknown> {
  const catalog = (await app.inject({ url: '/v2/_catalog' })).json();
  const repositories: Record<string, unknown> = {};
  for (const name of names) {
    const tagsRes = await app.inject({ url: `/v2/${name}/tags/list` });
    if (tagsRes.statusCode !== 200) {
      repositories[name] = tagsRes.statusCode;
      continue;
    }
    const tags: Record<string, unknown> = {};
    for (const tag of (tagsRes.json() as { tags: string[] }).tags) {
      const res = await app.inject({ url: `/v2/${name}/manifests/${tag}` });
      tags[tag] = {
        status: res.statusCode,
        digest: res.headers['docker-content-digest'],
        type: res.headers['content-type'],
        body: res.body,
      };
    }
    const content: Record<string, number> = {};
    for (const digest of digests) {
      content[`manifest ${digest}`] = (
        await app.inject({ method: 'HEAD', url: `/v2/${name}/manifests/${digest}` })
      ).statusCode;
      content[`blob ${digest}`] = (await app.inject({ method: 'HEAD', url: `/v2/${name}/blobs/${digest}` })).statusCode;
    }
    repositories[name] = { tags, content };
  }
  return { catalog, repositories };
}
