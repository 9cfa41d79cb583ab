// Where a deployment keeps its files when the operator names no other place.
import { isAbsolute, join, resolve } from 'node:path';
import type { Config } from '../config/schema.js';

/** A path setting: the value when set (relative to the working directory), else `fallback` under dataDir. */
export function dataPath(config: Config, value: string, fallback: string): string {
  if (!value) return join(resolve(config.dataDir), fallback);
  return isAbsolute(value) ? value : resolve(value);
}
