// What the parts of the shared metadata suite (store-suite-*.ts) build their cases from: fresh
// accounts, repositories, digests and manifest records, byte order, and listings read page by page.
import assert from 'node:assert/strict';
import { createHash, randomInt, randomUUID } from 'node:crypto';
import type { ManifestRecord } from '../domain/records/manifests.js';
import type { MetadataStore, Page } from './store.js';
import type { Repository } from '../domain/records/repositories.js';

/** Byte order ("ASCIIbetical"), the order every listing must use. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function freshAccount(): string {
  return String(randomInt(1e11, 1e12 - 1));
}

export function freshDigest(): string {
  return `sha256:${createHash('sha256').update(randomUUID()).digest('hex')}`;
}

/** A new repository in a new account. */
export function freshRepository(store: MetadataStore, repoName = 'team/app'): Promise<Repository> {
  return store.repositories.ensure(freshAccount(), repoName);
}

export function manifest(repositoryId: string, overrides: Partial<ManifestRecord> = {}): ManifestRecord {
  return {
    repositoryId,
    digest: freshDigest(),
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    size: 1234,
    artifactType: null,
    subjectDigest: null,
    annotations: null,
    createdAt: Date.now(),
    ...overrides,
  };
}

/** Every name, page by page of `limit`, following `last` as a client would. */
export async function paged(list: (page: Page) => Promise<string[]>, limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let last: string | undefined;
  for (;;) {
    const page = await list(last === undefined ? { limit } : { last, limit });
    assert.ok(page.length <= limit, 'a page holds at most limit names');
    if (page.length === 0) return pages;
    pages.push(page);
    last = page[page.length - 1];
    assert.ok(pages.length < 100, 'pagination ends');
  }
}
