// Packages that a server may never use (the scanner's, managed signing's, the console's) are
// loaded on first use rather than at start: every module loaded stays in the heap and its code in
// memory for the life of the process, and these added ~15 MiB to the RSS of a server that only
// pushes and pulls (issue 27's peak RSS of a 2 GiB push ≤ 150 MiB). `require` loads synchronously,
// so the functions that use them stay synchronous; an ES module loads too (Node ≥ 22.12).
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/** The package `specifier`, loaded by the first call and the same object on every later one. */
export function lazyModule<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= load(specifier) as T;
    return loaded;
  };
}
