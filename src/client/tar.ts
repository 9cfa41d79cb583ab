// A minimal tar (POSIX ustar) writer and reader for bundles, streaming both ways: an entry's body
// is piped through as it arrives, never held whole, so memory stays flat whatever the size.
// Regular files only; a size of 8 GiB or more goes in a PAX header ("size"), as GNU tar and
// skopeo read it. The reader also takes GNU base-256 sizes and skips directories, links and
// other entry types (an OCI image layout holds regular files only); the header fields are read
// by domain/tar-format.ts, as the scanner's layer walk reads them.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { paxValues, TAR_BLOCK as BLOCK, TarChunks, tarHeader, tarPadded, tarText } from '../domain/tar-format.js';

const ZEROS = Buffer.alloc(BLOCK * 2);
const USTAR_MAX_SIZE = 0o77777777777;

/** All of a (small) stream's bytes. */
export async function readAll(input: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
  return Buffer.concat(chunks);
}

export class TarError extends Error {
  override name = 'TarError';
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, size: number, type: '0' | 'x', mtime: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length > 100) throw new TarError(`tar entry name too long: ${name}`);
  bytes.copy(block, 0);
  block.write(octal(0o644, 8), 100, 'ascii');
  block.write(octal(0, 8), 108, 'ascii');
  block.write(octal(0, 8), 116, 'ascii');
  block.write(octal(size > USTAR_MAX_SIZE ? 0 : size, 12), 124, 'ascii');
  block.write(octal(mtime, 12), 136, 'ascii');
  block.write('        ', 148, 'ascii');
  block.write(type, 156, 'ascii');
  block.write('ustar\u000000', 257, 'ascii');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (`${length}${body}`.length !== length) length++;
  return `${length}${body}`;
}

/** Writes entries to `out`, waiting for it to drain (back-pressure): a slow reader slows the writer, memory does not grow. */
export class TarWriter {
  private readonly mtime = Math.floor(Date.now() / 1000);

  constructor(private readonly out: Writable) {}

  private async write(chunk: Buffer): Promise<void> {
    if (this.out.destroyed) throw new TarError('the output was closed');
    if (!this.out.write(chunk)) await Promise.race([once(this.out, 'drain'), once(this.out, 'close')]);
  }

  /** One file of exactly `size` bytes, read from `body` as it comes. */
  async entry(name: string, size: number, body: AsyncIterable<Uint8Array> | Buffer): Promise<void> {
    if (size > USTAR_MAX_SIZE) {
      const pax = Buffer.from(paxRecord('size', String(size)), 'utf8');
      await this.write(header(`PaxHeaders/${name}`.slice(0, 100), pax.length, 'x', this.mtime));
      await this.write(Buffer.concat([pax, Buffer.alloc((BLOCK - (pax.length % BLOCK)) % BLOCK)]));
    }
    await this.write(header(name, size, '0', this.mtime));
    let written = 0;
    for await (const chunk of Buffer.isBuffer(body) ? [body] : body) {
      written += chunk.length;
      if (written > size) throw new TarError(`${name}: more than the ${size} bytes announced`);
      await this.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    }
    if (written !== size) throw new TarError(`${name}: ${written} bytes where ${size} were announced`);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) await this.write(ZEROS.subarray(0, pad));
  }

  /** The two zero blocks that end an archive. */
  async finish(): Promise<void> {
    await this.write(ZEROS);
  }
}

export interface TarEntry {
  name: string;
  size: number;
  /** The entry's bytes; read them before asking for the next entry (unread bytes are skipped). */
  body: AsyncGenerator<Buffer>;
}

/** The regular files of a tar stream, in order. Throws TarError on a malformed archive. */
export async function* readTar(input: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const fail = (message: string) => new TarError(message);
  const reader = new TarChunks(input, fail);
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  for (;;) {
    const block = await reader.exact(BLOCK);
    if (!block) throw new TarError('the archive ends without its end-of-archive blocks');
    if (block.every((b) => b === 0)) return;
    const header = tarHeader(block, fail);
    const type = header.flag;
    const size = header.size;
    if (type === 'x' || type === 'L') {
      const data = (await reader.whole(tarPadded(size))).subarray(0, size);
      if (type === 'x') pax = { ...pax, ...paxValues(data) };
      else longName = tarText(data, 0, data.length);
      continue;
    }
    const name = pax.path ?? longName ?? header.name;
    const entrySize = pax.size !== undefined ? Number(pax.size) : size;
    const entryPadded = tarPadded(entrySize);
    pax = {};
    longName = undefined;
    if (type !== '0' && type !== '\0' && type !== '7') {
      await reader.skip(entryPadded);
      continue;
    }
    let read = 0;
    const body = (async function* () {
      for await (const piece of reader.pieces(entrySize)) {
        read += piece.length;
        yield piece;
      }
    })();
    yield { name: name.replace(/^\.\//, ''), size: entrySize, body };
    // A body left unread, or abandoned part-way (its generator closed), is skipped to the next header.
    await reader.skip(entryPadded - read);
  }
}
