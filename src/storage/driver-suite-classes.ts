// The shared driver suite's part for storage classes: a file moved into the ARCHIVE class keeps
// its path, bytes and place in listings, reads the same whichever class it is in, moves back,
// and is removed by a delete (of the file or of a directory above it) from whichever class.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { StorageDriver } from './driver.js';
import { chunks, isNotFound, readAll } from './driver-suite-fixtures.js';

export function runClassSuite(getDriver: () => StorageDriver, fresh: () => string): void {
  let driver: StorageDriver;
  before(() => {
    driver = getDriver();
  });

  describe('storage classes', () => {
    it('archives a file and restores it, readable whole, by range and positioned throughout', async () => {
      const dir = fresh();
      const path = `${dir}/blobs/ab/data`;
      const bytes = randomBytes(300_000);
      await driver.putContent(path, bytes);
      assert.equal((await driver.stat(path)).storageClass, 'STANDARD');

      await driver.setStorageClass(path, 'ARCHIVE');
      const archived = await driver.stat(path);
      assert.equal(archived.storageClass, 'ARCHIVE');
      assert.equal(archived.size, bytes.length);
      assert.equal(archived.isDir, false);
      assert.deepEqual(await driver.getContent(path), bytes);
      assert.deepEqual(await readAll(await driver.reader(path, 1000, 5000)), bytes.subarray(1000, 6000));
      if (driver.openRandomAccess) {
        const file = await driver.openRandomAccess(path);
        const buffer = Buffer.alloc(10);
        assert.equal(await file.read(buffer, 250_000), 10);
        await file.close();
        assert.deepEqual(buffer, bytes.subarray(250_000, 250_010));
      }
      assert.deepEqual(await driver.list(`${dir}/blobs/ab`), [path]);
      const walked: string[] = [];
      await driver.walk(dir, (info) => {
        if (!info.isDir) walked.push(info.path);
      });
      assert.deepEqual(walked, [path]);
      // Again: nothing to do.
      await driver.setStorageClass(path, 'ARCHIVE');
      assert.equal((await driver.stat(path)).storageClass, 'ARCHIVE');

      await driver.setStorageClass(path, 'STANDARD');
      assert.equal((await driver.stat(path)).storageClass, 'STANDARD');
      assert.deepEqual(await driver.getContent(path), bytes);
      await driver.delete(dir);
    });

    it('deletes an archived file, and a directory with files of both classes', async () => {
      const dir = fresh();
      await driver.putContent(`${dir}/a/archived`, Buffer.from('old'));
      await driver.putContent(`${dir}/a/standard`, Buffer.from('new'));
      await driver.putContent(`${dir}/b/alone`, Buffer.from('alone'));
      await driver.setStorageClass(`${dir}/a/archived`, 'ARCHIVE');
      await driver.setStorageClass(`${dir}/b/alone`, 'ARCHIVE');
      assert.deepEqual(await driver.list(`${dir}/a`), [`${dir}/a/archived`, `${dir}/a/standard`]);
      await driver.delete(`${dir}/b/alone`);
      await assert.rejects(driver.stat(`${dir}/b/alone`), isNotFound);
      await driver.delete(dir);
      await assert.rejects(driver.stat(`${dir}/a/archived`), isNotFound);
      await assert.rejects(driver.getContent(`${dir}/a/archived`), isNotFound);
      await assert.rejects(driver.stat(`${dir}/a/standard`), isNotFound);
    });

    it('moves an archived file to a standard one, and refuses a class for a missing path', async () => {
      const dir = fresh();
      const writer = await driver.writer(`${dir}/upload`, false);
      await writer.write(chunks('part one, ', 'part two'));
      await writer.commit();
      await driver.setStorageClass(`${dir}/upload`, 'ARCHIVE');
      await driver.move(`${dir}/upload`, `${dir}/blob`);
      assert.equal((await driver.stat(`${dir}/blob`)).storageClass, 'STANDARD');
      assert.equal((await driver.getContent(`${dir}/blob`)).toString(), 'part one, part two');
      await assert.rejects(driver.stat(`${dir}/upload`), isNotFound);
      await assert.rejects(driver.setStorageClass(`${dir}/missing`, 'ARCHIVE'), isNotFound);
      await driver.delete(dir);
    });
  });
}
