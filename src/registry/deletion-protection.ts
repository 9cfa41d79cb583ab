// Deletion protection: repositories, and tag patterns in them, that no deletion removes until the
// protection is lifted. Managed offline (`berth protect`); enforced where every deletion passes
// (image-removal.ts, and RepositoryService.delete); a retention guard for lifecycle.
import {
  coveringProtection,
  DeletionProtectedError,
  protectionLabel,
  TAG_PATTERN,
} from '../domain/deletion-protection.js';
import { ManagementError } from '../domain/management-errors.js';
import type { DeletionProtection } from '../domain/records/protection.js';
import type { Repository } from '../domain/records/repositories.js';
import { privateRegistry } from '../domain/registry.js';
import type { RetentionCandidate, RetentionGuard } from '../domain/retention.js';
import { registryKey } from '../metadata/registry-key.js';
import type { MetadataStore } from '../metadata/store.js';

/** How many indexes up a child manifest's protection is looked for. */
const MAX_PARENT_DEPTH = 8;

type Store = Pick<MetadataStore, 'protections' | 'repositories' | 'images'>;

export class DeletionProtections implements RetentionGuard {
  constructor(private readonly store: Store) {}

  /** Protects a repository of an account's private registry, or the tags of it `tagPattern` matches. */
  async add(
    accountId: string,
    name: string,
    tagPattern: string | undefined,
    createdBy: string | null = null,
  ): Promise<{ protection: DeletionProtection; added: boolean }> {
    if (tagPattern !== undefined && !TAG_PATTERN.test(tagPattern))
      throw new ManagementError(
        'INVALID_PARAMETER',
        `invalid tag pattern '${tagPattern}': 1 to 128 of [0-9a-zA-Z._*-]`,
      );
    const repository = await this.repository(accountId, name);
    const added = await this.store.protections.add(repository.id, tagPattern ?? null, Date.now(), createdBy);
    const protection = (await this.store.protections.forRepository(repository.id)).find(
      (p) => p.tagPattern === (tagPattern ?? null),
    )!;
    return { protection, added };
  }

  /** Lifts a protection; false when there was none such. */
  async remove(accountId: string, name: string, tagPattern: string | undefined): Promise<boolean> {
    const repository = await this.repository(accountId, name);
    return this.store.protections.remove(repository.id, tagPattern ?? null);
  }

  async list(accountId: string, name?: string): Promise<DeletionProtection[]> {
    if (name === undefined) return this.store.protections.list(registryKey(privateRegistry(accountId)));
    return this.store.protections.forRepository((await this.repository(accountId, name)).id);
  }

  /** Refuses removing a protected tag. */
  async checkUntag(repository: Repository, tag: string): Promise<void> {
    const covering = coveringProtection(await this.patterns(repository), [tag]);
    if (covering) throw new DeletionProtectedError(repository.name, covering.tagPattern, `The tag '${tag}'`);
  }

  /**
   * Refuses removing a manifest of a protected repository, one with a protected tag, or one an
   * index with a protected tag names (removing it would break that index).
   */
  async checkManifest(repository: Repository, digest: string): Promise<void> {
    const patterns = await this.patterns(repository);
    if (patterns.length === 0) return;
    const found = await this.covering(repository, patterns, digest);
    if (found)
      throw new DeletionProtectedError(
        repository.name,
        found.tagPattern,
        found.through === digest ? `The image ${digest}` : `The image ${digest} (in the index ${found.through})`,
      );
  }

  /** Refuses deleting a repository while it has any protection (the whole of it, or tags in it). */
  async checkRepository(repository: Repository): Promise<void> {
    const patterns = await this.patterns(repository);
    if (patterns.length === 0) return;
    throw new ManagementError(
      'INVALID_PARAMETER',
      `The repository '${repository.name}' cannot be deleted: it is protected from deletion (${patterns
        .map((p) => `protected: ${protectionLabel(p)}`)
        .join(', ')}); lift the protection first (berth protect rm)`,
    );
  }

  /** Lifecycle keeps every image a protection covers: `protected: prod-*`, `protected: repository`. */
  async kept(repository: Repository, candidates: readonly RetentionCandidate[]): Promise<Map<string, string>> {
    const kept = new Map<string, string>();
    const patterns = await this.patterns(repository);
    if (patterns.length === 0) return kept;
    for (const candidate of candidates) {
      const found =
        coveringProtection(patterns, candidate.tags) ?? (await this.covering(repository, patterns, candidate.digest));
      if (found) kept.set(candidate.digest, `protected: ${protectionLabel(found.tagPattern)}`);
    }
    return kept;
  }

  /**
   * The protection covering a manifest, by its own tags or those of an index over it (up to
   * MAX_PARENT_DEPTH levels up), with the manifest whose tag it matched.
   */
  private async covering(
    repository: Repository,
    patterns: (string | null)[],
    digest: string,
  ): Promise<{ tagPattern: string | null; through: string } | undefined> {
    const seen = new Set<string>();
    let level = [digest];
    for (let depth = 0; depth <= MAX_PARENT_DEPTH && level.length > 0; depth++) {
      for (const image of await this.store.images.get(repository.id, level)) {
        const covering = coveringProtection(patterns, image.tags);
        if (covering) return { tagPattern: covering.tagPattern, through: image.digest };
      }
      if (patterns.includes(null)) return { tagPattern: null, through: digest };
      const next: string[] = [];
      for (const d of level) {
        seen.add(d);
        for (const parent of await this.store.images.parents(repository.id, d))
          if (!seen.has(parent)) next.push(parent);
      }
      level = [...new Set(next)];
    }
    return undefined;
  }

  private async patterns(repository: Repository): Promise<(string | null)[]> {
    return (await this.store.protections.forRepository(repository.id)).map((p) => p.tagPattern);
  }

  private async repository(accountId: string, name: string): Promise<Repository> {
    const repository = await this.store.repositories.get(registryKey(privateRegistry(accountId)), name);
    if (!repository)
      throw new ManagementError('INVALID_PARAMETER', `no repository '${name}' in the registry of account ${accountId}`);
    return repository;
  }
}
