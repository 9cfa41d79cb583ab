// ECR's `*` wildcard filters, one reading for all of them: repository filters (WILDCARD_MATCH of
// scanning and signing rules), tag patterns of deletion protection and replication, and tag
// mutability's exclusion filters. `*` is any run of characters (none too); every other character
// stands for itself; the filter matches the whole name.

/** Whether `filter` (`*` for any run of characters) matches all of `name`. */
export function wildcardMatches(filter: string, name: string): boolean {
  const body = filter
    .split('*')
    .map((part) => part.replace(/[.\\^$+?()[\]{}|]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`).test(name);
}
