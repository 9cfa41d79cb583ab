// Lifecycle's runner with its retention guards, built the same way for the server (registry.ts)
// and for `berth lifecycle run` offline: images in use by runtime principals are kept (deletion
// protection's guard and the archiver join here when their areas are wired).
import type { Config } from '../config/schema.js';
import type { ImageArchiver } from '../domain/image-archive.js';
import type { RetentionGuard } from '../domain/retention.js';
import type { MetadataStore } from '../metadata/store.js';
import type { ImageRemoval } from '../registry/image-removal.js';
import { InUseRetention } from '../registry/in-use-retention.js';
import { type LifecycleLog, LifecycleRunner } from '../registry/lifecycle-runner.js';
import type { PullExclusionCache } from '../registry/pull-exclusions.js';

export function lifecycleRunner(
  config: Config,
  store: MetadataStore,
  removal: Pick<ImageRemoval, 'removeManifest'>,
  exclusions: PullExclusionCache,
  extras: { log?: LifecycleLog; archiver?: ImageArchiver } = {},
): LifecycleRunner {
  const guards: RetentionGuard[] = [];
  const runner = new LifecycleRunner(store, removal, { guards, ...extras });
  guards.push(
    new InUseRetention(
      store,
      exclusions,
      { patterns: config.lifecycle.runtimePrincipals, inUseDays: config.lifecycle.inUseDays },
      () => runner.now(),
    ),
  );
  return runner;
}
