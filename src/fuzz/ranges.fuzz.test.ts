// Fuzzing of the byte-range headers (src/http/oci/headers.ts): a blob GET's Range against a size,
// an upload chunk's Content-Range, Content-Length. Whatever the header, the parsers answer a range
// inside the blob with start ≤ end, or throw RegistryError with the protocol's code and status.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RegistryError } from '../domain/errors.js';
import { resolveByteRange } from '../http/byte-range.js';
import { contentLength, parseChunkRange } from '../http/oci/headers.js';
import { check, fc, onlyThrows } from './harness.js';

const rangeInvalid = (size?: number) => (err: unknown) =>
  err instanceof RegistryError &&
  err.code === 'RANGE_INVALID' &&
  err.status === 416 &&
  (size === undefined || err.headers['Content-Range'] === `bytes */${size}`);

const digits = fc.oneof(
  fc.nat({ max: 1000 }).map(String),
  fc.maxSafeNat().map(String),
  fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), maxLength: 40 }),
);
/** Headers near the grammar (bytes=a-b, suffixes, open ends, junk around them) and arbitrary text. */
const rangeHeader = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('bytes=', 'bytes ', 'Bytes=', 'bytes= ', '', ' bytes='),
      fc.option(digits, { nil: '' }),
      fc.constantFrom('-', '--', ',', '-0,'),
      fc.option(digits, { nil: '' }),
      fc.constantFrom('', ' ', ',0-1', '/10', '/*'),
    )
    .map(([prefix, a, dash, b, tail]) => `${prefix}${a}${dash}${b}${tail}`),
  fc.string({ unit: fc.constantFrom(...'bytes=0123456789-, */'.split('')), maxLength: 40 }),
  fc.string({ maxLength: 60 }),
);
const size = fc.oneof(fc.nat({ max: 2000 }), fc.maxSafeNat(), fc.constant(0), fc.constant(1));

/** RFC 9110 §14.1.2 for one range, independently: the satisfiable range, or undefined. */
function reference(first: string, last: string, size: number): { start: number; end: number } | undefined {
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = BigInt(last);
    if (suffix === 0n || size === 0) return undefined;
    return { start: suffix >= BigInt(size) ? 0 : size - Number(suffix), end: size - 1 };
  }
  const start = BigInt(first);
  if (start >= BigInt(size)) return undefined;
  if (last !== '' && BigInt(last) < start) return undefined;
  const end = last === '' || BigInt(last) >= BigInt(size) ? size - 1 : Number(BigInt(last));
  return { start: Number(start), end };
}

describe('fuzz: Range of a blob GET', () => {
  test('any header against any size: a range inside the blob with start ≤ end, or RANGE_INVALID with Content-Range bytes */size', (t) => {
    check(
      t,
      5000,
      fc.property(rangeHeader, size, (header, blobSize) => {
        const range = onlyThrows(
          () => resolveByteRange(header, blobSize),
          rangeInvalid(blobSize),
          `resolveByteRange(${JSON.stringify(header)}, ${blobSize})`,
        );
        if (!range) return;
        assert.ok(Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end), JSON.stringify(range));
        assert.ok(
          range.start >= 0 && range.start <= range.end && range.end < blobSize,
          `${JSON.stringify(header)} on ${blobSize} bytes gave ${JSON.stringify(range)}`,
        );
      }),
    );
  });

  test('well-formed single ranges agree with RFC 9110 computed in BigInt', (t) => {
    check(
      t,
      5000,
      fc.property(fc.option(digits, { nil: '' }), fc.option(digits, { nil: '' }), size, (first, last, blobSize) => {
        const header = `bytes=${first}-${last}`;
        const expected = reference(first, last, blobSize);
        const got = onlyThrows(() => resolveByteRange(header, blobSize), rangeInvalid(blobSize), header);
        assert.deepEqual(got, expected, `${header} on ${blobSize} bytes`);
      }),
    );
  });

  test('no header is no range', () => {
    assert.equal(resolveByteRange(undefined, 10), undefined);
  });
});

describe('fuzz: Content-Range of an upload chunk and Content-Length', () => {
  test('any Content-Range: start ≤ end, both safe integers, or RANGE_INVALID (416)', (t) => {
    check(
      t,
      5000,
      fc.property(rangeHeader, (header) => {
        const range = onlyThrows(
          () => parseChunkRange(header),
          rangeInvalid(),
          `parseChunkRange(${JSON.stringify(header)})`,
        );
        if (!range) return;
        assert.ok(
          Number.isSafeInteger(range.start) &&
            Number.isSafeInteger(range.end) &&
            range.start >= 0 &&
            range.start <= range.end,
          `${JSON.stringify(header)} gave ${JSON.stringify(range)}`,
        );
      }),
    );
  });

  test('a chunk range written as the clients write it round-trips', (t) => {
    // A total, when given, is beyond the end (at most 15 digits, as parseChunkRange takes them).
    check(
      t,
      3000,
      fc.property(
        fc.nat({ max: 1e15 - 2 }),
        fc.nat({ max: 1e15 - 2 }),
        fc.constantFrom('', 'bytes ', 'bytes='),
        fc.constantFrom('', '/*', 'total'),
        fc.nat(),
        (a, b, prefix, suffix, extra) => {
          const [start, end] = a <= b ? [a, b] : [b, a];
          const total = suffix === 'total' ? `/${Math.min(end + 1 + extra, 1e15 - 1)}` : suffix;
          assert.deepEqual(parseChunkRange(`${prefix}${start}-${end}${total}`), { start, end });
        },
      ),
    );
  });

  test('a total that is not beyond the end (100-199/5) is RANGE_INVALID (416)', (t) => {
    check(
      t,
      2000,
      fc.property(fc.nat({ max: 1e15 - 2 }), fc.nat({ max: 1e15 - 2 }), fc.nat(), (a, b, under) => {
        const [start, end] = a <= b ? [a, b] : [b, a];
        const header = `${start}-${end}/${Math.max(0, end - (under % (end + 1)))}`;
        assert.equal(
          onlyThrows(() => parseChunkRange(header), rangeInvalid(), header),
          undefined,
          `${header} is refused`,
        );
      }),
    );
  });

  test('any Content-Length: a safe non-negative integer equal to the header, or SIZE_INVALID', (t) => {
    const sizeInvalid = (err: unknown) =>
      err instanceof RegistryError && err.code === 'SIZE_INVALID' && err.status === 400;
    check(
      t,
      3000,
      fc.property(fc.oneof(digits, fc.string({ maxLength: 30 }), fc.maxSafeNat().map(String)), (header) => {
        const length = onlyThrows(() => contentLength(header), sizeInvalid, `contentLength(${JSON.stringify(header)})`);
        if (length === undefined) return;
        assert.ok(Number.isSafeInteger(length) && length >= 0);
        assert.equal(BigInt(header), BigInt(length));
      }),
    );
  });
});
