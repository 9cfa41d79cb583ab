// What an operator sees (config.events, config.audit, config.metrics): event delivery to webhooks,
// the audit trail, and Prometheus metrics.
import { z } from 'zod';

/** EventBridge-shaped events sent to webhooks (the events face's rules and targets). */
export const EventsConfigSchema = z
  .strictObject({
    /** Hours a delivery is retried (exponential backoff) before it goes to the dead letters. */
    maxRetryHours: z.number().positive().max(720).default(24),
    /** The first retry's delay; each next one doubles, at most an hour. */
    retryBaseMilliseconds: z.number().int().min(10).max(600_000).default(1000),
    /** Seconds a node holds a delivery before another may take it over. */
    leaseSeconds: z.number().int().min(5).max(3600).default(60),
    /** Seconds a webhook has to answer. */
    timeoutSeconds: z.number().int().min(1).max(300).default(10),
    /** Milliseconds between looks for work when there is none. */
    pollMilliseconds: z.number().int().min(50).max(60_000).default(1000),
    /** Allow plain-HTTP webhooks on loopback addresses (127.0.0.0/8, ::1, localhost): for tests and sidecars. */
    allowHttpLoopback: z.boolean().default(false),
  })
  .prefault({});

/** The audit trail (CloudTrail-shaped events of every API call and registry request; LookupEvents). */
export const AuditConfigSchema = z
  .strictObject({
    /** Record events; off: nothing is recorded and LookupEvents finds only what was. */
    enabled: z.boolean().default(true),
    /** Days events are kept; a job deletes older ones. */
    retentionDays: z.number().int().min(1).max(3650).default(90),
    /** Milliseconds between writes of the buffered events (a full batch is written sooner). */
    flushIntervalMs: z.number().int().min(50).max(60_000).default(1000),
  })
  .prefault({});

/** Prometheus metrics on GET /metrics of the main listener. */
export const MetricsConfigSchema = z
  .strictObject({
    /** Serve /metrics and count requests per face and action; off: /metrics answers 404. */
    enabled: z.boolean().default(true),
    /** When set, /metrics wants `Authorization: Bearer <token>`; empty: anyone who reaches the listener may read it. */
    token: z.string().default(''),
  })
  .prefault({});
