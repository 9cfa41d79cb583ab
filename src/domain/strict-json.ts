// JSON as a registry must read what clients push: UTF-8 only, nesting bounded, each key once per
// object. JSON.parse alone replaces invalid UTF-8 with U+FFFD (so two byte strings read the same),
// keeps the last of repeated keys (where other parsers may keep another), and parses any depth,
// which the recursive code that later walks or re-serializes the value cannot take. Pure.

/**
 * The deepest nesting of objects and arrays accepted in a manifest, and converted on pull in an
 * image config. Real content stays far below it: an image index with platforms and annotations
 * nests 4 levels, a Docker image config 5 (config.Healthcheck.Test), an OCI artifact's manifest 3.
 * Well below what recursive walks (JSON.stringify, isDeepStrictEqual) can take on Node's stack.
 */
export const MAX_JSON_DEPTH = 64;

export type JsonDefect = 'utf8' | 'syntax' | 'depth' | 'duplicate';

export class JsonDefectError extends Error {
  constructor(
    readonly defect: JsonDefect,
    message: string,
  ) {
    super(message);
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes UTF-8, refusing any invalid sequence (a byte order mark is kept, and JSON.parse refuses it). */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new JsonDefectError('utf8', 'is not valid UTF-8');
  }
}

interface Container {
  object: boolean;
  /** Keys seen in this object (objects only, when duplicates are refused). */
  keys?: Set<string>;
  /** The next string in this object is a key. */
  expectKey: boolean;
}

/**
 * Walks JSON text once without recursion: refuses nesting beyond `maxDepth` and, when `unique`,
 * a key repeated in one object. The text's syntax is JSON.parse's to check.
 */
export function checkJsonShape(text: string, maxDepth: number, unique = true): void {
  const stack: Container[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          escaped = true;
          i++;
        } else if (d === 0x22) {
          break;
        }
      }
      const top = stack[stack.length - 1];
      if (top?.object && top.expectKey) {
        top.expectKey = false;
        if (top.keys) {
          const raw = text.slice(start, i + 1);
          let key: string;
          try {
            key = escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
          } catch {
            throw new JsonDefectError('syntax', 'is not valid JSON');
          }
          if (top.keys.has(key)) throw new JsonDefectError('duplicate', `has the key "${key}" twice in one object`);
          top.keys.add(key);
        }
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) throw new JsonDefectError('depth', `nests deeper than ${maxDepth} levels`);
      const object = c === 0x7b;
      stack.push({ object, expectKey: object, ...(object && unique && { keys: new Set<string>() }) });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.object) top.expectKey = true;
    }
  }
}

/** Parses JSON bytes as a registry must: see the file's header. Throws JsonDefectError. */
export function parseStrictJson(bytes: Uint8Array | string, maxDepth = MAX_JSON_DEPTH): unknown {
  const text = typeof bytes === 'string' ? bytes : decodeUtf8(bytes);
  checkJsonShape(text, maxDepth);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new JsonDefectError('syntax', 'is not valid JSON');
  }
}

/** Whether JSON text nests at most `maxDepth` levels (what a recursive walk of it can take). */
export function jsonDepthWithin(text: string, maxDepth = MAX_JSON_DEPTH): boolean {
  try {
    checkJsonShape(text, maxDepth, false);
    return true;
  } catch {
    return false;
  }
}
