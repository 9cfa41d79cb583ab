// The process's metrics for operators: GET /metrics in Prometheus's text format, made with
// prom-client. Besides the process's own (CPU, memory, event loop, GC), what it held or gave up
// to keep serving (log lines dropped, connections refused, blob bytes read ahead), the requests
// of every face and action with their latency and bytes (request-metrics.ts), the audit trail's
// buffer, and the work waiting in the database (upload sessions, the job queue, the replication
// outbox, GC deletions), read when the metrics are asked for.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { OperationalGauges } from '../domain/operational-gauges.js';
import { addRequestMetrics } from './request-metrics.js';

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
  /** The work waiting in the database (the main listener's; read on each scrape). */
  operations?(): Promise<OperationalGauges>;
  /** The audit trail's counts. */
  audit?(): { written: number; dropped: number; pending: number };
}

export interface MetricsSettings {
  enabled: boolean;
  /** When not empty, /metrics wants `Authorization: Bearer <token>`. */
  token: string;
}

type Read = () => number;

function gauge(registry: Registry, name: string, help: string, read: Read): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

function counter(registry: Registry, name: string, help: string, read: Read): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** prom-client's process metrics, collected once per process however many listeners serve them. */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** The registry of one listener's /metrics (the process's metrics merged in). */
export function metricsRegistry(sources: MetricSources): Registry {
  const registry = new Registry();
  counter(
    registry,
    'berth_log_lines_dropped_total',
    'Log lines dropped because the log destination failed',
    () => metrics.logLinesDropped,
  );
  counter(
    registry,
    'berth_connections_refused_total',
    'Connections refused by the per-address connection limit',
    () => metrics.connectionsRefused,
  );
  gauge(
    registry,
    'berth_blob_read_ahead_bytes',
    'Blob bytes read from storage that clients have not taken yet',
    () => metrics.blobReadAheadBytes,
  );
  gauge(
    registry,
    'berth_blob_read_ahead_peak_bytes',
    'The most blob bytes held read ahead since the start',
    () => metrics.blobReadAheadPeakBytes,
  );
  gauge(registry, 'berth_blob_decrypt_buffer_bytes', 'Buffers that decrypting blob reads hold now', () =>
    sources.decryptingBytesHeld(),
  );
  gauge(
    registry,
    'berth_process_resident_memory_bytes',
    'Resident set size of the process',
    () => process.memoryUsage().rss,
  );
  gauge(
    registry,
    'berth_process_external_memory_bytes',
    'Memory outside the JavaScript heap (buffers included)',
    () => process.memoryUsage().external,
  );
  const audit = sources.audit;
  if (audit) {
    counter(
      registry,
      'berth_audit_events_written_total',
      'Audit events written to the database',
      () => audit().written,
    );
    counter(
      registry,
      'berth_audit_events_dropped_total',
      'Audit events dropped because the buffer was full',
      () => audit().dropped,
    );
    gauge(registry, 'berth_audit_events_pending', 'Audit events buffered, not yet written', () => audit().pending);
  }
  const read = sources.operations;
  if (read) {
    // One read per scrape for all six gauges (each gauge's collect asks).
    let last: { at: number; value: Promise<OperationalGauges> } | undefined;
    const operations = () => {
      if (!last || Date.now() - last.at > 1000) last = { at: Date.now(), value: read() };
      return last.value;
    };
    const waiting: [keyof OperationalGauges, string, string, number][] = [
      ['uploadSessions', 'berth_upload_sessions', 'Upload sessions open now', 1],
      ['jobsDue', 'berth_jobs_due', 'Recurring jobs due and not running (the job queue depth)', 1],
      ['oldestDueJobMs', 'berth_jobs_oldest_due_seconds', 'How long the longest-waiting due job has waited', 1000],
      ['replicationPending', 'berth_replication_pending', 'Image replications waiting in the outbox', 1],
      ['oldestReplicationMs', 'berth_replication_oldest_seconds', 'Age of the oldest waiting replication (lag)', 1000],
      ['gcDeletionsPending', 'berth_gc_deletions_pending', 'Blobs marked by garbage collection, not yet deleted', 1],
    ];
    for (const [key, name, help, divisor] of waiting)
      new Gauge({
        name,
        help,
        registers: [registry],
        async collect() {
          try {
            this.set((await operations())[key] / divisor);
          } catch {
            // The database does not answer: the readiness probe says so; the gauge is left out.
            this.reset();
          }
        },
      });
  }
  return registry;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? '');
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** GET /metrics (behind a bearer token when one is set), and the request counters on every route. */
export function metricsRoute(app: FastifyInstance, sources: MetricSources, settings?: MetricsSettings): void {
  if (settings && !settings.enabled) return;
  const own = metricsRegistry(sources);
  addRequestMetrics(app, own);
  const registry = Registry.merge([processMetrics(), own]);
  const token = settings?.token ?? '';
  app.get('/metrics', async (request, reply) => {
    if (token && !tokenMatches(request.headers.authorization, token))
      return reply
        .code(401)
        .header('WWW-Authenticate', 'Bearer realm="berth-metrics"')
        .send({ message: 'a bearer token is needed' });
    return reply
      .header('Cache-Control', 'no-store')
      .type(registry.contentType)
      .send(await registry.metrics());
  });
}
