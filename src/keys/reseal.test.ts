// Re-sealing from one master key to another: a value under the old key moves to the new one, a
// value under the new key already is left (an interrupted run finished), and one neither opens fails.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MasterKey } from './master-key.js';
import { resealer } from './reseal.js';

describe('resealer', () => {
  const from = MasterKey.generate();
  const to = MasterKey.generate();
  const reseal = resealer(from, to);

  it('re-seals a value sealed with the old key, bound to the same context', () => {
    const next = reseal(from.encrypt('secret', 'ctx'), 'ctx');
    assert.ok(next);
    assert.equal(to.decrypt(next, 'ctx'), 'secret');
    assert.throws(() => to.decrypt(next, 'other'));
  });

  it('leaves a value sealed with the new key already', () => {
    assert.equal(reseal(to.encrypt('secret', 'ctx'), 'ctx'), undefined);
  });

  it('fails, naming the context, on a value neither key opens', () => {
    assert.throws(
      () => reseal(MasterKey.generate().encrypt('secret', 'ctx'), 'ctx'),
      /a secret \(ctx\) opens with neither/,
    );
  });
});
