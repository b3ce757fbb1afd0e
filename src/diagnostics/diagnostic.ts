import type { SourceLocation } from '../definitions/model.js';

/**
 * Stable error codes. A user can search the README for the code; tests assert on it.
 * Only internal bugs throw; everything a user can cause becomes a Diagnostic.
 */
export type DiagnosticCode =
  | 'yaml_syntax' // malformed YAML
  | 'file_too_large' // a YAML file past its size limit (SPEC §8)
  | 'invalid_utf8' // a YAML file whose bytes are not UTF-8
  | 'nul_character' // a NUL character in a YAML file
  | 'nesting_too_deep' // mappings / lists nested past 64 levels
  | 'alias_limit' // aliases expanding past 10,000 nodes
  | 'unknown_key' // a key the schema does not know
  | 'missing_key' // a required key is absent
  | 'wrong_type' // a value of the wrong type or shape
  | 'invalid_value' // right type, impossible value (bad duration, bad timestamp, negative count)
  | 'duplicate_name' // two definitions with one name
  | 'unknown_reference' // unknown trait / audience / destination / source
  | 'ambiguous_reference' // a name that is both a computed and a SQL trait
  | 'level_mismatch' // account thing in a user tree or the reverse
  | 'cycle' // audience -> trait -> ... -> audience
  | 'sql_not_select' // SQL trait that is not one read-only SELECT
  | 'sql_template' // bad {{ }} expression in a SQL trait
  | 'sql_unparsable' // SQL trait the dialect's parser cannot read (never passed through)
  | 'sql_forbidden' // SQL trait calling a file / network / settings / server function, or reading a system catalog or the state
  | 'sql_reserved_column' // SQL trait column named like one of quorum's own columns
  | 'uncastable_literal' // literal that cannot be cast to the column's type
  | 'missing_table' // warehouse table not found
  | 'missing_column' // warehouse column not found
  | 'warehouse_unreachable' // cannot connect / open
  | 'warehouse_error' // the warehouse refused a statement
  | 'duplicate_key' // SQL trait returned one key with conflicting values
  | 'missing_env' // ${VAR} not set
  | 'state_locked' // another run holds the state schema's lock (quorum run)
  | 'state_damaged' // the state schema fails its consistency check (quorum run, quorum state check)
  | 'state_newer' // the state schema was written by a newer quorum (a later state format)
  | 'mass_exit' // the max_exit_fraction guardrail stopped a definition (quorum run)
  | 'delivery_failed' // a destination did not take its calls; they wait in the outbox (quorum run)
  | 'not_a_project' // --project (or the current folder) has no quorum.yml
  | 'file_system' // a path the user gave cannot be read or written (a folder, no permission, a full disk)
  | 'usage'; // CLI usage problem

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: 'error' | 'warning';
  readonly loc: SourceLocation | null; // null only for problems with no file (e.g. unreachable warehouse)
  /** What is wrong, quoting the user's own names. */
  readonly message: string;
  /** How to fix it, one sentence; includes a did-you-mean where there is one. */
  readonly hint: string | null;
}

export function error(
  code: DiagnosticCode,
  loc: SourceLocation | null,
  message: string,
  hint: string | null = null,
): Diagnostic {
  return { code, severity: 'error', loc, message, hint };
}

export function warning(
  code: DiagnosticCode,
  loc: SourceLocation | null,
  message: string,
  hint: string | null = null,
): Diagnostic {
  return { code, severity: 'warning', loc, message, hint };
}

/** Thrown to unwind a command when diagnostics make going on pointless; the CLI prints them. */
export class DiagnosticsError extends Error {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join('\n'));
    this.name = 'DiagnosticsError';
  }
}
