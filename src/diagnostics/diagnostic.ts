import type { SourceLocation } from '../definitions/model.js';
import type { DiagnosticCode, MessageParameters } from './message-parameters.js';
import { INPUT_MESSAGES, type Message } from './messages-input.js';
import { CATALOG_MESSAGES } from './messages-catalog.js';
import { RUN_MESSAGES } from './messages-run.js';

export type { DiagnosticCode, MessageParameters } from './message-parameters.js';

/**
 * A problem a user can cause, with its code's typed parameters and the message and hint its one
 * formatter made of them. Only internal bugs throw; everything else becomes a Diagnostic.
 */
export type Diagnostic = { [C in DiagnosticCode]: DiagnosticOf<C> }[DiagnosticCode];

export interface DiagnosticOf<C extends DiagnosticCode> {
  readonly code: C;
  readonly params: MessageParameters[C];
  readonly severity: 'error' | 'warning';
  readonly loc: SourceLocation | null; // null only for problems with no file (e.g. unreachable warehouse)
  /** What is wrong, quoting the user's own names. */
  readonly message: string;
  /** How to fix it, one sentence; includes a did-you-mean where there is one. */
  readonly hint: string | null;
}

/** Every code's formatter: the only place that words a diagnostic. */
const MESSAGES: { readonly [C in DiagnosticCode]: (p: MessageParameters[C]) => Message } = {
  ...INPUT_MESSAGES,
  ...CATALOG_MESSAGES,
  ...RUN_MESSAGES,
};

export function formatMessage<C extends DiagnosticCode>(code: C, params: MessageParameters[C]): Message {
  const format = (MESSAGES as Readonly<Record<DiagnosticCode, unknown>>)[code] as (p: MessageParameters[C]) => Message;
  return format(params);
}

/** `diagnostic('unknown_reference', { kind: 'audience', name, ... }, loc)`: TypeScript checks the parameters against the code. */
export function diagnostic<C extends DiagnosticCode>(
  code: C,
  params: MessageParameters[C],
  loc: SourceLocation | null,
  severity: 'error' | 'warning' = 'error',
): DiagnosticOf<C> {
  return { code, params, severity, loc, ...formatMessage(code, params) };
}

/** Thrown to unwind a command when diagnostics make going on pointless; the CLI prints them. */
export class DiagnosticsError extends Error {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join('\n'));
    this.name = 'DiagnosticsError';
  }
}

/** The same problems thrown at once: `throw failure('state_newer', { ... })`. */
export function failure<C extends DiagnosticCode>(
  code: C,
  params: MessageParameters[C],
  loc: SourceLocation | null = null,
): DiagnosticsError {
  return new DiagnosticsError([diagnostic(code, params, loc) as Diagnostic]);
}
