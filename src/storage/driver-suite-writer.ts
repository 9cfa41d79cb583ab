// The shared driver suite's part for writers: new files and appends across sessions, commit and
// cancel, a failing source, and a 64 MiB stream.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { StorageDriver } from './driver.js';
import { chunks, generated, isNotFound, MiB, readAll } from './driver-suite-fixtures.js';

export function runWriterSuite(getDriver: () => StorageDriver, fresh: () => string): void {
  let driver: StorageDriver;
  before(() => {
    driver = getDriver();
  });

  describe('writer', () => {
    it('writes a new file, counting every write, and commits it', async () => {
      const dir = fresh();
      const path = `${dir}/new/file`;
      const writer = await driver.writer(path, false);
      assert.equal(writer.size, 0);
      assert.equal(await writer.write(chunks('hello', ', ')), 7);
      assert.equal(writer.size, 7);
      assert.equal(await writer.write(chunks('world')), 5);
      assert.equal(writer.size, 12);
      await writer.commit();
      assert.equal((await driver.getContent(path)).toString(), 'hello, world');
      assert.equal((await driver.stat(path)).size, 12);
      await assert.rejects(writer.write(chunks('more')), 'a committed writer is closed');
      await driver.delete(dir);
    });

    it('without append starts empty, replacing what was there', async () => {
      const dir = fresh();
      const path = `${dir}/file`;
      await driver.putContent(path, Buffer.from('old content that is long'));
      const writer = await driver.writer(path, false);
      assert.equal(writer.size, 0);
      await writer.write(chunks('new'));
      await writer.commit();
      assert.equal((await driver.getContent(path)).toString(), 'new');
      await driver.delete(dir);
    });

    it('with append on a missing file starts empty', async () => {
      const dir = fresh();
      const writer = await driver.writer(`${dir}/file`, true);
      assert.equal(writer.size, 0);
      await writer.write(chunks('abc'));
      await writer.commit();
      assert.equal((await driver.getContent(`${dir}/file`)).toString(), 'abc');
      await driver.delete(dir);
    });

    it('appends across several writer sessions: close, reopen with append, continue', async () => {
      const dir = fresh();
      const path = `${dir}/upload`;
      const parts = [randomBytes(1000), randomBytes(3 * MiB + 7), randomBytes(1), randomBytes(64 * 1024)];
      let expected = 0;
      for (const [i, part] of parts.entries()) {
        const writer = await driver.writer(path, i > 0);
        assert.equal(writer.size, expected, `session ${i} opens at the size the last one left`);
        assert.equal(await writer.write(chunks(part)), part.length);
        expected += part.length;
        assert.equal(writer.size, expected);
        await writer.close();
        // What a closed writer wrote is there for the next session (and for upload progress).
        assert.equal((await driver.stat(path)).size, expected);
      }
      const last = await driver.writer(path, true);
      assert.equal(last.size, expected);
      await last.commit();
      assert.deepEqual(await driver.getContent(path), Buffer.concat(parts));
      assert.deepEqual(await readAll(await driver.reader(path, 1000, 5)), parts[1]!.subarray(0, 5));
      await driver.delete(dir);
    });

    it('cancel removes the file, with what earlier sessions wrote', async () => {
      const dir = fresh();
      const path = `${dir}/upload`;
      const first = await driver.writer(path, false);
      await first.write(chunks('earlier session'));
      await first.close();
      const second = await driver.writer(path, true);
      await second.write(chunks(' and this one'));
      await second.cancel();
      await assert.rejects(driver.stat(path), isNotFound);
      await assert.rejects(driver.getContent(path), isNotFound);
      const fresh1 = await driver.writer(path, true);
      assert.equal(fresh1.size, 0, 'a cancelled file does not come back');
      await fresh1.cancel();
      await assert.rejects(driver.stat(path), isNotFound);
      // The directory it leaves empty stays on a file system and is gone from an object store
      // (where directories are key prefixes): either is right.
      await driver.delete(dir).catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)));
    });

    it('keeps its size true to the file when the source fails midway', async () => {
      const dir = fresh();
      const path = `${dir}/upload`;
      const writer = await driver.writer(path, false);
      async function* failing(): AsyncIterable<Uint8Array> {
        yield Buffer.from('abc');
        yield Buffer.from('defg');
        throw new Error('client went away');
      }
      await assert.rejects(writer.write(failing()), /client went away/);
      await writer.close();
      assert.equal((await driver.stat(path)).size, writer.size);
      const next = await driver.writer(path, true);
      assert.equal(next.size, writer.size);
      await next.write(chunks('!'));
      await next.commit();
      const bytes = await driver.getContent(path);
      assert.equal(bytes.length, writer.size + 1);
      assert.ok('abcdefg!'.startsWith(bytes.subarray(0, -1).toString()) && bytes.subarray(-1).toString() === '!');
      await driver.delete(dir);
    });

    it('releases each chunk once, only when done with it: reusing a released chunk changes nothing stored', async () => {
      const dir = fresh();
      const path = `${dir}/released`;
      const sent = Array.from({ length: 48 }, (_, i) => Buffer.alloc(256 * 1024, i + 1));
      const expected = Buffer.concat(sent);
      const released = new Set<Uint8Array>();
      const writer = await driver.writer(path, false);
      async function* source(): AsyncIterable<Uint8Array> {
        yield* sent;
      }
      await writer.write(source(), (chunk) => {
        assert.ok(!released.has(chunk), 'a chunk is released once');
        released.add(chunk);
        chunk.fill(0xee); // as a caller reusing the memory would
      });
      await writer.commit();
      assert.equal(released.size, sent.length, 'every chunk is released by the commit');
      assert.ok((await driver.getContent(path)).equals(expected), 'the file holds the bytes as they were when written');
      await driver.delete(dir);
    });

    it('streams 64 MiB of 1 MiB chunks and reads back the same sha256', async () => {
      const dir = fresh();
      const path = `${dir}/big`;
      const written = createHash('sha256');
      const writer = await driver.writer(path, false);
      assert.equal(await writer.write(generated(64, MiB, written)), 64 * MiB);
      assert.equal(writer.size, 64 * MiB);
      await writer.commit();
      assert.equal((await driver.stat(path)).size, 64 * MiB);
      const read = createHash('sha256');
      for await (const part of await driver.reader(path)) read.update(part as Buffer);
      assert.equal(read.digest('hex'), written.digest('hex'));
      const tail = await readAll(await driver.reader(path, 64 * MiB - 10));
      assert.equal(tail.length, 10);
      assert.ok(tail.equals(Buffer.alloc(10, 63 % 251)));
      await driver.delete(dir);
    });
  });
}
