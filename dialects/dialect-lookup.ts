// The DialectLookup that src/ is given, over some dialects (the registry's, or fewer in a test).
import type { DialectLookup } from '../src/evaluation/session.js';
import type { Dialect } from '../src/warehouse/connection.js';

/** The first dialect is the default of a quorum.yml without `warehouse.type`, unless one is named. */
export function lookupOf(dialects: Readonly<Record<string, Dialect>>, defaultName = Object.keys(dialects)[0]): DialectLookup {
  const named = (name: string): Dialect | undefined => (Object.hasOwn(dialects, name) ? dialects[name] : undefined);
  return Object.assign(named, { names: Object.keys(dialects), defaultName });
}
