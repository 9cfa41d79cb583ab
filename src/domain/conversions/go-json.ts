// JSON as Go's encoding/json writes it (HTML-safe escapes of <, >, & and U+2028/2029), so bytes
// Berth derives for Docker's Go clients match what Docker's own tools produce.

/** JSON.stringify, then Go's escapes: these characters only ever occur inside JSON strings. */
export function goJson(value: unknown, indent?: string): string {
  return JSON.stringify(value, null, indent)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Go marshals a map with its keys sorted (byte order). */
export function sortedKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(value)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map((k) => [k, value[k]]),
  );
}
