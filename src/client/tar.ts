// A minimal tar (POSIX ustar) writer and reader for bundles, streaming both ways: an entry's body
// is piped through as it arrives, never held whole, so memory stays flat whatever the size.
// Regular files only; a size of 8 GiB or more goes in a PAX header ("size"), as GNU tar and
// skopeo read it. The reader also takes GNU base-256 sizes and skips directories, links and
// other entry types (an OCI image layout holds regular files only).
import { once } from 'node:events';
import type { Writable } from 'node:stream';

const BLOCK = 512;
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

/** Reads exact amounts from a stream of chunks, keeping only what is not yet asked for. */
class ByteReader {
  private pending: Buffer = Buffer.alloc(0);
  private readonly source: AsyncIterator<Uint8Array>;

  constructor(input: AsyncIterable<Uint8Array>) {
    this.source = input[Symbol.asyncIterator]();
  }

  private async more(): Promise<boolean> {
    const next = await this.source.next();
    if (next.done) return false;
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.length);
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    return true;
  }

  /** Exactly `n` bytes (n is small: a header), or undefined at the end of the input. */
  async exact(n: number): Promise<Buffer | undefined> {
    while (this.pending.length < n) if (!(await this.more())) return undefined;
    const out = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(n);
    return out;
  }

  /** The next `n` bytes as they arrive, in pieces. */
  async *pieces(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (!this.pending.length && !(await this.more())) throw new TarError('the archive ends inside an entry');
      const piece = this.pending.subarray(0, Math.min(left, this.pending.length));
      this.pending = this.pending.subarray(piece.length);
      left -= piece.length;
      yield piece;
    }
  }

  async skip(n: number): Promise<void> {
    for await (const _ of this.pieces(n));
  }
}

export interface TarEntry {
  name: string;
  size: number;
  /** The entry's bytes; read them before asking for the next entry (unread bytes are skipped). */
  body: AsyncGenerator<Buffer>;
}

function field(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

function sizeField(block: Buffer): number {
  if (block[124]! & 0x80) {
    let value = 0;
    for (let i = 125; i < 136; i++) value = value * 256 + block[i]!;
    return value;
  }
  const text = field(block, 124, 12).trim();
  if (!/^[0-7]*$/.test(text)) throw new TarError('not a tar archive (bad size field)');
  return text ? Number.parseInt(text, 8) : 0;
}

function checksumOk(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  return Number.parseInt(field(block, 148, 8).trim(), 8) === sum;
}

function paxValues(bytes: Buffer): Record<string, string> {
  const values: Record<string, string> = {};
  const text = bytes.toString('utf8');
  for (let at = 0; at < text.length; ) {
    const space = text.indexOf(' ', at);
    const length = Number.parseInt(text.slice(at, space), 10);
    if (space < 0 || !(length > 0)) break;
    const record = text.slice(space + 1, at + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0) values[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return values;
}

/** The regular files of a tar stream, in order. Throws TarError on a malformed archive. */
export async function* readTar(input: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(input);
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  for (;;) {
    const block = await reader.exact(BLOCK);
    if (!block) throw new TarError('the archive ends without its end-of-archive blocks');
    if (block.every((b) => b === 0)) return;
    if (!checksumOk(block)) throw new TarError('not a tar archive (header checksum mismatch)');
    const type = String.fromCharCode(block[156]!) || '0';
    const size = sizeField(block);
    const padded = size + ((BLOCK - (size % BLOCK)) % BLOCK);
    if (type === 'x' || type === 'L') {
      const data = (await readAll(reader.pieces(padded))).subarray(0, size);
      if (type === 'x') pax = { ...pax, ...paxValues(data) };
      else longName = field(data, 0, data.length);
      continue;
    }
    const prefix = field(block, 345, 155);
    const name = pax.path ?? longName ?? (prefix ? `${prefix}/${field(block, 0, 100)}` : field(block, 0, 100));
    const entrySize = pax.size !== undefined ? Number(pax.size) : size;
    const entryPadded = entrySize + ((BLOCK - (entrySize % BLOCK)) % BLOCK);
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
