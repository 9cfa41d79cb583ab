// What garbage collection must keep besides what live manifests reference: each area that holds
// content on its own terms (the trash, for one) names the digests a collection must not free.
export interface GcRootSource {
  /** Shown in the collector's summary. */
  readonly name: string;
  /** Digests of stored content (manifests, configs, layers) that this collection must keep. */
  digests(): AsyncIterable<string>;
}
