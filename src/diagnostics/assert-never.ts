/**
 * The end of an exhaustive `switch` on a `kind`: a node kind added later cannot be forgotten,
 * because the call no longer type-checks. Reaching it at run time is a bug in quorum, never bad
 * input, so it throws.
 */
export function assertNever(value: never, what = 'node'): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}
