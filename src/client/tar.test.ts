// The bundle's tar writer and reader against each other and against the system's tar (GNU tar):
// what one writes the other reads, bodies streamed, an abandoned body skipped, damage refused.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { scratchDirs } from '../testing/server.js';
import { readAll, readTar, TarError, TarWriter } from './tar.js';

async function written(entries: [string, Buffer][]): Promise<Buffer> {
  const out = new PassThrough();
  const collected = readAll(out);
  const tar = new TarWriter(out);
  for (const [name, bytes] of entries) await tar.entry(name, bytes.length, bytes);
  await tar.finish();
  out.end();
  return collected;
}

async function* pieces(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

describe('bundle tar', () => {
  const dirs = scratchDirs();
  after(() => dirs.remove());
  const entries: [string, Buffer][] = [
    ['oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}')],
    [`blobs/sha256/${'a'.repeat(64)}`, randomBytes(70_000)],
    ['empty', Buffer.alloc(0)],
    ['exactly-a-block', randomBytes(512)],
  ];

  it('reads what it writes, in pieces of any size, and GNU tar reads it too', async () => {
    const archive = await written(entries);
    assert.equal(archive.length % 512, 0);
    for (const size of [1, 511, 4096, archive.length]) {
      const read: [string, Buffer][] = [];
      for await (const entry of readTar(pieces(archive, size))) read.push([entry.name, await readAll(entry.body)]);
      assert.deepEqual(read, entries);
    }
    const dir = dirs.make('berth-tar-');
    writeFileSync(join(dir, 'a.tar'), archive);
    mkdirSync(join(dir, 'out'));
    execFileSync('tar', ['-xf', join(dir, 'a.tar'), '-C', join(dir, 'out')]);
    for (const [name, bytes] of entries) assert.ok(readFileSync(join(dir, 'out', name)).equals(bytes), name);
  });

  it('reads GNU tar (directories skipped, a long name) and skips a body left unread', async () => {
    const dir = dirs.make('berth-tar-');
    const long = `${'d'.repeat(80)}/${'f'.repeat(80)}`;
    mkdirSync(join(dir, 'in', 'd'.repeat(80)), { recursive: true });
    const first = randomBytes(3000);
    const second = randomBytes(10);
    writeFileSync(join(dir, 'in', long), first);
    writeFileSync(join(dir, 'in', 'z'), second);
    execFileSync('tar', ['-cf', join(dir, 'g.tar'), '-C', join(dir, 'in'), 'd'.repeat(80), 'z']);
    const read: Record<string, Buffer> = {};
    for await (const entry of readTar(createReadStream(join(dir, 'g.tar')))) {
      if (entry.name === long) {
        for await (const piece of entry.body) {
          assert.ok(piece.length > 0);
          break; // abandoned part-way: the reader skips the rest
        }
        read[entry.name] = Buffer.alloc(0);
      } else read[entry.name] = await readAll(entry.body);
    }
    assert.deepEqual(Object.keys(read).sort(), [long, 'z']);
    assert.ok(read.z!.equals(second));
  });

  it('writes a size of 8 GiB or more in a PAX header, which it and GNU tar read', async () => {
    const size = 9 * 1024 ** 3;
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const tar = new TarWriter(out);
    const body = (async function* () {
      yield Buffer.alloc(512);
      throw new Error('enough');
    })();
    await assert.rejects(tar.entry(`blobs/sha256/${'b'.repeat(64)}`, size, body), /enough/);
    const head = Buffer.concat(chunks);
    assert.equal(head.length, 4 * 512, 'PAX header, its record, the entry header, one block');
    for await (const entry of readTar(pieces(head, 512))) {
      assert.equal(entry.size, size);
      assert.equal(entry.name, `blobs/sha256/${'b'.repeat(64)}`);
      break;
    }
    const dir = dirs.make('berth-tar-');
    writeFileSync(join(dir, 'big.tar'), head);
    const listing = spawnSync('tar', ['-tvf', join(dir, 'big.tar')], { encoding: 'utf8' });
    assert.match(listing.stdout, new RegExp(`\\s${size}\\s.*blobs/sha256/b{64}`));
  });

  it('refuses damage and a short body', async () => {
    const archive = await written(entries);
    const damaged = Buffer.from(archive);
    damaged[10] = damaged[10]! ^ 1;
    await assert.rejects(async () => {
      for await (const _ of readTar(pieces(damaged, 4096)));
    }, TarError);
    await assert.rejects(async () => {
      for await (const entry of readTar(pieces(archive.subarray(0, 2048), 4096))) await readAll(entry.body);
    }, /the archive ends/);
    const tar = new TarWriter(new PassThrough().resume());
    await assert.rejects(tar.entry('x', 10, Buffer.alloc(9)), /9 bytes where 10 were announced/);
  });
});
