// Assertions for manifest tests through app.inject(): the answer to a push, a manifest served
// byte-exact (GET and HEAD), one that is unknown, and a repository's tags.
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { API_VERSION, assertError, assertHeadStatus, type Response } from './registry-client.js';

export const manifestUrl = (name: string, reference: string) => `/v2/${name}/manifests/${reference}`;

export function assertManifestCreated(res: Response, name: string, digest: string): void {
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.headers.location, manifestUrl(name, digest));
  assert.equal(res.headers['docker-content-digest'], digest);
  assert.equal(res.headers['content-length'], '0');
  assert.equal(res.headers['docker-distribution-api-version'], API_VERSION);
}

/** Served as pushed to a client that accepts the manifest's type (by tag, as real clients ask). */
export async function assertManifestServed(
  app: FastifyInstance,
  name: string,
  reference: string,
  manifest: { digest: string; mediaType: string; bytes: Buffer },
): Promise<void> {
  const accept = { accept: manifest.mediaType };
  const get = await app.inject({ url: manifestUrl(name, reference), headers: accept });
  assert.equal(get.statusCode, 200, get.body);
  assert.equal(get.headers['content-type'], manifest.mediaType);
  assert.equal(get.headers['docker-content-digest'], manifest.digest);
  assert.equal(get.headers['content-length'], String(manifest.bytes.length));
  assert.equal(get.headers['docker-distribution-api-version'], API_VERSION);
  assert.ok(get.rawPayload.equals(manifest.bytes), 'manifest bytes differ from what was pushed');

  const head = await app.inject({ method: 'HEAD', url: manifestUrl(name, reference), headers: accept });
  assert.equal(head.statusCode, 200);
  assert.equal(head.headers['content-type'], manifest.mediaType);
  assert.equal(head.headers['docker-content-digest'], manifest.digest);
  assert.equal(head.headers['content-length'], String(manifest.bytes.length));
  assert.equal(head.rawPayload.length, 0);
}

export async function assertManifestUnknown(app: FastifyInstance, name: string, reference: string): Promise<void> {
  assertError(await app.inject({ url: manifestUrl(name, reference) }), 404, 'MANIFEST_UNKNOWN');
  assertHeadStatus(await app.inject({ method: 'HEAD', url: manifestUrl(name, reference) }), 404);
}

export async function tagsOf(app: FastifyInstance, name: string): Promise<string[]> {
  const res = await app.inject({ url: `/v2/${name}/tags/list` });
  assert.equal(res.statusCode, 200);
  return (res.json() as { tags: string[] }).tags;
}
