// What keeps an image from being removed by lifecycle (and, for some guards, by any deletion):
// each area that has a reason contributes a guard (deletion protection, images in use by the
// principals that run them), and the composition root hands them to the lifecycle runner.
import type { Repository } from './records/repositories.js';

/** An image lifecycle would act on: its manifest digest and the tags it has now. */
export interface RetentionCandidate {
  digest: string;
  tags: readonly string[];
}

export interface RetentionGuard {
  /**
   * The candidates this guard keeps, by digest, each with the reason a lifecycle preview shows
   * (`protected: prod-*`, `in use`). Candidates it does not keep are left out of the map.
   */
  kept(repository: Repository, candidates: readonly RetentionCandidate[]): Promise<Map<string, string>>;
}
