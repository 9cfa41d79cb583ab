// The trash: a deleted image (by any path: image-removal.ts) stays restorable for
// `registry.trashDays` with its record, references and tags, who deleted it and when; `berth
// trash restore` puts it back, and a job purges what is past the window. Until then its digests
// are garbage collection roots, so the bytes it needs are still there to pull byte-identical.
import type { EventDeliveryInput } from '../domain/records/events.js';
import type { GcRootSource } from '../domain/gc-roots.js';
import { ManagementError } from '../domain/management-errors.js';
import type { TrashEntry } from '../domain/records/protection.js';
import type { Repository } from '../domain/records/repositories.js';
import type { RegistryRef } from '../domain/registry.js';
import { registryKey } from '../metadata/registry-key.js';
import type { MetadataStore } from '../metadata/store.js';

const DAY_MS = 24 * 60 * 60 * 1000;

type Store = Pick<MetadataStore, 'trash' | 'manifests' | 'repositories' | 'blobs'>;

/** What a restore did: the manifests put back (children first), their tags, and the tags left where they are. */
export interface RestoreReport {
  restored: string[];
  tags: string[];
  /** Tags that point at another image now: not taken back. */
  taken: { tag: string; digest: string }[];
}

export class Trash implements GcRootSource {
  readonly name = 'trash';

  constructor(
    private readonly store: Store,
    /** How long entries stay; 0: deletions keep nothing. */
    readonly days: number,
  ) {}

  /**
   * Removes the manifest with its tags, keeping it in the trash when the trash is on. False when
   * the repository had no such manifest. `events` (the removal's outbox rows) commit with it.
   */
  discard(
    repository: Repository,
    digest: string,
    deletedBy: string,
    events: EventDeliveryInput[] = [],
  ): Promise<boolean> {
    return this.days > 0
      ? this.store.trash.discard(repository.id, digest, deletedBy, Date.now(), events)
      : this.store.manifests.delete(repository.id, digest, events);
  }

  /** The entries of a registry's repositories (private or public), or of one, newest first. */
  async list(registry: RegistryRef, name?: string): Promise<TrashEntry[]> {
    const key = registryKey(registry);
    if (name === undefined) return this.store.trash.list(key);
    return this.store.trash.list(key, (await this.repository(registry, name)).id);
  }

  /**
   * Puts a deleted image back in its repository with its tags, and first any of its child
   * manifests that are in the trash too; blobs it references that are stored but no longer
   * linked to the repository are linked again. A tag moved meanwhile to another image stays there.
   */
  async restore(registry: RegistryRef, name: string, digest: string): Promise<RestoreReport> {
    const repository = await this.repository(registry, name);
    const report: RestoreReport = { restored: [], tags: [], taken: [] };
    if (!(await this.store.trash.get(repository.id, digest))) {
      const live = await this.store.manifests.get(repository.id, digest);
      throw new ManagementError(
        'INVALID_PARAMETER',
        live
          ? `${digest} is in the repository '${name}' already`
          : `${digest} is not in the trash of the repository '${name}'`,
      );
    }
    await this.restoreEntry(repository, digest, report, new Set());
    return report;
  }

  /** Removes entries older than the window; returns how many went. */
  purge(now = Date.now()): Promise<number> {
    return this.store.trash.purge(now - this.days * DAY_MS);
  }

  /** The digests trash entries keep alive (GcRootSource). */
  digests(): AsyncIterable<string> {
    return this.store.trash.keptDigests();
  }

  private async restoreEntry(
    repository: Repository,
    digest: string,
    report: RestoreReport,
    visiting: Set<string>,
  ): Promise<void> {
    visiting.add(digest);
    const entry = await this.store.trash.get(repository.id, digest);
    if (!entry) return;
    const manifests = await this.store.manifests.existing(repository.id, entry.references);
    const missing: string[] = [];
    for (const child of entry.references) {
      if (manifests.has(child) || visiting.has(child)) continue;
      if (await this.store.trash.get(repository.id, child)) {
        await this.restoreEntry(repository, child, report, visiting);
        continue;
      }
      if ((await this.store.blobs.linkedSize(repository.id, child)) !== undefined) continue;
      const size = await this.store.blobs.size(child);
      if (size === undefined) missing.push(child);
      else await this.store.blobs.link(repository.id, child, size);
    }
    if (missing.length > 0)
      throw new ManagementError(
        'INVALID_PARAMETER',
        `${digest} cannot be restored: content it references is gone: ${missing.join(', ')}`,
      );
    const outcome = await this.store.trash.restore(repository.id, digest);
    if (!outcome.restored) return;
    report.restored.push(digest);
    report.tags.push(...outcome.tags);
    report.taken.push(...outcome.taken);
  }

  private async repository(registry: RegistryRef, name: string): Promise<Repository> {
    const repository = await this.store.repositories.get(registryKey(registry), name);
    if (!repository)
      throw new ManagementError(
        'INVALID_PARAMETER',
        `no repository '${name}' in the ${registry.visibility} registry of account ${registry.accountId}`,
      );
    return repository;
  }
}
