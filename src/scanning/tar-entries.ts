// A streaming tar reader for image layers: every entry's header (regular files, links,
// directories; PAX and GNU long names honoured), with the body of a regular file read as it
// arrives and skipped when unread. Nothing is buffered beyond the chunk at hand and a header.

const BLOCK = 512;

export class LayerFormatError extends Error {
  override name = 'LayerFormatError';
}

export interface LayerEntry {
  /** The path, without a leading "./" or "/". */
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
  size: number;
  mode: number;
  linkTarget: string;
  /** A regular file's bytes, in pieces; read them before asking for the next entry. */
  body: AsyncGenerator<Buffer>;
}

class Bytes {
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

  async exact(n: number): Promise<Buffer | undefined> {
    while (this.pending.length < n) if (!(await this.more())) return undefined;
    const out = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(n);
    return out;
  }

  async *pieces(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (!this.pending.length && !(await this.more())) throw new LayerFormatError('the layer ends inside an entry');
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

function text(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

function numeric(block: Buffer, offset: number, length: number): number {
  if (block[offset]! & 0x80) {
    let value = 0;
    for (let i = offset + 1; i < offset + length; i++) value = value * 256 + block[i]!;
    return value;
  }
  const value = text(block, offset, length).trim();
  if (!/^[0-7]*$/.test(value)) throw new LayerFormatError('not a tar archive (bad numeric field)');
  return value ? Number.parseInt(value, 8) : 0;
}

function checksumOk(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  return numeric(block, 148, 8) === sum;
}

function pax(bytes: Buffer): Record<string, string> {
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

const TYPES: Record<string, LayerEntry['type']> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '5': 'dir',
};

const padded = (n: number): number => n + ((BLOCK - (n % BLOCK)) % BLOCK);

export function normalizePath(path: string): string {
  return path.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}

/** The entries of an (uncompressed) tar stream, in order. */
export async function* tarEntries(input: AsyncIterable<Uint8Array>): AsyncGenerator<LayerEntry> {
  const reader = new Bytes(input);
  let extended: Record<string, string> = {};
  let global: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const block = await reader.exact(BLOCK);
    // A layer may end without its two zero blocks (some writers stop at the last entry).
    if (!block || block.every((b) => b === 0)) return;
    if (!checksumOk(block)) throw new LayerFormatError('not a tar archive (header checksum mismatch)');
    const flag = String.fromCharCode(block[156]!);
    const size = numeric(block, 124, 12);
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      const chunks: Buffer[] = [];
      for await (const piece of reader.pieces(padded(size))) chunks.push(Buffer.from(piece));
      const data = Buffer.concat(chunks).subarray(0, size);
      if (flag === 'x') extended = { ...extended, ...pax(data) };
      else if (flag === 'g') global = { ...global, ...pax(data) };
      else if (flag === 'L') longName = text(data, 0, data.length);
      else longLink = text(data, 0, data.length);
      continue;
    }
    const values = { ...global, ...extended };
    const prefix = text(block, 345, 155);
    const name = values.path ?? longName ?? (prefix ? `${prefix}/${text(block, 0, 100)}` : text(block, 0, 100));
    const linkTarget = values.linkpath ?? longLink ?? text(block, 157, 100);
    const type = TYPES[flag] ?? 'other';
    const entrySize = type === 'file' ? (values.size !== undefined ? Number(values.size) : size) : 0;
    const skipBytes = padded(values.size !== undefined ? Number(values.size) : size);
    extended = {};
    longName = undefined;
    longLink = undefined;
    let read = 0;
    const body = (async function* () {
      for await (const piece of reader.pieces(entrySize)) {
        read += piece.length;
        yield piece;
      }
    })();
    yield { path: normalizePath(name), type, size: entrySize, mode: numeric(block, 100, 8), linkTarget, body };
    await reader.skip(skipBytes - read);
  }
}
