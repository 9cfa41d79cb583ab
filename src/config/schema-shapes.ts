// Shapes the configuration's parts share: list settings that come as YAML lists or, from an
// environment variable, as comma-separated text or a JSON array.
import { z } from 'zod';

/** A list setting: a YAML list, or (from a variable) comma-separated. */
export const names = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string()),
);

/** A list given as JSON in an environment variable (BERTH_REPLICATION_PEERS): parsed; anything else as it is. */
export function jsonFromEnvironment(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}
