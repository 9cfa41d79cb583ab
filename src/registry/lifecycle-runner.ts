// Carries out lifecycle policies: one evaluation (domain/lifecycle-plan.ts over the repository's
// images, less what the retention guards keep) that a preview stores and a run executes. Expiry
// goes through ImageRemoval like every deletion; transition through the injected archiver.
import { randomUUID } from 'node:crypto';
import {
  type KeptImage,
  type LifecycleImage,
  type PlannedAction,
  planLifecycle,
  settlePlan,
} from '../domain/lifecycle-plan.js';
import { type LifecycleRule, parseLifecyclePolicy } from '../domain/lifecycle-rules.js';
import type { ImageArchiver } from '../domain/image-archive.js';
import type { LifecycleActionRecord } from '../domain/records/lifecycle.js';
import type { Repository } from '../domain/records/repositories.js';
import type { RetentionGuard } from '../domain/retention.js';
import type { MetadataStore } from '../metadata/store.js';
import type { ImageRemoval } from './image-removal.js';

const PAGE = 1000;

/** Where a run says what it did (the node's logger). */
export interface LifecycleLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface LifecycleEvaluation {
  /** What the policy does now, in rule order. */
  actions: PlannedAction[];
  /** What it would have done but a guard (or an index that stays) keeps. */
  kept: KeptImage[];
}

export interface LifecycleRunResult extends LifecycleEvaluation {
  repository: Repository;
  /** The actions carried out (all of `actions` but those that failed or found the image gone). */
  done: PlannedAction[];
}

export interface LifecycleRunnerOptions {
  guards?: readonly RetentionGuard[];
  /** Moves images to the archive storage class; without it, transition rules are previewed but not carried out. */
  archiver?: ImageArchiver;
  log?: LifecycleLog;
  now?: () => number;
}

export class LifecycleRunner {
  /** The clock evaluations count days by (tests move it). */
  now: () => number;
  /** Moves images to the archive storage class; without it, transition rules are previewed but not carried out. */
  archiver: ImageArchiver | undefined;
  private readonly guards: readonly RetentionGuard[];

  constructor(
    private readonly store: Pick<MetadataStore, 'images' | 'lifecycle' | 'repositories'>,
    private readonly removal: Pick<ImageRemoval, 'removeManifest'>,
    private readonly options: LifecycleRunnerOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.guards = options.guards ?? [];
    this.archiver = options.archiver;
  }

  /** The plan of `rules` over the repository's images now. */
  async evaluate(repository: Repository, rules: readonly LifecycleRule[]): Promise<LifecycleEvaluation> {
    const images = await this.images(repository);
    const planned = planLifecycle(rules, images, this.now());
    // Parents matter only to expiries (an index that stays keeps its children).
    const byDigest = new Map(images.map((image) => [image.digest, image]));
    for (const action of planned) {
      if (action.action !== 'EXPIRE') continue;
      const image = byDigest.get(action.digest)!;
      image.parents = await this.store.images.parents(repository.id, action.digest);
    }
    const guarded = new Map<string, string>();
    const candidates = planned.map((a) => ({ digest: a.digest, tags: a.tags }));
    for (const guard of this.guards) {
      if (candidates.length === 0) break;
      for (const [digest, reason] of await guard.kept(repository, candidates))
        if (!guarded.has(digest)) guarded.set(digest, reason);
    }
    return settlePlan(planned, images, guarded);
  }

  /** Evaluates the repository's stored policy and, unless `dryRun`, carries it out. Undefined without a policy. */
  async run(repository: Repository, dryRun = false): Promise<LifecycleRunResult | undefined> {
    const policy = await this.store.lifecycle.getPolicy(repository.id);
    if (!policy) return undefined;
    const evaluation = await this.evaluate(repository, parseLifecyclePolicy(policy.policyText));
    const done = dryRun ? [] : await this.execute(repository, evaluation);
    for (const kept of evaluation.kept)
      this.options.log?.info(
        { repository: repository.name, digest: kept.digest, rulePriority: kept.rulePriority, reason: kept.reason },
        'lifecycle kept an image',
      );
    if (!dryRun) await this.store.lifecycle.markEvaluated(repository.id, this.now());
    return { repository, ...evaluation, done };
  }

  /** Runs every repository's policy (or those of `repositoryIds`); one that fails does not stop the others. */
  async runAll(dryRun = false): Promise<LifecycleRunResult[]> {
    const results: LifecycleRunResult[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.store.lifecycle.policies(after === undefined ? { limit: PAGE } : { after, limit: PAGE });
      for (const policy of page) {
        const repository = await this.store.repositories.getById(policy.repositoryId);
        if (!repository) continue;
        try {
          const result = await this.run(repository, dryRun);
          if (result) results.push(result);
        } catch (err) {
          this.options.log?.warn({ err, repository: repository.name }, 'lifecycle run failed');
        }
      }
      if (page.length < PAGE) return results;
      after = page[page.length - 1]!.repositoryId;
    }
  }

  private async execute(repository: Repository, evaluation: LifecycleEvaluation): Promise<PlannedAction[]> {
    const done: PlannedAction[] = [];
    for (const action of evaluation.actions) {
      if (action.action === 'EXPIRE') {
        const removed = await this.removal.removeManifest(repository, action.digest, {
          kind: 'lifecycle',
          rulePriority: action.rulePriority,
        });
        if (!removed) continue;
      } else {
        if (!this.archiver) {
          this.options.log?.warn(
            { repository: repository.name, digest: action.digest, rulePriority: action.rulePriority },
            'lifecycle transition skipped: this deployment has no archive storage class',
          );
          continue;
        }
        await this.archiver.archive(repository, action.digest);
      }
      const record: LifecycleActionRecord = {
        id: randomUUID(),
        at: this.now(),
        repositoryId: repository.id,
        repositoryName: repository.name,
        digest: action.digest,
        tags: [...action.tags],
        rulePriority: action.rulePriority,
        action: action.action,
        actor: 'lifecycle',
      };
      await this.store.lifecycle.recordActions([record]);
      this.options.log?.info(
        { repository: repository.name, digest: action.digest, tags: action.tags, rulePriority: action.rulePriority },
        action.action === 'EXPIRE' ? 'lifecycle expired an image' : 'lifecycle archived an image',
      );
      done.push(action);
    }
    return done;
  }

  private async images(repository: Repository): Promise<LifecycleImage[]> {
    const images: LifecycleImage[] = [];
    let last: string | undefined;
    for (;;) {
      const page = await this.store.images.list(
        repository.id,
        'ANY',
        last === undefined ? { limit: PAGE } : { last, limit: PAGE },
      );
      for (const record of page)
        images.push({
          digest: record.digest,
          tags: record.tags,
          pushedAt: record.createdAt,
          lastPulledAt: record.lastPulledAt,
          ...(record.imageStatus && { imageStatus: record.imageStatus }),
          ...(record.lastArchivedAt !== undefined && { lastArchivedAt: record.lastArchivedAt }),
          parents: [],
        });
      if (page.length < PAGE) return images;
      last = page[page.length - 1]!.digest;
    }
  }
}
