// Where Berth's log goes: standard output, written so that logging never holds up serving. Lines
// are queued and written asynchronously, a batch at a time; a batch the destination refuses (a
// full disk: ENOSPC, a closed pipe, any error) is dropped and counted, as are lines that arrive
// while the queue is full (a destination slower than the log). Nothing ever retries in a loop
// or sleeps on the event loop. The count is metrics.logLinesDropped (GET /metrics).
import { write, writeSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { metrics } from './metrics.js';

/** Bytes of log lines kept waiting for the destination before new ones are dropped. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/** A destination that is only busy (EAGAIN: a full pipe) is tried again after this long. */
const BUSY_RETRY_MS = 20;

export class DroppingDestination {
  private queue: string[] = [];
  private queuedBytes = 0;
  private writing = false;

  constructor(private readonly fd: number) {}

  /** pino's destination interface: one serialized line. */
  write(line: string): boolean {
    if (this.queuedBytes + line.length > MAX_QUEUED_BYTES) {
      metrics.logLinesDropped++;
      return true;
    }
    this.queue.push(line);
    this.queuedBytes += line.length;
    if (!this.writing) this.next();
    return true;
  }

  /** At exit, when nothing asynchronous runs any more: one attempt at what is queued, dropped if it fails. */
  flushSync(): void {
    if (this.queue.length === 0) return;
    const lines = this.queue.length;
    const batch = this.take();
    try {
      writeSync(this.fd, batch);
    } catch {
      metrics.logLinesDropped += lines;
    }
  }

  private take(): string {
    const batch = this.queue.join('');
    this.queue = [];
    this.queuedBytes = 0;
    return batch;
  }

  private next(): void {
    if (this.queue.length === 0) {
      this.writing = false;
      return;
    }
    this.writing = true;
    const lines = this.queue.length;
    this.send(Buffer.from(this.take()), lines);
  }

  private send(bytes: Buffer, lines: number): void {
    write(this.fd, bytes, 0, bytes.length, null, (err, written) => {
      if (err && (err as NodeJS.ErrnoException).code === 'EAGAIN') {
        setTimeout(() => this.send(bytes, lines), BUSY_RETRY_MS).unref();
        return;
      }
      if (err) {
        metrics.logLinesDropped += lines;
      } else if (written < bytes.length) {
        return this.send(bytes.subarray(written), lines);
      }
      this.next();
    });
  }
}

let stdout: DroppingDestination | undefined;

/**
 * Berth's logger at `level`, each line carrying `base`, on standard output; `format` turns each
 * JSON line into what is written instead (log.format pretty), still through the dropping queue.
 */
export function createLogger(level: string, base: Record<string, string>, format?: (line: string) => string): Logger {
  if (!stdout) {
    const destination = new DroppingDestination(1);
    stdout = destination;
    process.once('exit', () => destination.flushSync());
  }
  const out = stdout;
  return pino({ level, base }, format ? { write: (line: string) => out.write(format(line)) } : out);
}
