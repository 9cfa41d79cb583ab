// The text of a run's later events: UUID request ids packed (a fraction of their JSON's bytes),
// any other request id kept as given, and both read back exactly.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeOthers, encodeOthers } from './audit-others.js';

describe("a run's later events as text", () => {
  const first = 1_765_000_000_000;

  it('packs UUID request ids, in under 26 bytes an event', () => {
    const others = Array.from({ length: 500 }, (_, i) => ({ eventTime: first + i * 7, requestId: randomUUID() }));
    const text = encodeOthers(first, others)!;
    assert.ok(text.length < 26 * others.length, `${text.length} bytes`);
    assert.ok(text.length < JSON.stringify(others.flatMap((o) => [o.eventTime - first, o.requestId])).length * 0.7);
    assert.deepEqual(decodeOthers(first, text), others);
  });

  it('keeps other request ids as they are (JSON)', () => {
    const others = [
      { eventTime: first, requestId: 'req-1' },
      { eventTime: first + 3, requestId: randomUUID().toUpperCase() },
      { eventTime: first + 90_000, requestId: 'u.with "quotes" and . dots' },
    ];
    assert.deepEqual(decodeOthers(first, encodeOthers(first, others)!), others);
    const mixed = [{ eventTime: first + 1, requestId: randomUUID() }, ...others];
    assert.deepEqual(decodeOthers(first, encodeOthers(first, mixed)!), mixed);
  });

  it('is nothing for a run of one', () => {
    assert.equal(encodeOthers(first, []), null);
    assert.equal(encodeOthers(first, undefined), null);
  });
});
