// The shared tar header reading: octal and GNU base-256 numbers, the checksum, the ustar prefix,
// and PAX records whose lengths count bytes (a multi-byte name).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paxValues, TarChunks, tarHeader, tarNumber } from './tar-format.js';

const fail = (message: string) => new Error(message);

function block(name: string, size: number, prefix = ''): Buffer {
  const b = Buffer.alloc(512);
  b.write(name, 0, 'utf8');
  b.write('0000644\0', 100, 'ascii');
  b.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  b.write('0', 156, 'ascii');
  b.write(prefix, 345, 'utf8');
  b.write('        ', 148, 'ascii');
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return b;
}

describe('the tar format', () => {
  it('reads a header with its prefix, and refuses a bad checksum', () => {
    assert.deepEqual(tarHeader(block('file.txt', 1234, 'usr/share'), fail), {
      name: 'usr/share/file.txt',
      linkName: '',
      flag: '0',
      size: 1234,
      mode: 0o644,
    });
    const bad = block('x', 1);
    bad[0] = 0x79;
    assert.throws(() => tarHeader(bad, fail), /checksum mismatch/);
  });

  it('reads GNU base-256 numbers and refuses a non-octal field', () => {
    const b = Buffer.alloc(12);
    b[0] = 0x80;
    b.writeUIntBE(9 * 2 ** 30, 6, 6);
    assert.equal(tarNumber(b, 0, 12, fail), 9 * 2 ** 30);
    assert.throws(() => tarNumber(Buffer.from('12x45\0'), 0, 6, fail), /bad numeric field/);
  });

  it('reads PAX records by their byte lengths', () => {
    const record = (key: string, value: string) => {
      const body = ` ${key}=${value}\n`;
      let n = Buffer.byteLength(body) + 1;
      while (Buffer.byteLength(`${n}${body}`) !== n) n++;
      return `${n}${body}`;
    };
    const pax = Buffer.from(record('path', 'dössier/ünïcode.txt') + record('size', '8589934592'));
    assert.deepEqual(paxValues(pax), { path: 'dössier/ünïcode.txt', size: '8589934592' });
  });

  it('gives exact amounts across chunks, and fails with the caller error inside an entry', async () => {
    const chunks = new TarChunks(
      (async function* () {
        yield Buffer.from('abc');
        yield Buffer.from('defg');
      })(),
      (m) => new RangeError(m),
    );
    assert.equal((await chunks.exact(5))?.toString(), 'abcde');
    await assert.rejects(chunks.whole(5), RangeError);
  });
});
