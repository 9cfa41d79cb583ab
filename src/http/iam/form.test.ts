// Unflattening query protocol forms as botocore flattens input structures.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IamError } from './errors.js';
import { parseForm, unflatten } from './form.js';

const form = (body: string) => unflatten(parseForm(Buffer.from(body)));

describe('query protocol forms', () => {
  it('lists of scalars and of structures in index order, nested members, empty lists', () => {
    assert.deepEqual(
      form(
        'Action=X&Version=1&UserName=a%2Bb+c&ClientIDList.member.2=two&ClientIDList.member.1=one&Tags.member.1.Key=k&Tags.member.1.Value=v&Empty=',
      ),
      {
        UserName: 'a+b c',
        ClientIDList: ['one', 'two'],
        Tags: [{ Key: 'k', Value: 'v' }],
        Empty: '',
      },
    );
    assert.deepEqual(
      form('ClientIDList.member.10=b&ClientIDList.member.9=a'),
      { ClientIDList: ['a', 'b'] },
      'numeric order',
    );
  });

  it('refuses repeated keys, conflicting paths and bad indexes; __proto__ stays data', () => {
    for (const body of ['A=1&A=2', 'A=1&A.member.1=2', 'A.member.1=2&A=1', 'A.member.0=x', 'A.member.x=y']) {
      assert.throws(
        () => form(body),
        (err: unknown) => err instanceof IamError && err.code === 'InvalidInput',
        body,
      );
    }
    const parsed = form('__proto__.polluted=yes');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(Object.keys(parsed), ['__proto__']);
  });
});
