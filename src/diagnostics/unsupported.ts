// The one way a printer (the default one or a dialect's) says "this warehouse cannot express
// that": a diagnostic, never wrong SQL. It has its own code: the warehouse refused nothing, and
// running again will not help.
import { DiagnosticsError, error } from './diagnostic.js';

export function unsupported(warehouse: string, what: string, fix: string): DiagnosticsError {
  return new DiagnosticsError([error('unsupported_feature', null, `UNSUPPORTED on ${warehouse}: ${what}`, fix)]);
}
