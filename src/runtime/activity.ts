// Whether this process is serving requests: what background work paces itself by (registry/gc.ts
// yields to them). Every listener counts its requests here (app/listeners.ts); the count is the
// process's, as the event loop and the cores it shares are.
import { performance } from 'node:perf_hooks';

/** How long after its last request ended the process still counts as serving (traffic comes in bursts). */
const RECENT_MS = 1000;

export class RequestActivity {
  private inFlight = 0;
  private lastEnded = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly recentMs = RECENT_MS,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** A request starts; the function returned ends it (once, whatever calls it again). */
  begin(): () => void {
    this.inFlight++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlight--;
      this.lastEnded = this.clock();
    };
  }

  /** A request is in flight, or one ended within the last second. */
  busy(): boolean {
    return this.inFlight > 0 || this.clock() - this.lastEnded < this.recentMs;
  }
}

/** This process's requests (every listener's). */
export const requestActivity = new RequestActivity();
