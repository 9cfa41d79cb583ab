// The S3 driver runs the shared driver suite against s3rver on loopback (or the store that
// BERTH_TEST_S3_* names, see testing/s3.ts), listing in pages of 7 keys so paging is exercised;
// teardown also fails if any object is left (a segment the driver hides from list, say) or a
// part buffer is left on local disk.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { startS3, type TestS3 } from '../testing/s3.js';
import { tempDir } from '../testing/server.js';
import { PathNotFoundError } from './driver.js';
import { runDriverSuite } from './driver-suite.js';
import { S3Driver } from './s3-driver.js';
import { pieces } from './s3-objects.js';

runDriverSuite('s3', async () => {
  const s3 = await startS3();
  return {
    // s3rver knows no GLACIER_IR (the default archive class): STANDARD_IA, also read without a restore.
    driver: new S3Driver({ ...s3.settings, archiveStorageClass: 'STANDARD_IA' }, { pageSize: 7 }),
    async teardown() {
      const left = await s3.keys();
      const buffers = await readdir(s3.settings.bufferDir);
      await s3.close();
      if (left.length > 0) throw new Error(`objects left in the bucket: ${left.join(', ')}`);
      if (buffers.length > 0) throw new Error(`part buffers left on disk: ${buffers.join(', ')}`);
    },
  };
});

const MiB = 1 << 20;

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** The bytes in chunks of 1 MiB, as a request body arrives. */
async function* chunked(bytes: Buffer): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += MiB) yield bytes.subarray(at, at + MiB);
}

describe('s3 driver', () => {
  let s3: TestS3;
  before(async () => {
    s3 = await startS3();
  });
  after(() => s3.close());

  it('keeps an appendable file in the bucket, where another node reads and continues it before it is moved into one object', async () => {
    const a = new S3Driver(s3.settings);
    const b = new S3Driver({ ...s3.settings, bufferDir: tempDir('berth-s3-buffer-b-') });
    const bytes = randomBytes(13 * MiB + 5);
    const first = await a.writer('/up/data', false);
    await first.write(chunked(bytes.subarray(0, 7 * MiB)));
    await first.close();
    // One part-sized segment and a short last one, both objects the other node lists.
    const segments = (await s3.keys()).filter((k) => k.includes('~'));
    assert.equal(segments.length, 2, segments.join(', '));
    assert.equal((await b.stat('/up/data')).size, 7 * MiB);
    assert.deepEqual(
      await readAll(await b.reader('/up/data', 5 * MiB - 10, 20)),
      bytes.subarray(5 * MiB - 10, 5 * MiB + 10),
      'a read across segments',
    );
    const second = await b.writer('/up/data', true);
    assert.equal(second.size, 7 * MiB);
    await second.write(chunked(bytes.subarray(7 * MiB)));
    await second.commit();
    assert.deepEqual(await readAll(await a.reader('/up/data')), bytes);
    await a.move('/up/data', '/blob/data');
    assert.deepEqual(
      (await s3.keys()).map((k) => k.slice(s3.settings.prefix.length)),
      ['/blob/data'],
      'one object, no segment left',
    );
    assert.deepEqual(await a.getContent('/blob/data'), bytes);
    await assert.rejects(a.stat('/up/data'), PathNotFoundError);
    await a.delete('/blob');
  });

  for (const [sse, keyId] of [
    ['AES256', ''],
    ['aws:kms', 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
  ] as const) {
    it(`asks for server-side encryption ${sse} on every object it writes`, async () => {
      const driver = new S3Driver({ ...s3.settings, serverSideEncryption: sse, kmsKeyId: keyId });
      const writes: { command: string; sse?: string; keyId?: string }[] = [];
      driver.client.middlewareStack.add(
        (next, context) => async (args) => {
          const headers = (args.request as { headers: Record<string, string> }).headers;
          writes.push({
            command: context.commandName!,
            sse: headers['x-amz-server-side-encryption'],
            keyId: headers['x-amz-server-side-encryption-aws-kms-key-id'],
          });
          return next(args);
        },
        { step: 'finalizeRequest', name: 'recordEncryptionHeaders' },
      );
      await driver.putContent('/sse/small', Buffer.from('small'));
      const writer = await driver.writer('/sse/upload', false);
      await writer.write(chunked(randomBytes(6 * MiB)));
      await writer.commit();
      await driver.move('/sse/upload', '/sse/blob');
      await driver.move('/sse/small', '/sse/moved');
      const expected = { sse, keyId: keyId || undefined };
      const creating = writes.filter((w) =>
        ['PutObjectCommand', 'CopyObjectCommand', 'CreateMultipartUploadCommand'].includes(w.command),
      );
      assert.deepEqual(
        new Set(creating.map((w) => w.command)),
        new Set(['PutObjectCommand', 'CopyObjectCommand', 'CreateMultipartUploadCommand']),
      );
      for (const write of creating) assert.deepEqual({ sse: write.sse, keyId: write.keyId }, expected, write.command);
      await driver.delete('/sse');
    });
  }

  it('copies an object over 5 GiB as equal parts of at most 5 GiB and at least 5 MiB', () => {
    const GiB = 1024 * MiB;
    for (const size of [5 * GiB, 5 * GiB + 1, 12 * GiB + 7, 50 * GiB]) {
      const parts = pieces({ key: 'k', size, modTime: new Date() });
      assert.equal(parts[0]!.start, 0);
      assert.equal(parts.at(-1)!.end, size);
      for (const [i, part] of parts.entries()) {
        assert.ok(
          part.end - part.start <= 5 * GiB && part.end - part.start >= 5 * MiB,
          `${size}: part ${i} has ${part.end - part.start} bytes`,
        );
        if (i > 0) assert.equal(part.start, parts[i - 1]!.end);
      }
      assert.equal(parts.length, Math.ceil(size / (5 * GiB)));
    }
  });
});
