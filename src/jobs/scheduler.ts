// Runs recurring jobs exactly once per interval across every node sharing the database: a node
// leases a due job row, runs it, and records the next run. A node that dies mid-job loses its
// lease when it expires, and another node runs the job.
import type { FastifyBaseLogger } from 'fastify';
import type { MetadataStore } from '../metadata/store.js';

export interface JobDefinition {
  name: string;
  intervalMs: number;
  /** How long one run may hold the job before another node may take it over. */
  leaseMs: number;
  run(): Promise<void>;
}

export class JobScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly byName: Map<string, JobDefinition>;

  constructor(
    private readonly store: Pick<MetadataStore, 'jobs'>,
    private readonly nodeId: string,
    private readonly log: FastifyBaseLogger,
    jobs: JobDefinition[],
    private readonly tickMs = 30_000,
  ) {
    this.byName = new Map(jobs.map((job) => [job.name, job]));
  }

  async start(): Promise<void> {
    const now = Date.now();
    for (const job of this.byName.values()) await this.store.jobs.ensure(job.name, now + job.intervalMs);
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
  }

  /** Claims and runs every due job this node can get; returns the names it ran. */
  async tick(): Promise<string[]> {
    if (this.running) return [];
    const ran: string[] = [];
    const work = (async () => {
      for (;;) {
        const now = Date.now();
        const longest = Math.max(...[...this.byName.values()].map((j) => j.leaseMs));
        const name = await this.store.jobs.claim(this.nodeId, now, now + longest);
        if (!name) return;
        const job = this.byName.get(name);
        let error: string | null = null;
        try {
          if (job) await job.run();
        } catch (err) {
          error = (err as Error).message ?? String(err);
          this.log.error({ err, job: name }, 'job failed');
        }
        const done = Date.now();
        await this.store.jobs.complete(name, this.nodeId, done, done + (job?.intervalMs ?? 3_600_000), error);
        ran.push(name);
      }
    })();
    this.running = work.catch((err) => this.log.error({ err }, 'job scheduler failed'));
    await this.running;
    this.running = undefined;
    return ran;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
