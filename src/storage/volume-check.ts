// Checks what the machine shows of a declared encrypted volume (storage.filesystem.encryptedVolume):
// the device of the data directory, and whether the device mapper shows it to be dm-crypt (LUKS or
// plain dm-crypt: a dm uuid starting "CRYPT-"), directly or built only on such devices (LVM or RAID
// on LUKS). What it finds is one of three:
//
// - dm-crypt: verified; Berth starts and says so.
// - not-encrypted: the device is a block device the kernel shows, and neither it nor all of what it
//   is built on is dm-crypt. The declaration is shown false: Berth refuses to start, unless forced
//   (a self-encrypting drive encrypts below what the device mapper shows).
// - unknown: no block device to look at (tmpfs, overlay, btrfs subvolumes, NFS, FUSE: an anonymous
//   device, major 0) or no /sys: Berth cannot tell, warns, and trusts the declaration.
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';

export type VolumeFinding =
  | { kind: 'dm-crypt'; device: string }
  | { kind: 'not-encrypted'; device: string }
  | { kind: 'unknown'; reason: string };

export interface VolumeDecision {
  start: boolean;
  level: 'info' | 'warn' | 'error';
  message: string;
}

/** Linux's major and minor numbers of a dev_t (glibc's gnu_dev_major/minor). */
export function deviceNumbers(dev: bigint): { major: number; minor: number } {
  const major = ((dev & 0xfff00n) >> 8n) | ((dev & 0xfffff00000000000n) >> 32n);
  const minor = (dev & 0xffn) | ((dev & 0xffffff00000n) >> 12n);
  return { major: Number(major), minor: Number(minor) };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function readTrimmed(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').then(
    (text) => text.trim(),
    () => undefined,
  );
}

/** Whether the block device at `dir` (a /sys entry) is dm-crypt, or built only on dm-crypt devices. */
async function encrypted(sys: string, dir: string, depth: number): Promise<boolean> {
  if ((await readTrimmed(join(dir, 'dm', 'uuid')))?.startsWith('CRYPT-')) return true;
  if (depth >= 8) return false;
  const slaves = await readdir(join(dir, 'slaves')).catch(() => [] as string[]);
  if (slaves.length === 0) return false;
  for (const slave of slaves) if (!(await encrypted(sys, join(sys, 'class', 'block', slave), depth + 1))) return false;
  return true;
}

/** What `sys` (a sysfs root, /sys on the machine, a fixture in tests) shows of block device major:minor. */
export async function inspectDevice(sys: string, major: number, minor: number): Promise<VolumeFinding> {
  if (major === 0)
    return { kind: 'unknown', reason: `device 0:${minor} is not a block device (tmpfs, overlay, btrfs, NFS, FUSE …)` };
  const dir = join(sys, 'dev', 'block', `${major}:${minor}`);
  if (!(await exists(dir))) return { kind: 'unknown', reason: `${dir} is not there to show the device` };
  const name = basename(await realpath(dir).catch(() => dir));
  const device = `${major}:${minor} (${name})`;
  return (await encrypted(sys, dir, 0)) ? { kind: 'dm-crypt', device } : { kind: 'not-encrypted', device };
}

/** What the machine shows of the volume under `directory`. */
export async function inspectVolume(directory: string, sys = '/sys'): Promise<VolumeFinding> {
  const { major, minor } = deviceNumbers((await stat(directory, { bigint: true })).dev);
  return inspectDevice(sys, major, minor);
}

/** Whether Berth starts with the declaration, given what the machine shows. */
export function volumeDecision(directory: string, finding: VolumeFinding, forced: boolean): VolumeDecision {
  switch (finding.kind) {
    case 'dm-crypt':
      return {
        start: true,
        level: 'info',
        message: `storage.filesystem.encryptedVolume: ${directory} is on dm-crypt device ${finding.device}: verified`,
      };
    case 'unknown':
      return {
        start: true,
        level: 'warn',
        message: `storage.filesystem.encryptedVolume: cannot verify that ${directory} is on an encrypted volume (${finding.reason}); trusting the declaration`,
      };
    case 'not-encrypted':
      return forced
        ? {
            start: true,
            level: 'warn',
            message: `storage.filesystem.encryptedVolume: ${directory} is on device ${finding.device}, which the device mapper does not show as dm-crypt; starting anyway (forceEncryptedVolume)`,
          }
        : {
            start: false,
            level: 'error',
            message: `storage.filesystem.encryptedVolume is declared, but ${directory} is on device ${finding.device}, which is not dm-crypt nor built on dm-crypt: AES256 layers would be stored unencrypted. Put the directory on an encrypted volume, drop the declaration, or set storage.filesystem.forceEncryptedVolume if the device encrypts by other means (a self-encrypting drive)`,
          };
  }
}
