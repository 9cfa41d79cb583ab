// Signed tokens as the code above the ports uses them: claims in, a token out, and back only when
// the signature verifies. The implementation is keys/signed-token.ts (SignedTokenCodec).

/** Signs claims into a token and opens tokens it signed, each optionally bound to a thing it is for. */
export interface TokenCodec {
  /** A token carrying `claims`; a `binding` is signed but not carried, so it opens only with the same one. */
  sign(claims: object, binding?: string): string;
  /** The claims of a token whose signature verifies under the same binding, or undefined. */
  open(token: string, binding?: string): Record<string, unknown> | undefined;
}
