// The shared driver suite's part for the tree of paths: stat, list, move, delete and walk, and the
// paths every operation refuses.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { FileInfo, StorageDriver } from './driver.js';
import { isInvalidPath, isNotFound } from './driver-suite-fixtures.js';

export function runTreeSuite(getDriver: () => StorageDriver, fresh: () => string): void {
  let driver: StorageDriver;
  before(() => {
    driver = getDriver();
  });

  describe('stat', () => {
    it('describes files and directories', async () => {
      const dir = fresh();
      const started = Date.now();
      await driver.putContent(`${dir}/sub/file`, Buffer.from('12345'));
      const file = await driver.stat(`${dir}/sub/file`);
      assert.equal(file.path, `${dir}/sub/file`);
      assert.equal(file.size, 5);
      assert.equal(file.isDir, false);
      assert.ok(file.modTime instanceof Date);
      assert.ok(Math.abs(file.modTime.getTime() - started) < 60_000, 'modTime is about now');
      const sub = await driver.stat(`${dir}/sub`);
      assert.equal(sub.path, `${dir}/sub`);
      assert.equal(sub.isDir, true);
      await driver.delete(dir);
    });

    it('fails with PathNotFoundError for a missing path', async () => {
      await assert.rejects(driver.stat(`${fresh()}/missing`), isNotFound);
    });
  });

  describe('list', () => {
    it('lists direct children as full paths in byte order', async () => {
      const dir = fresh();
      // Byte order: digits < uppercase < "_" < lowercase; "-" < "." < "/" inside names.
      const names = ['b', 'a', 'B', 'a-b', 'a.b', 'a_b', '0', 'Z', 'a.tmp', 'data'];
      for (const n of names) await driver.putContent(`${dir}/${n}`, Buffer.from(n));
      await driver.putContent(`${dir}/sub/child/grandchild`, Buffer.from('x'));
      const expected = [...names, 'sub']
        .map((n) => `${dir}/${n}`)
        .sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      assert.deepEqual(await driver.list(dir), expected);
      assert.deepEqual(await driver.list(`${dir}/sub`), [`${dir}/sub/child`]);
      await driver.delete(dir);
    });

    it('fails with PathNotFoundError for a missing directory', async () => {
      await assert.rejects(driver.list(`${fresh()}/missing`), isNotFound);
    });
  });

  describe('move', () => {
    it('moves a file, creating the destination parents', async () => {
      const dir = fresh();
      await driver.putContent(`${dir}/from/file`, Buffer.from('moved'));
      await driver.move(`${dir}/from/file`, `${dir}/to/a/b/file`);
      assert.equal((await driver.getContent(`${dir}/to/a/b/file`)).toString(), 'moved');
      await assert.rejects(driver.stat(`${dir}/from/file`), isNotFound);
      await driver.delete(dir);
    });

    it('replaces the destination', async () => {
      const dir = fresh();
      await driver.putContent(`${dir}/source`, Buffer.from('new'));
      await driver.putContent(`${dir}/destination`, Buffer.from('old and longer'));
      await driver.move(`${dir}/source`, `${dir}/destination`);
      assert.equal((await driver.getContent(`${dir}/destination`)).toString(), 'new');
      assert.deepEqual(await driver.list(dir), [`${dir}/destination`]);
      await driver.delete(dir);
    });

    it('fails with PathNotFoundError for a missing source, leaving the destination alone', async () => {
      const dir = fresh();
      await assert.rejects(driver.move(`${dir}/missing`, `${dir}/to/file`), isNotFound);
      await assert.rejects(driver.stat(`${dir}/to/file`), isNotFound);
      await assert.rejects(driver.stat(`${dir}/to`), isNotFound, 'a failed move creates nothing');
      await driver.putContent(`${dir}/kept`, Buffer.from('kept'));
      await assert.rejects(driver.move(`${dir}/missing`, `${dir}/kept`), isNotFound);
      assert.equal((await driver.getContent(`${dir}/kept`)).toString(), 'kept');
      await driver.delete(dir);
    });
  });

  describe('delete', () => {
    it('deletes a file and leaves its siblings', async () => {
      const dir = fresh();
      await driver.putContent(`${dir}/gone`, Buffer.from('x'));
      await driver.putContent(`${dir}/stays`, Buffer.from('y'));
      await driver.delete(`${dir}/gone`);
      await assert.rejects(driver.stat(`${dir}/gone`), isNotFound);
      assert.deepEqual(await driver.list(dir), [`${dir}/stays`]);
      await driver.delete(dir);
    });

    it('deletes a directory tree, and only that tree', async () => {
      const dir = fresh();
      for (const p of ['tree/a', 'tree/b/c', 'tree/b/d/e', 'tree-sibling', 'treeish/f'])
        await driver.putContent(`${dir}/${p}`, Buffer.from(p));
      await driver.delete(`${dir}/tree`);
      for (const p of ['tree', 'tree/a', 'tree/b', 'tree/b/d/e'])
        await assert.rejects(driver.stat(`${dir}/${p}`), isNotFound, p);
      assert.deepEqual(await driver.list(dir), [`${dir}/tree-sibling`, `${dir}/treeish`]);
      await driver.delete(dir);
      await assert.rejects(driver.stat(dir), isNotFound);
    });

    it('fails with PathNotFoundError for a missing path', async () => {
      await assert.rejects(driver.delete(`${fresh()}/missing`), isNotFound);
    });
  });

  describe('deleteFiles', () => {
    it('deletes many files in one call, in either storage class, skipping missing ones and leaving the rest', async () => {
      const dir = fresh();
      const doomed = Array.from({ length: 40 }, (_, i) => `${dir}/blobs/${String(i % 7).padStart(2, '0')}/f${i}/data`);
      for (const path of doomed) await driver.putContent(path, randomBytes(64));
      await driver.putContent(`${dir}/blobs/00/f0/data-sibling`, Buffer.from('kept'));
      await driver.putContent(`${dir}/blobs/00/kept`, Buffer.from('kept'));
      // Some archived: deleted from whichever class they are in.
      for (const path of doomed.slice(0, 5)) await driver.setStorageClass(path, 'ARCHIVE');
      await driver.deleteFiles([...doomed, `${dir}/blobs/09/missing/data`]);
      for (const path of doomed) await assert.rejects(driver.stat(path), isNotFound, path);
      const left: string[] = [];
      await driver.walk(dir, (info) => {
        if (!info.isDir) left.push(info.path);
      });
      assert.deepEqual(left.sort(), [`${dir}/blobs/00/f0/data-sibling`, `${dir}/blobs/00/kept`]);
      // Again, and with nothing: no error.
      await driver.deleteFiles(doomed);
      await driver.deleteFiles([]);
      await driver.delete(dir);
    });

    it('refuses an invalid path', async () => {
      await assert.rejects(driver.deleteFiles([`${fresh()}/ok`, '/a/../b']), isInvalidPath);
    });
  });

  describe('deleteEmptyDirectory', () => {
    it('leaves a directory with a file, and leaves nothing behind of an empty one', async () => {
      const dir = fresh();
      await driver.putContent(`${dir}/kept/file`, Buffer.from('x'));
      await driver.deleteEmptyDirectory(`${dir}/kept`);
      assert.deepEqual(await driver.getContent(`${dir}/kept/file`), Buffer.from('x'));
      await driver.delete(`${dir}/kept/file`);
      await driver.deleteEmptyDirectory(`${dir}/kept`);
      await assert.rejects(driver.stat(`${dir}/kept`), isNotFound);
      // A missing directory is no error, and a file put there afterwards is stored.
      await driver.deleteEmptyDirectory(`${dir}/kept`);
      await driver.putContent(`${dir}/kept/again`, Buffer.from('y'));
      assert.deepEqual(await driver.getContent(`${dir}/kept/again`), Buffer.from('y'));
      await driver.delete(dir);
    });
  });

  describe('walk', () => {
    it('visits every file below the path, parents before children', async () => {
      const dir = fresh();
      const files = new Map([
        ['a', 1],
        ['b/c', 2],
        ['b/d/e', 3],
        ['b/d/f', 4],
        ['g/h/i/j', 5],
      ]);
      for (const [p, size] of files) await driver.putContent(`${dir}/${p}`, randomBytes(size));
      const visited: FileInfo[] = [];
      await driver.walk(dir, (info) => {
        visited.push(info);
      });
      const seenFiles = new Map(visited.filter((i) => !i.isDir).map((i) => [i.path, i.size]));
      assert.deepEqual(seenFiles, new Map([...files].map(([p, size]) => [`${dir}/${p}`, size])));
      assert.equal(new Set(visited.map((i) => i.path)).size, visited.length, 'each path once');
      for (const [i, info] of visited.entries()) {
        if (info.isDir)
          assert.ok(
            [...seenFiles.keys()].some((f) => f.startsWith(`${info.path}/`)),
            `${info.path} holds a file`,
          );
        const parent = info.path.slice(0, info.path.lastIndexOf('/'));
        const at = visited.findIndex((v) => v.path === parent);
        if (at !== -1) assert.ok(at < i, `${parent} is visited before ${info.path}`);
      }
      // An async visitor is awaited.
      let count = 0;
      await driver.walk(`${dir}/b`, async (info) => {
        await new Promise((r) => setTimeout(r, 1));
        if (!info.isDir) count++;
      });
      assert.equal(count, 3);
      await driver.delete(dir);
    });

    it('fails with PathNotFoundError for a missing path', async () => {
      await assert.rejects(
        driver.walk(`${fresh()}/missing`, () => undefined),
        isNotFound,
      );
    });
  });

  describe('paths', () => {
    const invalid = [
      '',
      'relative',
      'relative/path',
      '/a/../b',
      '/a/..',
      '/..',
      '/a//b',
      '/a/./b',
      '/.',
      '/a/',
      '/a b',
      '/a\\b',
    ];

    it('rejects invalid paths with InvalidPathError in every operation', async () => {
      const valid = `${fresh()}/file`;
      for (const path of invalid) {
        const label = JSON.stringify(path);
        await assert.rejects(driver.getContent(path), isInvalidPath, `getContent ${label}`);
        await assert.rejects(driver.putContent(path, Buffer.from('x')), isInvalidPath, `putContent ${label}`);
        await assert.rejects(driver.reader(path), isInvalidPath, `reader ${label}`);
        await assert.rejects(driver.writer(path, false), isInvalidPath, `writer ${label}`);
        await assert.rejects(driver.writer(path, true), isInvalidPath, `writer append ${label}`);
        await assert.rejects(driver.stat(path), isInvalidPath, `stat ${label}`);
        await assert.rejects(driver.list(path), isInvalidPath, `list ${label}`);
        await assert.rejects(driver.move(path, valid), isInvalidPath, `move from ${label}`);
        await assert.rejects(driver.move(valid, path), isInvalidPath, `move to ${label}`);
        await assert.rejects(driver.delete(path), isInvalidPath, `delete ${label}`);
        await assert.rejects(
          driver.walk(path, () => undefined),
          isInvalidPath,
          `walk ${label}`,
        );
      }
    });
  });
}
