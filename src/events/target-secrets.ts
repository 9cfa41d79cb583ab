// Webhook targets' signing secrets at rest: sealed with the master key (AES-GCM, bound to the
// target's account, rule and id), as Secrets Manager's values are; opened only to sign a
// delivery. A master key rotation re-seals them (its webhookSecrets phase); a secret stored
// before sealing existed (plain text) is sealed when the service starts.
import type { EventTarget } from '../domain/records/events.js';
import type { Reseal } from '../keys/reseal.js';
import type { Seal } from '../keys/shared-secret.js';
import type { MetadataStore } from '../metadata/store.js';

/** The prefix of a secret the master key sealed. */
export const SEALED_SECRET = 'm1:';
const PAGE = 500;

type TargetKey = Pick<EventTarget, 'accountId' | 'ruleName' | 'id'>;

const context = (t: TargetKey) => `events:${t.accountId}:${t.ruleName}:${t.id}`;

export class TargetSecrets {
  constructor(private readonly seal: Seal) {}

  /** The secret as stored. */
  sealed(target: TargetKey, secret: string): string {
    return SEALED_SECRET + this.seal.encrypt(secret, context(target));
  }

  /** The secret to sign with (one stored before sealing existed is its own text). */
  open(target: TargetKey & Pick<EventTarget, 'secret'>): string {
    if (!target.secret.startsWith(SEALED_SECRET)) return target.secret;
    return this.seal.decrypt(target.secret.slice(SEALED_SECRET.length), context(target));
  }
}

/** Each stored secret, a page at a time: `change` gives its new value (undefined: keep); how many changed. */
async function rewriteSecrets(
  store: Pick<MetadataStore, 'events'>,
  change: (target: TargetKey & { secret: string }) => string | undefined,
  onPage: (count: number) => void,
): Promise<number> {
  let count = 0;
  let after: TargetKey | undefined;
  for (;;) {
    const page = await store.events.targetSecrets(after, PAGE);
    for (const target of page) {
      const next = change(target);
      if (next === undefined) continue;
      if (await store.events.replaceSecret(target, target.secret, next)) count++;
    }
    if (page.length < PAGE) return count;
    onPage(count);
    after = page[page.length - 1]!;
  }
}

/** A master key rotation's part: re-seals every sealed webhook secret. */
export function resealWebhookSecrets(
  store: Pick<MetadataStore, 'events'>,
  reseal: Reseal,
  onPage: (count: number) => void = () => {},
): Promise<number> {
  return rewriteSecrets(
    store,
    (target) => {
      if (!target.secret.startsWith(SEALED_SECRET)) return undefined;
      const next = reseal(target.secret.slice(SEALED_SECRET.length), context(target));
      return next === undefined ? undefined : SEALED_SECRET + next;
    },
    onPage,
  );
}

/** Seals the secrets stored in plain text (before sealing existed); how many. */
export function sealPlainSecrets(store: Pick<MetadataStore, 'events'>, secrets: TargetSecrets): Promise<number> {
  return rewriteSecrets(
    store,
    (target) => (target.secret.startsWith(SEALED_SECRET) ? undefined : secrets.sealed(target, target.secret)),
    () => {},
  );
}
