// One server per data directory: `berth serve` holds <dataDir>/berth.lock (made exclusively, with
// its pid and host) while it runs. A second server on the same directory is refused with the
// holder's pid; a lock left by a process that is gone (a crash, SIGKILL) is taken over.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { CommandError } from './errors.js';

export const LOCK_FILE = 'berth.lock';

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

/** True when `pid` on this host is a running process that could be a Berth (not a reused pid of another program). */
function running(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync(cmdline)) return true;
  try {
    return /node|berth/.test(readFileSync(cmdline, 'utf8'));
  } catch {
    return true;
  }
}

export function lockDataDir(dataDir: string): DataDirLock {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (attempt > 0)
        throw new CommandError(
          `the data directory ${dir} is in use by another berth that started at the same moment: give each server its own --data-dir`,
        );
      const [pidLine, host] = readFileSync(file, 'utf8').split('\n');
      const pid = Number(pidLine);
      const here = !host || host === hostname();
      if (!here)
        throw new CommandError(
          `the data directory ${dir} is in use by a berth on ${host} (pid ${pid}; ${file}): give each server its own --data-dir`,
        );
      if (running(pid))
        throw new CommandError(
          `the data directory ${dir} is in use by another berth (pid ${pid}): stop it first, or give this server another --data-dir`,
        );
      // Left by a server that is gone: take it over.
      unlinkSync(file);
      continue;
    }
    try {
      writeSync(fd, `${process.pid}\n${hostname()}\n`);
    } finally {
      closeSync(fd);
    }
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      try {
        if (readFileSync(file, 'utf8').split('\n')[0] === String(process.pid)) unlinkSync(file);
      } catch {
        /* already gone */
      }
    };
    process.once('exit', release);
    return { file, release };
  }
}
