// The fuzzing tier's one knob: every property runs with fast-check under a seed that is printed
// (as a test diagnostic) so a failure replays exactly, and a run count that BERTH_FUZZ_RUNS
// scales for longer local runs. fast-check rather than Jazzer.js: Jazzer's prebuilt native addon
// needs glibc 2.38, which this project's machines (Debian 12, glibc 2.36) do not have, and building
// it needs downloads the machines cannot make.
//
//   BERTH_FUZZ_RUNS=<n>   runs per property (default: each property's own budget, sized so the
//                         whole tier stays well under a minute on a shared 2-core machine)
//   BERTH_FUZZ_SEED=<n>   replay a run with this seed (printed by every property)
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import fc from 'fast-check';

const override = process.env.BERTH_FUZZ_RUNS ? Number(process.env.BERTH_FUZZ_RUNS) : undefined;
if (override !== undefined && !(Number.isSafeInteger(override) && override > 0))
  throw new Error(`BERTH_FUZZ_RUNS must be a positive integer, not ${process.env.BERTH_FUZZ_RUNS}`);
const fixedSeed = process.env.BERTH_FUZZ_SEED ? Number(process.env.BERTH_FUZZ_SEED) : undefined;

function parameters(t: TestContext, runs: number): { numRuns: number; seed: number } {
  const numRuns = override ?? runs;
  const seed = fixedSeed ?? (Date.now() ^ (Math.random() * 0x100000000)) | 0;
  t.diagnostic(`fast-check seed ${seed}, ${numRuns} runs (replay: BERTH_FUZZ_SEED=${seed})`);
  return { numRuns, seed };
}

/** Runs a property `runs` times (or BERTH_FUZZ_RUNS), printing the seed and the count. */
export function check<Ts extends [unknown, ...unknown[]]>(
  t: TestContext,
  runs: number,
  property: fc.IProperty<Ts>,
): void {
  fc.assert(property, { ...parameters(t, runs), includeErrorInReport: true });
}

/** check for an asynchronous property. */
export function checkAsync<Ts extends [unknown, ...unknown[]]>(
  t: TestContext,
  runs: number,
  property: fc.IAsyncProperty<Ts>,
): Promise<void> {
  return fc.assert(property, { ...parameters(t, runs), includeErrorInReport: true });
}

/**
 * Calls `fn` and asserts that it either returns or throws an instance of one of `allowed`: any
 * other throw (a TypeError, a RangeError from the runtime, a plain Error) is the defect a fuzzer
 * looks for. Returns what `fn` returned, or undefined when it threw an allowed error.
 */
export function onlyThrows<T>(fn: () => T, allowed: (err: unknown) => boolean, what: string): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (allowed(err)) return undefined;
    assert.fail(`${what} threw ${(err as Error)?.stack ?? String(err)}`);
  }
}

/** onlyThrows for an asynchronous `fn`: it resolves, or rejects with an error `allowed` accepts. */
export async function onlyRejects<T>(
  fn: () => Promise<T>,
  allowed: (err: unknown) => boolean,
  what: string,
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (allowed(err)) return undefined;
    assert.fail(`${what} threw ${(err as Error)?.stack ?? String(err)}`);
  }
}

export { fc };
