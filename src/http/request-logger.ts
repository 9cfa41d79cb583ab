// Each request's logger (request.log) and id, made cheaply: Fastify makes a child logger with
// the request's id for every request, and pino's child (its bindings serialised at once) with a
// random UUID was a twentieth of a manifest GET's CPU, while most requests never log a line.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, LogFn, Logger } from 'pino';

/** Berth's loggers are pino's (logging.ts). */
type Parent = Logger;

/** A child logger made on first use; until then its level is the parent's (no level of its own). */
class LazyChild {
  private made: Parent | undefined;

  constructor(
    private readonly parent: Parent,
    private readonly childBindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get real(): Parent {
    this.made ??= this.parent.child(this.childBindings, this.options);
    return this.made;
  }

  get level(): string {
    return (this.made ?? this.parent).level;
  }

  set level(level: string) {
    this.real.level = level;
  }

  isLevelEnabled(level: Level): boolean {
    return (this.made ?? this.parent).isLevelEnabled(level);
  }

  bindings(): Bindings {
    return this.real.bindings();
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.real.child(bindings, options);
  }

  fatal(...args: Parameters<LogFn>): void {
    this.real.fatal(...args);
  }

  error(...args: Parameters<LogFn>): void {
    this.real.error(...args);
  }

  warn(...args: Parameters<LogFn>): void {
    this.real.warn(...args);
  }

  info(...args: Parameters<LogFn>): void {
    this.real.info(...args);
  }

  debug(...args: Parameters<LogFn>): void {
    this.real.debug(...args);
  }

  trace(...args: Parameters<LogFn>): void {
    this.real.trace(...args);
  }

  silent(): void {}
}

/** Fastify's childLoggerFactory: the request's child logger, made when it first logs. */
export function lazyChildLogger(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  // A route's own log level makes the child's level differ from its parent's: made at once.
  if (options.level !== undefined) return logger.child(bindings, options);
  return new LazyChild(logger as Parent, bindings, options) as unknown as FastifyBaseLogger;
}

// Request ids are UUID-shaped, as AWS's x-amzn-RequestId: this process's random first 20 hex
// digits, then a counter (unique across processes by the random part, without a random draw per
// request).
const ID_PREFIX = randomUUID().slice(0, 24);
let requestCount = 0;

/** Fastify's genReqId. */
export function nextRequestId(): string {
  requestCount++;
  return ID_PREFIX + requestCount.toString(16).padStart(12, '0');
}
