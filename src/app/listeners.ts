// The listeners Berth serves on, with the settings every listener shares, and the logger each
// is made with.
import { LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { renderFrameworkError } from '../http/oci/plugin.js';
import { createListener, type Listener } from '../http/listener.js';
import { createLogger } from '../http/logging.js';
import { type MetricSources, metricsRoute } from '../http/metrics.js';
import { decryptingBytesHeld } from '../storage/encryption/readers.js';
import { setReadAheadBudget } from '../http/send-blob.js';
import type { TlsSetup } from '../tls/setup.js';
import { prettyFormatter, wantsPretty } from '../http/log-format.js';
import { addRequestLog } from '../http/request-log.js';
import { lazyChildLogger, nextRequestId } from '../http/request-logger.js';
import { requestActivity } from '../runtime/activity.js';

/** Berth's logger, each line carrying `logBase`: made first, so that services get it when they are built. */
export function berthLogger(config: Config, logBase: Record<string, string>): Logger {
  return createLogger(config.log.level, logBase, wantsPretty(config.log.format) ? prettyFormatter() : undefined);
}

/**
 * A listener with the settings every Berth listener shares: no deadline for a whole request
 * (large uploads stream for as long as they take) but one for headers and for a connection where
 * nothing moves, a limit of connections per address (config.http), /metrics, 503 while closing, the /v2 error format for framework
 * errors, and one log line per request when log.requests is on.
 * `sources`: what the main listener's /metrics adds (the database's waiting work, the audit trail).
 */
export function openListener(
  config: Config,
  logger: Logger,
  tls: TlsSetup | undefined,
  sources: Omit<MetricSources, 'decryptingBytesHeld'> = {},
): Listener {
  const listener = createListener(
    {
      loggerInstance: logger,
      logController: new LogController({ disableRequestLogging: true }),
      return503OnClosing: true,
      routerOptions: { maxParamLength: 4096, ignoreDuplicateSlashes: false },
      frameworkErrors: renderFrameworkError,
      genReqId: nextRequestId,
      childLoggerFactory: lazyChildLogger,
    },
    {
      headersTimeoutMs: config.http.headersTimeoutSeconds * 1000,
      idleTimeoutMs: config.http.idleTimeoutSeconds * 1000,
      keepAliveTimeoutMs: config.http.keepAliveTimeoutSeconds * 1000,
      maxConnectionsPerAddress: config.http.maxConnectionsPerAddress,
    },
    tls?.files,
  );
  metricsRoute(listener.app, { decryptingBytesHeld, ...sources }, config.metrics);
  setReadAheadBudget(config.http.readAheadBytes);
  if (config.log.requests) addRequestLog(listener.app);
  // Requests in flight, which background work (garbage collection) yields to.
  listener.app.addHook('onRequest', (_request, reply, done) => {
    reply.raw.once('close', requestActivity.begin());
    done();
  });
  return listener;
}

export function splitListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  return { host: listen.slice(0, at).replace(/^\[|\]$/g, '') || '0.0.0.0', port: Number(listen.slice(at + 1)) };
}
