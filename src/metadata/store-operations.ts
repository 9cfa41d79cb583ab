// The metadata port's read of what waits in the database, for the metrics (issue 24): counts and
// ages over the uploads, jobs, replication outbox and GC deletion tables, one query each.
import type { OperationalGauges } from '../domain/operational-gauges.js';

export interface OperationsIndex {
  gauges(now: number): Promise<OperationalGauges>;
}
