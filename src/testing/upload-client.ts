// Requests and assertions for blob upload tests through app.inject(): a chunk (PATCH) and the
// closing PUT, a progress answer, a created blob, and a blob that is or is not readable.
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { API_VERSION, digestOf, OCTET_STREAM, type Response } from './registry-client.js';

export function patchUpload(
  app: FastifyInstance,
  location: string,
  data: Buffer,
  contentRange?: string,
): Promise<Response> {
  return app.inject({
    method: 'PATCH',
    url: location,
    headers: { ...OCTET_STREAM, ...(contentRange && { 'content-range': contentRange }) },
    payload: data,
  });
}

export function putUpload(
  app: FastifyInstance,
  location: string,
  digest: string | undefined,
  data?: Buffer,
): Promise<Response> {
  const url = digest === undefined ? location : `${location}?digest=${digest}`;
  return app.inject({ method: 'PUT', url, headers: OCTET_STREAM, ...(data && { payload: data }) });
}

/** A progress answer (POST 202, PATCH 202, GET 204): Location, Range, Docker-Upload-UUID, no body. */
export function assertProgress(res: Response, status: number, location: string, range: string): void {
  assert.equal(res.statusCode, status, res.body);
  assert.equal(res.headers.location, location);
  assert.equal(res.headers.range, range);
  assert.equal(res.headers['docker-upload-uuid'], location.split('/').pop());
  assert.equal(res.headers['docker-distribution-api-version'], API_VERSION);
  assert.equal(res.rawPayload.length, 0);
}

export function assertBlobCreated(res: Response, name: string, digest: string): void {
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.headers.location, `/v2/${name}/blobs/${digest}`);
  assert.equal(res.headers['docker-content-digest'], digest);
  assert.equal(res.headers['content-length'], '0');
  assert.equal(res.headers['docker-distribution-api-version'], API_VERSION);
}

export async function assertBlob(
  app: FastifyInstance,
  name: string,
  data: Buffer,
  digest = digestOf(data),
): Promise<void> {
  const res = await app.inject({ url: `/v2/${name}/blobs/${digest}` });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['docker-content-digest'], digest);
  assert.ok(res.rawPayload.equals(data), 'blob bytes differ');
}

export async function assertNoBlob(app: FastifyInstance, name: string, digest: string): Promise<void> {
  const res = await app.inject({ method: 'HEAD', url: `/v2/${name}/blobs/${digest}` });
  assert.equal(res.statusCode, 404);
}
