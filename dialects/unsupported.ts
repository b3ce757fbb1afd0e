// The one way a printer says "this warehouse cannot express that": a diagnostic, never wrong SQL.
import { DiagnosticsError, error } from '../src/diagnostics/diagnostic.js';

export function unsupported(warehouse: string, what: string, fix: string): DiagnosticsError {
  return new DiagnosticsError([error('warehouse_error', null, `UNSUPPORTED on ${warehouse}: ${what}`, fix)]);
}
