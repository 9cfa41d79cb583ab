// A streaming tar reader for image layers: every entry's header (regular files, links,
// directories; PAX and GNU long names honoured), with the body of a regular file read as it
// arrives and skipped when unread. Nothing is buffered beyond the chunk at hand and a header.
// The format's fields are read by domain/tar-format.ts (shared with the bundle reader).
import { paxValues, TAR_BLOCK, TarChunks, tarHeader, tarPadded, tarText } from '../domain/tar-format.js';

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

const TYPES: Record<string, LayerEntry['type']> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '5': 'dir',
};

export function normalizePath(path: string): string {
  return path.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}

/** The entries of an (uncompressed) tar stream, in order. */
export async function* tarEntries(input: AsyncIterable<Uint8Array>): AsyncGenerator<LayerEntry> {
  const fail = (message: string) => new LayerFormatError(message.replace('the archive ends', 'the layer ends'));
  const reader = new TarChunks(input, fail);
  let extended: Record<string, string> = {};
  let global: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const block = await reader.exact(TAR_BLOCK);
    // A layer may end without its two zero blocks (some writers stop at the last entry).
    if (!block || block.every((b) => b === 0)) return;
    const header = tarHeader(block, fail);
    const { flag, size } = header;
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      const data = (await reader.whole(tarPadded(size))).subarray(0, size);
      if (flag === 'x') extended = { ...extended, ...paxValues(data) };
      else if (flag === 'g') global = { ...global, ...paxValues(data) };
      else if (flag === 'L') longName = tarText(data, 0, data.length);
      else longLink = tarText(data, 0, data.length);
      continue;
    }
    const values = { ...global, ...extended };
    const name = values.path ?? longName ?? header.name;
    const linkTarget = values.linkpath ?? longLink ?? header.linkName;
    const type = TYPES[flag] ?? 'other';
    const entrySize = type === 'file' ? (values.size !== undefined ? Number(values.size) : size) : 0;
    const skipBytes = tarPadded(values.size !== undefined ? Number(values.size) : size);
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
    yield { path: normalizePath(name), type, size: entrySize, mode: header.mode, linkTarget, body };
    await reader.skip(skipBytes - read);
  }
}
