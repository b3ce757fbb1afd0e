// The template language of a SQL trait ({{ source('name') }} and {{ as_of }} only), read once at
// load: the parts are kept in the model and everything after (the sandbox check, the reference
// check, the lowering, `quorum test`) reads them, never the text. This reads the template's
// braces, not SQL: what the SQL means is the dialect parser's business (src/definitions/
// checks/sql-traits-check.ts).
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { SourceLayout, SqlTemplatePart } from './model.js';
import { snakeCase } from './snake-case.js';

export type { SqlTemplatePart };

export interface SqlProblem {
  /** Offset in the SQL text where the problem starts, and its length there. */
  readonly offset: number;
  readonly length: number;
  /** Placed at the SQL trait itself; the reader moves it to the offset's line. */
  readonly diagnostic: Diagnostic;
}

/** The tables every source layout has; `source('x')` may also name a per-event table. */
export const SOURCE_ROLES = ['identifies', 'groups', 'tracks', 'pages', 'screens'] as const;
export const EVENT_TABLE_PATTERN = /^[a-z_][a-z0-9_]*$/;

/**
 * Splits a SQL trait's template into text and expressions, for the compiler to render.
 * `problems` is empty for every SQL trait that passed validation; `parts` always holds the
 * expressions that could be read.
 */
export function parseSqlTemplate(sql: string, subject = 'the SQL trait'): { parts: SqlTemplatePart[]; problems: SqlProblem[] } {
  const parts: SqlTemplatePart[] = [];
  const problems: SqlProblem[] = [];
  let text = '';
  let textStart = 0;
  let i = 0;
  while (i < sql.length) {
    const open = sql.slice(i, i + 2);
    if (open === '{%' || open === '{#') {
      const close = open === '{%' ? '%}' : '#}';
      const end = sql.indexOf(close, i + 2);
      const block = end < 0 ? sql.slice(i, i + 20) : sql.slice(i, end + 2);
      problems.push({ offset: i, length: block.length, diagnostic: diagnostic('sql_template', { rule: 'block', subject, block }, null) });
      i = end < 0 ? sql.length : end + 2;
      continue;
    }
    if (open !== '{{') {
      if (text === '') textStart = i;
      text += sql[i];
      i += 1;
      continue;
    }
    const end = sql.indexOf('}}', i + 2);
    if (end < 0) {
      problems.push({ offset: i, length: 2, diagnostic: diagnostic('sql_template', { rule: 'unclosed', subject }, null) });
      if (text === '') textStart = i;
      text += sql.slice(i);
      break;
    }
    if (text !== '') parts.push({ kind: 'text', text, offset: textStart });
    text = '';
    const expression = sql.slice(i, end + 2);
    const inner = sql.slice(i + 2, end).trim();
    const source = /^source\s*\(\s*(['"])(.*)\1\s*\)$/.exec(inner);
    if (inner === 'as_of') {
      parts.push({ kind: 'as_of', offset: i });
    } else if (source) {
      const table = source[2];
      if ((SOURCE_ROLES as readonly string[]).includes(table) || EVENT_TABLE_PATTERN.test(table)) {
        parts.push({ kind: 'source', table, offset: i });
      } else {
        const snake = snakeCase(table);
        const params = { kind: 'source', name: table, by: subject, expression, roles: SOURCE_ROLES, snake } as const;
        problems.push({ offset: i, length: expression.length, diagnostic: diagnostic('unknown_reference', params, null) });
      }
    } else {
      const unquoted = /^source\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)$/.exec(inner);
      const params = { rule: 'unknown', subject, expression, unquoted: unquoted ? unquoted[1] : null } as const;
      problems.push({ offset: i, length: expression.length, diagnostic: diagnostic('sql_template', params, null) });
    }
    i = end + 2;
  }
  if (text !== '') parts.push({ kind: 'text', text, offset: textStart });
  return { parts: withoutTerminator(parts), problems };
}

/**
 * The query is wrapped in quorum's own statement, so a `;` that ends the text is dropped here, once.
 * The dialect's parser has already checked that the text is one statement; a `;` followed by a
 * comment stays, and the warehouse then refuses the statement rather than run something else.
 */
function withoutTerminator(parts: SqlTemplatePart[]): SqlTemplatePart[] {
  const last = parts.at(-1);
  if (last?.kind !== 'text') return parts;
  const trimmed = last.text.trimEnd();
  if (!trimmed.endsWith(';')) return parts;
  return [...parts.slice(0, -1), { ...last, text: trimmed.slice(0, -1) }];
}

/** The table `{{ source('role') }}` reads: the layout's table for a role, else the event table itself. */
export function sourceTable(layout: SourceLayout, source: string): string {
  return (SOURCE_ROLES as readonly string[]).includes(source) ? layout.tables[source as (typeof SOURCE_ROLES)[number]] : source;
}

/** The `{{ source('x') }}` parts of a template whose table is not among `tables` (the source schema's). */
export function missingSources(
  template: readonly SqlTemplatePart[],
  layout: SourceLayout,
  tables: ReadonlyMap<string, unknown>,
): { readonly part: Extract<SqlTemplatePart, { kind: 'source' }>; readonly table: string }[] {
  return template.flatMap((part) => {
    if (part.kind !== 'source') return [];
    const table = sourceTable(layout, part.table);
    return tables.has(table) ? [] : [{ part, table }];
  });
}
