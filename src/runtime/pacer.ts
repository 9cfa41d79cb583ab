// A duty cycle for background work that shares the event loop and the cores with requests
// (garbage collection): while requests are being served, the work runs at most `busyPercent` of
// the time, resting between its units in proportion to how long each took; when none are, it
// runs at full speed, only yielding to the event loop between units so that a request that comes
// in is served after one unit at most.
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';

/** The longest rest after one unit, however long it took: the work keeps moving. */
const MAX_REST_MS = 2000;

export interface Pace {
  /** Requests are being served now: units should be small. */
  busy(): boolean;
  /** A run of units begins (what the first pause measures from). */
  start(): void;
  /** Between two units of work (never inside a transaction): yields, and rests while busy. */
  pause(): Promise<void>;
  /** Milliseconds rested since start. */
  readonly restedMs: number;
}

/** No pacing: what a collection outside the server (`berth gc`) and tests of the decisions use. */
export const FULL_SPEED: Pace = { busy: () => false, start: () => {}, pause: async () => {}, restedMs: 0 };

export class Pacer implements Pace {
  private unitStarted: number;
  restedMs = 0;

  /** `busyPercent`: 1 to 100 (100: no rests, only yields). */
  constructor(
    private readonly activity: { busy(): boolean },
    private readonly busyPercent: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.unitStarted = clock();
  }

  busy(): boolean {
    return this.activity.busy();
  }

  start(): void {
    this.unitStarted = this.clock();
    this.restedMs = 0;
  }

  async pause(): Promise<void> {
    const worked = this.clock() - this.unitStarted;
    const rest =
      this.busyPercent < 100 && this.activity.busy()
        ? Math.min(MAX_REST_MS, (worked * (100 - this.busyPercent)) / this.busyPercent)
        : 0;
    if (rest >= 1) await sleep(rest);
    else await yieldToLoop();
    const now = this.clock();
    if (rest >= 1) this.restedMs += now - this.unitStarted - worked;
    this.unitStarted = now;
  }
}
