// ECR's lifecycle policy actions: PutLifecyclePolicy, GetLifecyclePolicy, DeleteLifecyclePolicy,
// StartLifecyclePolicyPreview and GetLifecyclePolicyPreview. A preview is the runner's evaluation,
// stored: a run of the same policy on the same images acts on exactly the preview's images.
import { Actions } from '../domain/actions.js';
import { LifecycleError } from '../domain/lifecycle-errors.js';
import type { KeptImage, PlannedAction } from '../domain/lifecycle-plan.js';
import {
  LifecyclePolicyError,
  type LifecycleRule,
  lifecyclePolicyMessage,
  parseLifecyclePolicy,
} from '../domain/lifecycle-rules.js';
import { ManagementError } from '../domain/management-errors.js';
import type { LifecyclePreviewStatus } from '../domain/records/lifecycle.js';
import type { Repository } from '../domain/records/repositories.js';
import type { RequestContext } from '../domain/request-context.js';
import type { MetadataStore } from '../metadata/store.js';
import { type RepositoryAccess, repositoryNotFound } from './access.js';
import type { LifecycleRunner } from './lifecycle-runner.js';

/** A preview still IN_PROGRESS after this long is taken as abandoned (its node died) and may be started again. */
export const PREVIEW_STALE_MS = 10 * 60 * 1000;
/** A COMPLETE preview reads EXPIRED (without results) after this long: the images have moved on. */
export const PREVIEW_TTL_MS = 24 * 60 * 60 * 1000;

export interface LifecyclePolicyView {
  registryId: string;
  repositoryName: string;
  lifecyclePolicyText: string;
  lastEvaluatedAt?: number;
}

export interface LifecyclePreview {
  registryId: string;
  repositoryName: string;
  lifecyclePolicyText: string;
  status: LifecyclePreviewStatus;
  /** The plan, in rule order (empty unless COMPLETE). */
  actions: PlannedAction[];
  /** What guards keep (Berth's; not in ECR's preview shape). */
  kept: KeptImage[];
}

/** The rules of a policy text, or InvalidParameterException with ECR's reason. */
export function validLifecyclePolicy(text: string): LifecycleRule[] {
  try {
    return parseLifecyclePolicy(text);
  } catch (err) {
    if (!(err instanceof LifecyclePolicyError)) throw err;
    throw new ManagementError('INVALID_PARAMETER', lifecyclePolicyMessage(err.message));
  }
}

function policyNotFound(repository: Repository): LifecycleError {
  return new LifecycleError(
    'LifecyclePolicyNotFoundException',
    `Lifecycle policy does not exist for the repository with name '${repository.name}' in the registry with id '${repository.accountId}'`,
  );
}

export class LifecycleService {
  constructor(
    private readonly store: Pick<MetadataStore, 'lifecycle'>,
    private readonly access: RepositoryAccess,
    readonly runner: LifecycleRunner,
  ) {}

  async putPolicy(ctx: RequestContext, name: string, text: string): Promise<LifecyclePolicyView> {
    const repository = await this.access.existing(ctx, name, Actions.PutLifecyclePolicy);
    validLifecyclePolicy(text);
    // False when the repository was deleted meanwhile.
    if (!(await this.store.lifecycle.putPolicy(repository.id, text, this.runner.now())))
      throw repositoryNotFound(ctx.registry.accountId, name);
    return { registryId: ctx.registry.accountId, repositoryName: name, lifecyclePolicyText: text };
  }

  async getPolicy(ctx: RequestContext, name: string): Promise<LifecyclePolicyView> {
    const repository = await this.access.existing(ctx, name, Actions.GetLifecyclePolicy);
    const policy = await this.store.lifecycle.getPolicy(repository.id);
    if (!policy) throw policyNotFound(repository);
    return {
      registryId: ctx.registry.accountId,
      repositoryName: name,
      lifecyclePolicyText: policy.policyText,
      ...(policy.lastEvaluatedAt !== null && { lastEvaluatedAt: policy.lastEvaluatedAt }),
    };
  }

  async deletePolicy(ctx: RequestContext, name: string): Promise<LifecyclePolicyView> {
    const repository = await this.access.existing(ctx, name, Actions.DeleteLifecyclePolicy);
    const policy = await this.store.lifecycle.deletePolicy(repository.id);
    if (!policy) throw policyNotFound(repository);
    return {
      registryId: ctx.registry.accountId,
      repositoryName: name,
      lifecyclePolicyText: policy.policyText,
      ...(policy.lastEvaluatedAt !== null && { lastEvaluatedAt: policy.lastEvaluatedAt }),
    };
  }

  /**
   * Previews `text` (else the repository's policy). The evaluation runs within the call, so the
   * preview answered is COMPLETE (or FAILED); a second start while one runs is
   * LifecyclePolicyPreviewInProgressException.
   */
  async startPreview(
    ctx: RequestContext,
    name: string,
    text?: string,
  ): Promise<Omit<LifecyclePreview, 'actions' | 'kept'>> {
    const repository = await this.access.existing(ctx, name, Actions.StartLifecyclePolicyPreview);
    let policyText = text;
    if (policyText === undefined) {
      const policy = await this.store.lifecycle.getPolicy(repository.id);
      if (!policy) throw policyNotFound(repository);
      policyText = policy.policyText;
    }
    const rules = validLifecyclePolicy(policyText);
    const startedAt = this.runner.now();
    if (!(await this.store.lifecycle.startPreview(repository.id, policyText, startedAt, startedAt - PREVIEW_STALE_MS)))
      throw new LifecycleError(
        'LifecyclePolicyPreviewInProgressException',
        `A lifecycle policy preview is already in progress for the repository with name '${name}' in the registry with id '${repository.accountId}'`,
      );
    let status: LifecyclePreviewStatus = 'COMPLETE';
    let results: string | null;
    try {
      results = JSON.stringify(await this.runner.evaluate(repository, rules));
    } catch (err) {
      status = 'FAILED';
      results = null;
      await this.store.lifecycle.finishPreview(repository.id, startedAt, status, results);
      throw err;
    }
    await this.store.lifecycle.finishPreview(repository.id, startedAt, status, results);
    return { registryId: ctx.registry.accountId, repositoryName: name, lifecyclePolicyText: policyText, status };
  }

  async getPreview(ctx: RequestContext, name: string): Promise<LifecyclePreview> {
    const repository = await this.access.existing(ctx, name, Actions.GetLifecyclePolicyPreview);
    return this.preview(repository, ctx.registry.accountId);
  }

  /** The repository's latest preview as it reads now (the CLI's too). */
  async preview(repository: Repository, registryId: string): Promise<LifecyclePreview> {
    const preview = await this.store.lifecycle.getPreview(repository.id);
    if (!preview)
      throw new LifecycleError(
        'LifecyclePolicyPreviewNotFoundException',
        `There is no lifecycle policy preview for the repository with name '${repository.name}' in the registry with id '${registryId}'`,
      );
    const now = this.runner.now();
    let status = preview.status;
    if (status === 'IN_PROGRESS' && now - preview.startedAt > PREVIEW_STALE_MS) status = 'FAILED';
    if (status === 'COMPLETE' && now - preview.startedAt > PREVIEW_TTL_MS) status = 'EXPIRED';
    const plan =
      status === 'COMPLETE' && preview.results
        ? (JSON.parse(preview.results) as { actions: PlannedAction[]; kept: KeptImage[] })
        : { actions: [], kept: [] };
    return {
      registryId,
      repositoryName: repository.name,
      lifecyclePolicyText: preview.policyText,
      status,
      actions: plan.actions,
      kept: plan.kept,
    };
  }
}
