// The tar format, read: a header block's fields (names with the ustar prefix, octal or GNU
// base-256 numbers, the checksum), PAX records, and a reader of exact amounts over a stream of
// chunks. Pure (it reads only the chunks it is given), shared by the layer walk of scanning
// (scanning/tar-entries.ts) and the bundle reader (client/tar.ts), each failing with its own error.

export const TAR_BLOCK = 512;

/** Makes the caller's error for a malformed archive. */
export type TarFail = (message: string) => Error;

/** `n` rounded up to whole blocks. */
export function tarPadded(n: number): number {
  return n + ((TAR_BLOCK - (n % TAR_BLOCK)) % TAR_BLOCK);
}

/** A NUL-terminated text field. */
export function tarText(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

/** A numeric field: octal text, or GNU base-256 when its first byte's high bit is set. */
export function tarNumber(block: Buffer, offset: number, length: number, fail: TarFail): number {
  if (block[offset]! & 0x80) {
    let value = 0;
    for (let i = offset + 1; i < offset + length; i++) value = value * 256 + block[i]!;
    return value;
  }
  const value = tarText(block, offset, length).trim();
  if (!/^[0-7]*$/.test(value)) throw fail('not a tar archive (bad numeric field)');
  return value ? Number.parseInt(value, 8) : 0;
}

/** Whether the header block's checksum holds (its own field counted as spaces). */
export function tarChecksumOk(block: Buffer, fail: TarFail): boolean {
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  return tarNumber(block, 148, 8, fail) === sum;
}

export interface TarHeader {
  /** The ustar name, with its prefix. */
  name: string;
  linkName: string;
  /** The type flag ('0', '5', 'x', 'L', …; '\0' for an old regular file). */
  flag: string;
  size: number;
  mode: number;
}

/** A header block's fields; throws `fail`'s error when the checksum does not hold. */
export function tarHeader(block: Buffer, fail: TarFail): TarHeader {
  if (!tarChecksumOk(block, fail)) throw fail('not a tar archive (header checksum mismatch)');
  const prefix = tarText(block, 345, 155);
  const name = tarText(block, 0, 100);
  return {
    name: prefix ? `${prefix}/${name}` : name,
    linkName: tarText(block, 157, 100),
    flag: String.fromCharCode(block[156]!),
    size: tarNumber(block, 124, 12, fail),
    mode: tarNumber(block, 100, 8, fail),
  };
}

/** The records of a PAX extended header ("<length> <key>=<value>\n", lengths in bytes). */
export function paxValues(bytes: Buffer): Record<string, string> {
  const values: Record<string, string> = {};
  for (let at = 0; at < bytes.length; ) {
    const space = bytes.indexOf(0x20, at);
    const length = Number.parseInt(bytes.subarray(at, space).toString('ascii'), 10);
    if (space < 0 || !(length > 0)) break;
    const record = bytes.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) values[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return values;
}

/** Reads exact amounts from a stream of chunks, keeping only what is not yet asked for. */
export class TarChunks {
  private pending: Buffer = Buffer.alloc(0);
  private readonly source: AsyncIterator<Uint8Array>;

  constructor(
    input: AsyncIterable<Uint8Array>,
    private readonly fail: TarFail,
  ) {
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
      if (!this.pending.length && !(await this.more())) throw this.fail('the archive ends inside an entry');
      const piece = this.pending.subarray(0, Math.min(left, this.pending.length));
      this.pending = this.pending.subarray(piece.length);
      left -= piece.length;
      yield piece;
    }
  }

  async skip(n: number): Promise<void> {
    for await (const _ of this.pieces(n));
  }

  /** The next `n` bytes whole (a PAX or long-name header's). */
  async whole(n: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const piece of this.pieces(n)) chunks.push(Buffer.from(piece));
    return Buffer.concat(chunks);
  }
}
