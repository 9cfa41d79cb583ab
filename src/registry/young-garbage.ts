// Streaming leaves short-lived buffers behind outside the heap: a 64 KiB socket chunk per read, a
// sealed segment per 64 KiB, a sealed batch per MiB. Their JS handles are tiny, so V8 sees a
// nearly empty young generation and lets tens of MiB of such buffers pile up (per thread) before
// it collects. A scavenge every few MiB streamed (well under a millisecond: the young generation
// is small and almost all garbage) keeps resident memory flat instead.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options: { type: 'minor' | 'major' }) => void;

export class YoungGarbage {
  private since = 0;

  constructor(private readonly every: number) {}

  /** Counts `bytes` of short-lived buffers made; scavenges when `every` have accumulated. */
  made(bytes: number): void {
    this.since += bytes;
    if (this.since < this.every) return;
    this.since = 0;
    gc({ type: 'minor' });
  }
}
