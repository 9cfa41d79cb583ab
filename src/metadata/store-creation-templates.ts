// The repository creation template index of the metadata port: templates by account and prefix.
// Adapter: kysely-creation-templates.ts.
import type { CreationTemplate, CreationTemplateSettings } from '../domain/records/creation-templates.js';

export interface CreationTemplateIndex {
  /** False (and nothing changes) when the account has a template of that prefix already. */
  create(template: CreationTemplate): Promise<boolean>;
  get(accountId: string, prefix: string): Promise<CreationTemplate | undefined>;
  /** The template with its new settings, or undefined when there is none of that prefix. */
  update(
    accountId: string,
    prefix: string,
    settings: CreationTemplateSettings,
    at: number,
  ): Promise<CreationTemplate | undefined>;
  /** The template that was deleted, or undefined when there was none. */
  delete(accountId: string, prefix: string): Promise<CreationTemplate | undefined>;
  /** The account's templates in byte order of prefix, after `last`; only those of `prefixes` when given. */
  list(accountId: string, page: { last?: string; limit: number; prefixes?: string[] }): Promise<CreationTemplate[]>;
  count(accountId: string): Promise<number>;
}
