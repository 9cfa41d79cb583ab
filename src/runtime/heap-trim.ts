// Keeps freed buffer memory in the process instead of handing it back to the kernel at once.
//
// Each 64 KiB segment the worker seals or opens leaves a cipher output, allocated with malloc
// and freed a few batches later by a scavenge. glibc gives the free memory at the top of a heap
// back to the kernel (madvise) once more than its trim threshold, 128 KiB, is free there: so
// every batch's outputs were faulted in again, a page at a time, and zeroed by the kernel. That
// was up to a third of the worker's time in a download (0.3 s of 0.9 s per 512 MiB), and came
// and went between runs with whatever else the process had freed.
//
// Node cannot call mallopt, but glibc raises its thresholds itself: freeing a chunk it had to
// mmap (one above the mmap threshold, itself 128 KiB at first) sets the mmap threshold to that
// chunk's size and the trim threshold to twice that, for the whole process. So one 2 MiB buffer
// allocated and freed at start keeps up to 4 MiB free per heap, and the worker's scavenges free
// less than that at a time. Elsewhere than glibc this does nothing, and costs nothing.
import { scavenger } from './scavenge.js';

const CHUNK = 2 * 1024 * 1024;

/** Allocates and frees one chunk that malloc has to map. Once per process is enough. */
export function raiseTrimThreshold(): void {
  Buffer.allocUnsafeSlow(CHUNK); // dropped at once
  // A young buffer is freed by the next scavenge: run it now.
  scavenger(1)();
}
