// Counters of what the process holds or gave up to keep serving, for operators (GET /metrics,
// Prometheus text format) and tests: log lines that could not be written, connections refused
// by the per-address limit, and the bytes blob downloads hold read ahead of their clients.
import type { FastifyInstance } from 'fastify';

export const metrics = {
  /** Log lines dropped because the log's destination failed (a full disk) or could not keep up. */
  logLinesDropped: 0,
  /** Connections refused because their address already held as many as it may. */
  connectionsRefused: 0,
  /** Blob bytes downloads read from storage and their clients' sockets have not taken yet, now. */
  blobReadAheadBytes: 0,
  /** The most blobReadAheadBytes has been since the start. */
  blobReadAheadPeakBytes: 0,
};

/** What the process's parts below the faces report, read when the metrics are asked for. */
export interface MetricSources {
  /** Bytes of buffers that decrypting blob reads hold now (the storage layer's). */
  decryptingBytesHeld(): number;
}

export function metricsText(sources: MetricSources): string {
  const memory = process.memoryUsage();
  const lines = [
    [
      'berth_log_lines_dropped_total',
      'counter',
      'Log lines dropped because the log destination failed',
      metrics.logLinesDropped,
    ],
    [
      'berth_connections_refused_total',
      'counter',
      'Connections refused by the per-address connection limit',
      metrics.connectionsRefused,
    ],
    [
      'berth_blob_read_ahead_bytes',
      'gauge',
      'Blob bytes read from storage that clients have not taken yet',
      metrics.blobReadAheadBytes,
    ],
    [
      'berth_blob_read_ahead_peak_bytes',
      'gauge',
      'The most blob bytes held read ahead since the start',
      metrics.blobReadAheadPeakBytes,
    ],
    [
      'berth_blob_decrypt_buffer_bytes',
      'gauge',
      'Buffers that decrypting blob reads hold now',
      sources.decryptingBytesHeld(),
    ],
    ['berth_process_resident_memory_bytes', 'gauge', 'Resident set size of the process', memory.rss],
    [
      'berth_process_external_memory_bytes',
      'gauge',
      'Memory outside the JavaScript heap (buffers included)',
      memory.external,
    ],
  ] as const;
  return lines
    .map(([name, type, help, value]) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`)
    .join('');
}

export function metricsRoute(app: FastifyInstance, sources: MetricSources): void {
  app.get('/metrics', async (_request, reply) =>
    reply.header('Cache-Control', 'no-store').type('text/plain; version=0.0.4').send(metricsText(sources)),
  );
}
