// The encrypted-volume check against fixtures of /sys: a LUKS device, LVM on LUKS, RAID over one
// LUKS and one plain member, a plain partition, LVM on a plain disk, an anonymous device, a device
// /sys does not show; and the decision Berth takes on each.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { deviceNumbers, inspectDevice, inspectVolume, volumeDecision } from './volume-check.js';

let sys: string;

/** A block device in the fixture: /sys/dev/block/M:m and /sys/class/block/<name>, with its dm uuid and slaves. */
function device(name: string, numbers: string, options: { uuid?: string; slaves?: string[] } = {}): void {
  for (const dir of [join(sys, 'dev', 'block', numbers), join(sys, 'class', 'block', name)]) {
    mkdirSync(join(dir, 'slaves'), { recursive: true });
    if (options.uuid !== undefined) {
      mkdirSync(join(dir, 'dm'), { recursive: true });
      writeFileSync(join(dir, 'dm', 'uuid'), `${options.uuid}\n`);
    }
    for (const slave of options.slaves ?? []) mkdirSync(join(dir, 'slaves', slave));
  }
}

before(() => {
  sys = mkdtempSync(join(tmpdir(), 'berth-sys-'));
  device('sda', '8:0');
  device('sda2', '8:2');
  device('sdb1', '8:17');
  device('dm-0', '253:0', { uuid: 'CRYPT-LUKS2-0123456789abcdef0123456789abcdef-luks-root', slaves: ['sda2'] });
  device('dm-1', '253:1', { uuid: 'LVM-abcdefABCDEF0123456789', slaves: ['dm-0'] });
  device('dm-2', '253:2', { uuid: 'LVM-plainplainplain', slaves: ['sdb1'] });
  device('dm-3', '253:3', { uuid: 'CRYPT-PLAIN-swap' });
  device('md0', '9:0', { slaves: ['dm-0', 'sdb1'] });
  device('md1', '9:1', { slaves: ['dm-0', 'dm-3'] });
});
after(() => rmSync(sys, { recursive: true, force: true }));

describe('what /sys shows of a device', () => {
  test('dm-crypt directly, or built only on dm-crypt, is verified', async () => {
    assert.equal((await inspectDevice(sys, 253, 0)).kind, 'dm-crypt');
    assert.deepEqual(await inspectDevice(sys, 253, 1), { kind: 'dm-crypt', device: '253:1 (253:1)' }, 'LVM on LUKS');
    assert.equal((await inspectDevice(sys, 253, 3)).kind, 'dm-crypt');
    assert.equal((await inspectDevice(sys, 9, 1)).kind, 'dm-crypt', 'RAID over LUKS members');
  });

  test('a plain partition, LVM on a plain disk, RAID with one plain member are not encrypted', async () => {
    assert.equal((await inspectDevice(sys, 8, 2)).kind, 'not-encrypted');
    assert.equal((await inspectDevice(sys, 253, 2)).kind, 'not-encrypted');
    assert.equal((await inspectDevice(sys, 9, 0)).kind, 'not-encrypted');
  });

  test('an anonymous device or one /sys does not show cannot be told', async () => {
    assert.equal((await inspectDevice(sys, 0, 45)).kind, 'unknown');
    assert.equal((await inspectDevice(sys, 259, 7)).kind, 'unknown');
    assert.equal((await inspectDevice(join(sys, 'nothing'), 8, 2)).kind, 'unknown');
  });

  test('a directory is looked up by its device numbers', async () => {
    const finding = await inspectVolume(sys, join(sys, 'nothing'));
    assert.equal(finding.kind, 'unknown');
  });

  test('dev_t decodes to major and minor as glibc does', () => {
    assert.deepEqual(deviceNumbers(0xfe00n), { major: 254, minor: 0 });
    assert.deepEqual(deviceNumbers(0x811n), { major: 8, minor: 17 });
    // makedev(259, 300): the minor's high bits above the major's low ones.
    assert.deepEqual(deviceNumbers(0x11032cn), { major: 259, minor: 300 });
    assert.deepEqual(deviceNumbers((0x1000n << 32n) | 0xfd00n), { major: 0x1000 | 253, minor: 0 });
  });
});

describe('the decision on a declared encrypted volume', () => {
  test('verified starts, unknown warns and starts, shown false refuses unless forced', () => {
    const verified = volumeDecision('/d', { kind: 'dm-crypt', device: '253:0 (dm-0)' }, false);
    assert.deepEqual([verified.start, verified.level], [true, 'info']);
    const unknown = volumeDecision('/d', { kind: 'unknown', reason: 'tmpfs' }, false);
    assert.deepEqual([unknown.start, unknown.level], [true, 'warn']);
    const plain = volumeDecision('/d', { kind: 'not-encrypted', device: '8:2 (sda2)' }, false);
    assert.deepEqual([plain.start, plain.level], [false, 'error']);
    assert.match(plain.message, /forceEncryptedVolume/);
    const forced = volumeDecision('/d', { kind: 'not-encrypted', device: '8:2 (sda2)' }, true);
    assert.deepEqual([forced.start, forced.level], [true, 'warn']);
  });
});
