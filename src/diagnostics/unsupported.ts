// The one way a printer (the default one or a dialect's) says "this warehouse cannot express
// that": a diagnostic, never wrong SQL. It has its own code: the warehouse refused nothing, and
// running again will not help.
import { failure, type DiagnosticsError } from './diagnostic.js';

export function unsupported(warehouse: string, what: string, fix: string): DiagnosticsError {
  return failure('unsupported_feature', { warehouse, what, fix });
}
