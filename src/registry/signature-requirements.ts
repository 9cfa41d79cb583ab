// The pull-time signature requirements of repositories, as `berth signing` changes them (offline,
// in the configured database): which KMS keys' signatures a repository's pulls require. Nodes
// serving pulls read a change within seconds (signature-gate.ts).
import { RegistryError } from '../domain/errors.js';
import type { Repository } from '../domain/records/repositories.js';
import type { SignatureRequirement } from '../domain/records/signing.js';
import type { MetadataStore } from '../metadata/store.js';

const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key\/[0-9a-f-]{36}|alias\/[a-zA-Z0-9/_-]+)$/;

export class SignatureRequirements {
  constructor(private readonly store: Pick<MetadataStore, 'signing' | 'repositories'>) {}

  /** Requires signatures by any of `keyArns` (KMS key or alias ARNs) for pulls from the repository. */
  async require(accountId: string, repositoryName: string, keyArns: string[]): Promise<SignatureRequirement> {
    if (keyArns.length === 0)
      throw new RegistryError('UNSUPPORTED', 'name at least one KMS key ARN', {}, { status: 400 });
    const bad = keyArns.filter((arn) => !KEY_ARN.test(arn));
    if (bad.length > 0)
      throw new RegistryError('UNSUPPORTED', `not KMS key or alias ARNs: ${bad.join(', ')}`, {}, { status: 400 });
    const repository = await this.repository(accountId, repositoryName);
    const requirement = {
      accountId,
      repositoryId: repository.id,
      keyArns: [...new Set(keyArns)],
      updatedAt: Date.now(),
    };
    await this.store.signing.putRequirement(requirement);
    return requirement;
  }

  /** False when the repository required no signatures. */
  async remove(accountId: string, repositoryName: string): Promise<boolean> {
    return this.store.signing.deleteRequirement((await this.repository(accountId, repositoryName)).id);
  }

  /** The account's requirements with their repositories' names. */
  async list(accountId: string): Promise<(SignatureRequirement & { repositoryName: string })[]> {
    const out = [];
    for (const r of await this.store.signing.requirements(accountId)) {
      const repository = await this.store.repositories.getById(r.repositoryId);
      if (repository) out.push({ ...r, repositoryName: repository.name });
    }
    return out.sort((a, b) => a.repositoryName.localeCompare(b.repositoryName));
  }

  private async repository(accountId: string, name: string): Promise<Repository> {
    const repository = await this.store.repositories.get(accountId, name);
    if (!repository)
      throw new RegistryError('NAME_UNKNOWN', `repository ${name} not found in account ${accountId}`, { name });
    return repository;
  }
}
