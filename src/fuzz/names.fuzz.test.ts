// Fuzzing of digests, repository names, tags and manifest references (src/domain/digest.ts,
// names.ts): arbitrary text never makes them throw anything but RegistryError, and every valid
// digest, name, tag and reference generated from the grammars is accepted and round-trips.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { digestOf, isDigest, parseDigest, tryParseDigest } from '../domain/digest.js';
import { RegistryError } from '../domain/errors.js';
import {
  assertRepositoryName,
  assertTag,
  isRepositoryName,
  isTag,
  parseReference,
  REPOSITORY_NAME,
  TAG,
} from '../domain/names.js';
import { check, fc, onlyThrows } from './harness.js';

const registryError =
  (...codes: string[]) =>
  (err: unknown) =>
    err instanceof RegistryError && codes.includes(err.code) && err.status === 400;

/** Text biased towards the grammars' own characters, so the fuzzer reaches their edges. */
const grammarText = fc.string({ unit: fc.constantFrom(...'abz09AZ:._-/+=_@ sha256512'.split('')), maxLength: 140 });
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), grammarText, fc.string({ maxLength: 400 }));

const hexOf = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: length, maxLength: length });
const validDigest = fc.oneof(
  hexOf(64).map((hex) => `sha256:${hex}`),
  hexOf(128).map((hex) => `sha512:${hex}`),
);

const lowerAlnum = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split('')),
  minLength: 1,
  maxLength: 12,
});
const separator = fc.oneof(
  fc.constantFrom('.', '_', '__'),
  fc.integer({ min: 1, max: 3 }).map((n) => '-'.repeat(n)),
);
/** A path component of ECR's grammar: alphanumerics joined by separators. */
const component = fc
  .tuple(lowerAlnum, fc.array(fc.tuple(separator, lowerAlnum), { maxLength: 3 }))
  .map(([head, rest]) => head + rest.map(([s, a]) => s + a).join(''));
const validName = fc
  .array(component, { minLength: 1, maxLength: 5 })
  .map((parts) => parts.join('/'))
  .filter((n) => n.length >= 2 && n.length <= 256);
const validTag = fc
  .tuple(
    fc.constantFrom(...'aZ09_'.split('')),
    fc.string({ unit: fc.constantFrom(...'aZ09._-'.split('')), maxLength: 127 }),
  )
  .map(([head, rest]) => head + rest);

describe('fuzz: digests', () => {
  test('tryParseDigest never throws; parseDigest throws only DIGEST_INVALID; isDigest agrees', (t) => {
    check(
      t,
      3000,
      fc.property(anyText, (text) => {
        const parsed = tryParseDigest(text);
        assert.equal(isDigest(text), parsed !== undefined);
        const strict = onlyThrows(
          () => parseDigest(text),
          registryError('DIGEST_INVALID'),
          `parseDigest(${JSON.stringify(text)})`,
        );
        assert.deepEqual(strict, parsed);
        if (parsed) {
          assert.equal(parsed.value, text);
          assert.equal(`${parsed.algorithm}:${parsed.hex}`, text);
        }
      }),
    );
  });

  test('every well-formed sha256/sha512 digest parses and round-trips', (t) => {
    check(
      t,
      1000,
      fc.property(validDigest, (digest) => {
        const parsed = parseDigest(digest);
        assert.equal(parsed.value, digest);
        assert.equal(`${parsed.algorithm}:${parsed.hex}`, digest);
        // An upper-case hex digest is not canonical: refused rather than silently folded.
        if (/[a-f]/.test(parsed.hex))
          assert.equal(tryParseDigest(digest.toUpperCase().replace(/^SHA/, 'sha')), undefined);
      }),
    );
  });

  test('digestOf of arbitrary bytes is a digest that parses', (t) => {
    check(
      t,
      500,
      fc.property(
        fc.uint8Array({ maxLength: 512 }),
        fc.constantFrom('sha256', 'sha512') as fc.Arbitrary<'sha256' | 'sha512'>,
        (bytes, algorithm) => {
          const digest = digestOf(bytes, algorithm);
          assert.equal(parseDigest(digest).algorithm, algorithm);
        },
      ),
    );
  });
});

describe('fuzz: repository names, tags and references', () => {
  test('arbitrary text: assertRepositoryName and assertTag throw only NAME_INVALID / TAG_INVALID, in step with their predicates', (t) => {
    check(
      t,
      3000,
      fc.property(anyText, (text) => {
        const name = onlyThrows(
          () => assertRepositoryName(text),
          registryError('NAME_INVALID'),
          `assertRepositoryName(${JSON.stringify(text)})`,
        );
        assert.equal(name !== undefined, isRepositoryName(text));
        if (name !== undefined) assert.ok(text.length >= 2 && text.length <= 256 && REPOSITORY_NAME.test(text));
        const tag = onlyThrows(
          () => assertTag(text),
          registryError('TAG_INVALID'),
          `assertTag(${JSON.stringify(text)})`,
        );
        assert.equal(tag !== undefined, isTag(text));
        if (tag !== undefined) assert.ok(text.length <= 128 && TAG.test(text));
      }),
    );
  });

  test('arbitrary text: parseReference throws only TAG_INVALID / DIGEST_INVALID; a colon always means a digest', (t) => {
    check(
      t,
      3000,
      fc.property(anyText, (text) => {
        const reference = onlyThrows(
          () => parseReference(text),
          registryError('TAG_INVALID', 'DIGEST_INVALID'),
          `parseReference(${JSON.stringify(text)})`,
        );
        if (!reference) return;
        if (text.includes(':')) {
          assert.equal(reference.kind, 'digest');
          assert.equal(reference.kind === 'digest' && reference.digest.value, text);
        } else {
          assert.deepEqual(reference, { kind: 'tag', tag: text });
        }
      }),
    );
  });

  test("names generated from ECR's grammar are accepted", (t) => {
    check(
      t,
      2000,
      fc.property(validName, (name) => {
        assert.equal(assertRepositoryName(name), name);
        // Upper case, a leading or trailing separator, an empty component: each makes it invalid.
        assert.equal(isRepositoryName(name.toUpperCase()), name.toUpperCase() === name);
        for (const bad of [`-${name}`, `${name}/`, `/${name}`, `${name}.`, name.replace('/', '//')]) {
          if (bad !== name) assert.equal(isRepositoryName(bad), false, bad);
        }
      }),
    );
  });

  test('valid tags and digests round-trip through parseReference', (t) => {
    check(
      t,
      2000,
      fc.property(validTag, validDigest, (tag, digest) => {
        assert.deepEqual(parseReference(tag), { kind: 'tag', tag });
        const reference = parseReference(digest);
        assert.ok(reference.kind === 'digest' && reference.digest.value === digest);
        assert.equal(isTag(`${tag}x`), tag.length < 128);
      }),
    );
  });
});
