// The records of the job index (metadata/store-jobs.ts): durable recurring jobs.

export interface Job {
  name: string;
  nextRunAt: number;
  lockedBy: string | null;
  lockedUntil: number | null;
  lastRunAt: number | null;
  lastError: string | null;
}
