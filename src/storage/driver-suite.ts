// The one test suite of the storage driver port (driver.ts): every driver (fs, s3, ...) runs it
// from a ten-line test file. It works below one fresh root per run and fails if files are left.
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Readable } from 'node:stream';
import { InvalidOffsetError, InvalidPathError, PathNotFoundError, type FileInfo, type StorageDriver } from './driver.js';

export interface DriverUnderTest {
  driver: StorageDriver;
  /** Releases the driver; may fail when it finds something the suite should have removed. */
  teardown(): Promise<void>;
}

const MiB = 1 << 20;

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

async function* chunks(...parts: (string | Uint8Array)[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? Buffer.from(part) : part;
}

/** `count` chunks of `size` bytes, each fresh (a driver may hold a chunk until it is written). */
async function* generated(count: number, size: number, hash: ReturnType<typeof createHash>): AsyncIterable<Uint8Array> {
  for (let i = 0; i < count; i++) {
    const chunk = Buffer.alloc(size, i % 251);
    chunk.writeUInt32BE(i, 0);
    hash.update(chunk);
    yield chunk;
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const isNotFound = (err: unknown) => err instanceof PathNotFoundError;
const isInvalidPath = (err: unknown) => err instanceof InvalidPathError;
const isInvalidOffset = (err: unknown) => err instanceof InvalidOffsetError;

export function runDriverSuite(name: string, factory: () => Promise<DriverUnderTest>): void {
  describe(`storage driver suite: ${name}`, () => {
    let subject: DriverUnderTest;
    let driver: StorageDriver;
    // One fresh root per run keeps runs apart (a shared bucket, say) and bounds the final check.
    const root = `/driver-suite-${randomUUID()}`;
    let dirs = 0;
    /** A fresh directory path for one test. */
    const fresh = () => `${root}/t${++dirs}`;

    before(async () => {
      subject = await factory();
      driver = subject.driver;
    });

    after(async () => {
      // Every test deletes what it made; a file still here is a leak (a temp file, a failed
      // cancel, a delete that left children) and fails the suite.
      const failures: unknown[] = [];
      try {
        const left: string[] = [];
        await driver.walk(root, (info) => {
          if (!info.isDir) left.push(info.path);
        }).catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)));
        assert.deepEqual(left, [], `files left behind under ${root}`);
        await driver.delete(root).catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)));
      } catch (err) {
        failures.push(err);
      }
      await subject.teardown().catch((err) => failures.push(err));
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) throw new AggregateError(failures, `driver suite teardown failed: ${failures.map((f) => (f as Error).message).join('; ')}`);
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
        const expected = [...names, 'sub'].map((n) => `${dir}/${n}`).sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
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
        for (const p of ['tree/a', 'tree/b/c', 'tree/b/d/e', 'tree-sibling', 'treeish/f']) await driver.putContent(`${dir}/${p}`, Buffer.from(p));
        await driver.delete(`${dir}/tree`);
        for (const p of ['tree', 'tree/a', 'tree/b', 'tree/b/d/e']) await assert.rejects(driver.stat(`${dir}/${p}`), isNotFound, p);
        assert.deepEqual(await driver.list(dir), [`${dir}/tree-sibling`, `${dir}/treeish`]);
        await driver.delete(dir);
        await assert.rejects(driver.stat(dir), isNotFound);
      });

      it('fails with PathNotFoundError for a missing path', async () => {
        await assert.rejects(driver.delete(`${fresh()}/missing`), isNotFound);
      });
    });

    describe('walk', () => {
      it('visits every file below the path, parents before children', async () => {
        const dir = fresh();
        const files = new Map([['a', 1], ['b/c', 2], ['b/d/e', 3], ['b/d/f', 4], ['g/h/i/j', 5]]);
        for (const [p, size] of files) await driver.putContent(`${dir}/${p}`, randomBytes(size));
        const visited: FileInfo[] = [];
        await driver.walk(dir, (info) => {
          visited.push(info);
        });
        const seenFiles = new Map(visited.filter((i) => !i.isDir).map((i) => [i.path, i.size]));
        assert.deepEqual(seenFiles, new Map([...files].map(([p, size]) => [`${dir}/${p}`, size])));
        assert.equal(new Set(visited.map((i) => i.path)).size, visited.length, 'each path once');
        for (const [i, info] of visited.entries()) {
          if (info.isDir) assert.ok([...seenFiles.keys()].some((f) => f.startsWith(`${info.path}/`)), `${info.path} holds a file`);
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
        await assert.rejects(driver.walk(`${fresh()}/missing`, () => undefined), isNotFound);
      });
    });

    describe('paths', () => {
      const invalid = ['', 'relative', 'relative/path', '/a/../b', '/a/..', '/..', '/a//b', '/a/./b', '/.', '/a/', '/a b', '/a\\b'];

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
          await assert.rejects(driver.walk(path, () => undefined), isInvalidPath, `walk ${label}`);
        }
      });
    });
  });
}
