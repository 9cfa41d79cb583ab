// The shared driver suite's part for whole-file content and ranged reads: putContent is atomic,
// reader streams from an offset for a length, and both fail as the port says.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { StorageDriver } from './driver.js';
import { isInvalidOffset, isNotFound, MiB, readAll, sha256 } from './driver-suite-fixtures.js';

export function runReadSuite(getDriver: () => StorageDriver, fresh: () => string): void {
  let driver: StorageDriver;
  before(() => {
    driver = getDriver();
  });

  describe('getContent and putContent', () => {
    it('round-trips bytes, empty content included, and creates parents', async () => {
      const dir = fresh();
      const bytes = randomBytes(70_000);
      await driver.putContent(`${dir}/deep/er/file`, bytes);
      assert.deepEqual(await driver.getContent(`${dir}/deep/er/file`), bytes);
      await driver.putContent(`${dir}/empty`, new Uint8Array(0));
      assert.equal((await driver.getContent(`${dir}/empty`)).length, 0);
      assert.equal((await driver.stat(`${dir}/empty`)).size, 0);
      await driver.delete(dir);
    });

    it('overwrites, with longer and with shorter content', async () => {
      const dir = fresh();
      const path = `${dir}/file`;
      await driver.putContent(path, Buffer.from('first version'));
      await driver.putContent(path, Buffer.from('a much longer second version'));
      assert.equal((await driver.getContent(path)).toString(), 'a much longer second version');
      await driver.putContent(path, Buffer.from('short'));
      assert.equal((await driver.getContent(path)).toString(), 'short');
      assert.equal((await driver.stat(path)).size, 5);
      // Not durable (no fsync) is still a whole replacement.
      await driver.putContent(path, Buffer.from('not flushed, still whole'), { durable: false });
      assert.equal((await driver.getContent(path)).toString(), 'not flushed, still whole');
      assert.deepEqual(
        (await driver.list(dir)).map((p) => p.slice(dir.length)),
        ['/file'],
        'no temporary file left',
      );
      await driver.delete(dir);
    });

    it('is atomic: readers see a whole version and list never shows a temporary file', async () => {
      const dir = fresh();
      const path = `${dir}/file`;
      const versions = [randomBytes(2 * MiB), randomBytes(2 * MiB), randomBytes(2 * MiB)];
      const hashes = new Set(versions.map(sha256));
      await driver.putContent(path, versions[0]!);
      let writing = true;
      const writes = (async () => {
        try {
          for (let round = 0; round < 6; round++) await Promise.all(versions.map((v) => driver.putContent(path, v)));
        } finally {
          writing = false;
        }
      })();
      let observations = 0;
      while (writing) {
        assert.deepEqual(await driver.list(dir), [path]);
        assert.ok(hashes.has(sha256(await driver.getContent(path))), 'a reader saw a partial or mixed file');
        observations++;
      }
      await writes;
      assert.ok(observations > 0);
      assert.deepEqual(await driver.list(dir), [path]);
      await driver.delete(dir);
    });

    it('fails with PathNotFoundError for a missing file', async () => {
      await assert.rejects(driver.getContent(`${fresh()}/missing`), isNotFound);
    });
  });

  describe('reader', () => {
    const content = Buffer.from('0123456789abcdefghij');

    it('streams everything, from an offset, and a length from an offset', async () => {
      const dir = fresh();
      const path = `${dir}/file`;
      await driver.putContent(path, content);
      assert.deepEqual(await readAll(await driver.reader(path)), content);
      assert.deepEqual(await readAll(await driver.reader(path, 0)), content);
      assert.equal((await readAll(await driver.reader(path, 10))).toString(), 'abcdefghij');
      assert.equal((await readAll(await driver.reader(path, 3, 4))).toString(), '3456');
      assert.equal((await readAll(await driver.reader(path, 0, 1))).toString(), '0');
      assert.equal((await readAll(await driver.reader(path, 19, 1))).toString(), 'j');
      // A length past the end stops at the end.
      assert.equal((await readAll(await driver.reader(path, 15, 100))).toString(), 'fghij');
      await driver.delete(dir);
    });

    it('streams nothing at the end, for a zero length, and for an empty file', async () => {
      const dir = fresh();
      await driver.putContent(`${dir}/file`, content);
      await driver.putContent(`${dir}/empty`, new Uint8Array(0));
      assert.equal((await readAll(await driver.reader(`${dir}/file`, content.length))).length, 0);
      assert.equal((await readAll(await driver.reader(`${dir}/file`, 5, 0))).length, 0);
      assert.equal((await readAll(await driver.reader(`${dir}/empty`))).length, 0);
      assert.equal((await readAll(await driver.reader(`${dir}/empty`, 0, 10))).length, 0);
      await driver.delete(dir);
    });

    it('rejects an offset past the end or below zero with InvalidOffsetError', async () => {
      const dir = fresh();
      const path = `${dir}/file`;
      await driver.putContent(path, content);
      await assert.rejects(driver.reader(path, content.length + 1), isInvalidOffset);
      await assert.rejects(driver.reader(path, 1_000_000, 5), isInvalidOffset);
      await assert.rejects(driver.reader(path, -1), isInvalidOffset);
      await driver.putContent(`${dir}/empty`, new Uint8Array(0));
      await assert.rejects(driver.reader(`${dir}/empty`, 1), isInvalidOffset);
      await driver.delete(dir);
    });

    it('fails before streaming with PathNotFoundError for a missing file', async () => {
      await assert.rejects(driver.reader(`${fresh()}/missing`), isNotFound);
      await assert.rejects(driver.reader(`${fresh()}/missing`, 0, 1), isNotFound);
    });
  });
}
