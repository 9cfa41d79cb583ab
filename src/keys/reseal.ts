// Re-sealing a secret from one master key to another, as a master key rotation does for every
// secret sealed with it. Each area that keeps such secrets re-seals its own with a `Reseal`.
import type { Seal } from './shared-secret.js';

/** Re-seals `sealed` (made under `context`); undefined when it is sealed with the new key already. */
export type Reseal = (sealed: string, context: string) => string | undefined;

/**
 * Opens with `from` and seals with `to`. Resumable: a value `from` cannot open but `to` can was
 * re-sealed by an earlier, interrupted run; one that neither opens is an error.
 */
export function resealer(from: Seal, to: Seal): Reseal {
  return (sealed, context) => {
    let plain: string;
    try {
      plain = from.decrypt(sealed, context);
    } catch (err) {
      try {
        to.decrypt(sealed, context);
        return undefined;
      } catch {
        throw new Error(
          `a secret (${context}) opens with neither the old nor the new master key: ${(err as Error).message}`,
        );
      }
    }
    return to.encrypt(plain, context);
  };
}
