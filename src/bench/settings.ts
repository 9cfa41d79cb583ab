// The settings of `npm run bench`'s registry run (sizes, repeats, time limit), read from the
// environment once: BENCH_QUICK, BENCH_REPEAT, BENCH_ONLY, BENCH_TIMEOUT_S, BENCH_PLAIN_BERTH.
import { resolve } from 'node:path';
import { MiB } from './http.js';
import type { Phase } from './phases.js';

const quick = process.env.BENCH_QUICK === '1';

export const settings = {
  quick,
  blobBytes: (quick ? 64 : 512) * MiB,
  chunkBytes: 16 * MiB,
  rssBytes: (quick ? 256 : 2048) * MiB,
  getSeconds: quick ? 3 : 10,
  warmupSeconds: quick ? 1 : 3,
  connections: 16,
  repeat: Math.max(1, Number(process.env.BENCH_REPEAT ?? (quick ? 1 : 3)) || 1),
  // A baseline build doubles the Berths measured: twice the time.
  timeoutSeconds: Number(
    process.env.BENCH_TIMEOUT_S ?? (quick ? 300 : 2400) * (process.env.BENCH_BASELINE_BERTH ? 2 : 1),
  ),
};
export type Settings = typeof settings;

/** The phases BENCH_ONLY names, or undefined for all of them. */
export const only = process.env.BENCH_ONLY
  ? new Set(process.env.BENCH_ONLY.split(',').map((p) => p.trim()))
  : undefined;
export const enabled = (phase: Phase) => !only || only.has(phase);

export const outDir = resolve('.bench');
/** BENCH_PLAIN_BERTH: a build from before encryption at rest, measured as a third server. */
export const plainCli = process.env.BENCH_PLAIN_BERTH ? resolve(process.env.BENCH_PLAIN_BERTH) : undefined;
export const PLAIN = 'plain';

/** The storage-managed Berth: /tmp is no dm-crypt device, so the declaration is forced. */
export const VOLUME_ENV = {
  BERTH_STORAGE_FILESYSTEM_ENCRYPTED_VOLUME: 'true',
  BERTH_STORAGE_FILESYSTEM_FORCE_ENCRYPTED_VOLUME: 'true',
};

export const log = (message: string) => process.stderr.write(`${message}\n`);
export const mib = (bytes: number) => `${bytes / MiB} MiB`;
