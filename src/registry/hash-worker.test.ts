// Off-thread hashing gives exactly the digests node:crypto gives, for many hashes fed at once in
// odd-sized chunks, and dropped hashes do not disturb the others.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { HashWorker } from './hash-worker.js';

it('matches node:crypto for interleaved hashes, odd chunk sizes, sha512 and empty input', async () => {
  const worker = new HashWorker();
  const inputs = Array.from({ length: 12 }, (_, i) => randomBytes(i === 0 ? 0 : 1 + Math.floor(Math.random() * 5_000_000)));
  const results = await Promise.all(inputs.map(async (bytes, i) => {
    const algorithm = i % 3 === 0 ? 'sha512' : 'sha256';
    const hash = worker.create(algorithm);
    const dropped = worker.create('sha256');
    for (let offset = 0; offset < bytes.length;) {
      const size = 1 + Math.floor(Math.random() * 300_000);
      await hash.update(bytes.subarray(offset, offset + size));
      await dropped.update(bytes.subarray(offset, offset + size));
      offset += size;
    }
    dropped.drop();
    return { algorithm, hex: await hash.digest() };
  }));
  results.forEach(({ algorithm, hex }, i) => assert.equal(hex, createHash(algorithm).update(inputs[i]!).digest('hex'), `input ${i}`));
});

it('refuses to feed a finished hash', async () => {
  const hash = new HashWorker().create('sha256');
  await hash.digest();
  await assert.rejects(hash.update(Buffer.from('late')), /finished/);
});
