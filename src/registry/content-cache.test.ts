// The manifest cache's bound is on the memory its entries keep. Manifest bytes arrive as small
// views of larger buffers (request bodies from Node's 8 KiB allocation pool, reads out of
// decrypted batches): kept as they are, each kept its whole backing buffer, and the cache held
// more than ten times its bound (the soak's external memory grew ~25 MiB/min).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { ContentCache } from './content-cache.js';

/** The distinct backing stores of the entries still cached, and their total size. */
function retained(cache: ContentCache, digests: string[]): { entries: number; bytes: number } {
  const stores = new Set<ArrayBufferLike>();
  let entries = 0;
  for (const digest of digests) {
    const value = cache.get(digest);
    if (!value) continue;
    entries++;
    stores.add(value.buffer);
  }
  return { entries, bytes: [...stores].reduce((sum, store) => sum + store.byteLength, 0) };
}

test('entries that are views of larger buffers keep no more than the cache bound', () => {
  const maxBytes = 64 * 1024;
  const cache = new ContentCache(maxBytes);
  const digests: string[] = [];
  for (let i = 0; i < 2000; i++) {
    // A 700-byte manifest inside an 8 KiB buffer, as a request body out of the allocation pool.
    const slab = Buffer.allocUnsafeSlow(8192);
    const manifest = randomBytes(700);
    manifest.copy(slab, 1024);
    const digest = `sha256:${i}`;
    digests.push(digest);
    cache.set(digest, slab.subarray(1024, 1024 + 700));
  }
  const held = retained(cache, digests);
  assert.ok(
    held.bytes <= maxBytes,
    `the cache keeps ${held.bytes} bytes of buffers (${held.entries} entries), over its bound of ${maxBytes}`,
  );
  assert.ok(
    held.entries >= Math.floor(maxBytes / 700) - 1,
    `only ${held.entries} entries kept: the bound should fit ~${Math.floor(maxBytes / 700)}`,
  );
  assert.ok(cache.heldBytes <= maxBytes);
});

test('small pooled buffers (Buffer.from) are kept on their own, not with their pool slab', () => {
  const maxBytes = 32 * 1024;
  const cache = new ContentCache(maxBytes);
  const digests: string[] = [];
  const garbage: Buffer[] = [];
  for (let i = 0; i < 1000; i++) {
    const digest = `sha256:${i}`;
    digests.push(digest);
    cache.set(digest, Buffer.from(JSON.stringify({ schemaVersion: 2, i, pad: 'x'.repeat(500) })));
    // Other allocations from the pool in between, as a server makes: each entry's slab differs.
    garbage.push(Buffer.allocUnsafe(3500), Buffer.allocUnsafe(3500));
    if (garbage.length > 10) garbage.splice(0, 2);
  }
  const held = retained(cache, digests);
  assert.ok(
    held.bytes <= maxBytes,
    `the cache keeps ${held.bytes} bytes of buffers (${held.entries} entries), over its bound of ${maxBytes}`,
  );
});

test('cached bytes are the bytes given, whole buffers are kept as they are, and the oldest go first', () => {
  const cache = new ContentCache(4096);
  const slab = Buffer.from('xxhello manifestyy');
  const view = slab.subarray(2, 16);
  cache.set('a', view);
  slab.fill(0); // the caller's buffer changing later does not change the cached copy
  assert.equal(cache.get('a')?.toString(), 'hello manifest');
  const whole = Buffer.allocUnsafeSlow(1000).fill(1);
  cache.set('b', whole);
  assert.equal(cache.get('b'), whole);
  for (let i = 0; i < 4; i++) cache.set(`c${i}`, Buffer.allocUnsafeSlow(1000).fill(2));
  assert.equal(cache.get('a'), undefined, 'the least recently used entry is evicted first');
  assert.ok(cache.heldBytes <= 4096);
});

test('an entry read again after others were added or read is the most recently used, even when read twice in a row', () => {
  const cache = new ContentCache(500);
  const entry = () => Buffer.allocUnsafeSlow(100);
  for (const d of ['a', 'b', 'c', 'd']) cache.set(d, entry());
  cache.get('a');
  cache.get('a'); // already the newest: not moved, and still the newest
  cache.set('e', entry()); // now e is the newest
  cache.get('a'); // so this read moves a after e
  for (const d of ['f', 'g', 'h', 'i']) cache.set(d, entry()); // evicts b, c, d, e in that order
  assert.equal(cache.get('e'), undefined, 'e was used before a: evicted first');
  assert.ok(cache.get('a'), 'a was read after e was added: kept');
});
