// Scavenges (young-generation collections) on demand, for threads that stream large bodies.
//
// A buffer Node allocates outside the heap (a socket read, a cipher's output) is freed only when
// V8 collects its small JS object. Streaming makes few JS objects per byte, so the young
// generation fills slowly and, left alone, lets tens of MiB of dead buffers pile up before a
// collection: most of Berth's memory during a large upload. A scavenge every few MiB streamed
// frees them as they die; it costs a fraction of a millisecond, the threads' live young objects
// being few. `gc` is only reachable through the V8 flag, in a context made after it is set.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: ((options: { type: 'minor' }) => void) | undefined;

/** A counter that scavenges this thread's young generation every `every` calls. */
export function scavenger(every: number): () => void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as (options: { type: 'minor' }) => void;
  }
  const scavenge = collect;
  let count = 0;
  return () => {
    if (++count < every) return;
    count = 0;
    scavenge({ type: 'minor' });
  };
}
