// Static checks of a SQL trait's query, before it ever reaches a warehouse: the template
// language ({{ source('name') }} and {{ as_of }} only) and the "one read-only SELECT" rule.
// The checks work on a masked copy of the text (comments, string literals, quoted identifiers
// and template expressions blanked out, offsets kept), so a keyword inside a string or a
// comment never counts and every problem still points at the user's own character.
import type { DiagnosticCode } from '../diagnostics/diagnostic.js';
import { snakeCase } from './snake-case.js';

export type SqlTemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'source'; readonly table: string }
  | { readonly kind: 'as_of' };

export interface SqlProblem {
  readonly code: DiagnosticCode;
  /** Offset in the SQL text where the problem starts. */
  readonly offset: number;
  readonly message: string;
  readonly hint: string | null;
}

/** The tables every source layout has; `source('x')` may also name a per-event table. */
export const SOURCE_ROLES = ['identifies', 'groups', 'tracks', 'pages', 'screens'] as const;
export const EVENT_TABLE_PATTERN = /^[a-z_][a-z0-9_]*$/;

export const FORBIDDEN_SQL_KEYWORDS = [
  'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'CREATE', 'DROP', 'ALTER', 'TRUNCATE', 'GRANT', 'REVOKE',
  'COPY', 'ATTACH', 'DETACH', 'CALL', 'PRAGMA', 'SET', 'INSTALL', 'LOAD', 'EXPORT', 'IMPORT',
  'VACUUM', 'CHECKPOINT', 'EXECUTE',
] as const;

const TEMPLATE_HINT = "the only template expressions are {{ source('tracks') }} (identifies, groups, tracks, pages, screens or an event table such as logged_in) and {{ as_of }}";

/**
 * Splits a SQL trait's template into text and expressions, for the compiler to render.
 * `problems` is empty for every SQL trait that passed validation; `parts` always holds the
 * expressions that could be read.
 */
export function parseSqlTemplate(sql: string): { parts: SqlTemplatePart[]; problems: SqlProblem[] } {
  const parts: SqlTemplatePart[] = [];
  const problems: SqlProblem[] = [];
  let text = '';
  let i = 0;
  while (i < sql.length) {
    const open = sql.slice(i, i + 2);
    if (open === '{%' || open === '{#') {
      const close = open === '{%' ? '%}' : '#}';
      const end = sql.indexOf(close, i + 2);
      problems.push({
        code: 'sql_template',
        offset: i,
        message: `the SQL uses a template block "${end < 0 ? sql.slice(i, i + 20) : sql.slice(i, end + 2)}", but SQL traits support no template statements or comments`,
        hint: TEMPLATE_HINT,
      });
      i = end < 0 ? sql.length : end + 2;
      continue;
    }
    if (open !== '{{') {
      text += sql[i];
      i += 1;
      continue;
    }
    const end = sql.indexOf('}}', i + 2);
    if (end < 0) {
      problems.push({ code: 'sql_template', offset: i, message: 'the SQL opens a template expression "{{" that is never closed with "}}"', hint: TEMPLATE_HINT });
      text += sql.slice(i);
      break;
    }
    if (text !== '') parts.push({ kind: 'text', text });
    text = '';
    const expression = sql.slice(i, end + 2);
    const inner = sql.slice(i + 2, end).trim();
    const source = /^source\s*\(\s*(['"])(.*)\1\s*\)$/.exec(inner);
    if (inner === 'as_of') {
      parts.push({ kind: 'as_of' });
    } else if (source) {
      const table = source[2];
      if ((SOURCE_ROLES as readonly string[]).includes(table) || EVENT_TABLE_PATTERN.test(table)) {
        parts.push({ kind: 'source', table });
      } else {
        const snake = snakeCase(table);
        problems.push({
          code: 'unknown_reference',
          offset: i,
          message: `the SQL reads "${expression}", but "${table}" is not a source table: sources are ${SOURCE_ROLES.join(', ')} or an event table named in snake case`,
          hint: snake !== '' ? `event tables are named in snake case: write {{ source('${snake}') }}` : TEMPLATE_HINT,
        });
      }
    } else {
      const unquoted = /^source\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)$/.exec(inner);
      problems.push({
        code: 'sql_template',
        offset: i,
        message: `the SQL uses the template expression "${expression}", which quorum does not know`,
        hint: unquoted ? `quote the table name: {{ source('${unquoted[1]}') }}` : TEMPLATE_HINT,
      });
    }
    i = end + 2;
  }
  if (text !== '') parts.push({ kind: 'text', text });
  return { parts, problems };
}

/**
 * The SQL with comments, string literals, quoted identifiers and template expressions replaced
 * by spaces (newlines kept), so offsets stay valid. Unterminated quotes are problems.
 */
export function maskSql(sql: string): { masked: string; problems: SqlProblem[] } {
  const problems: SqlProblem[] = [];
  const out = sql.split('');
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to && k < out.length; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  // Template expressions first: they may hold quotes of their own.
  for (const match of sql.matchAll(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}|\{#[\s\S]*?#\}/g)) {
    blank(match.index, match.index + match[0].length);
  }
  const text = out.join('');
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) {
        problems.push({ code: 'sql_not_select', offset: i, message: 'the SQL has a comment "/*" that is never closed', hint: 'close it with */' });
        blank(i, text.length);
        break;
      }
      blank(i, end + 2);
      i = end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      for (;;) {
        const end = text.indexOf(c, j);
        if (end < 0) {
          j = -1;
          break;
        }
        if (text[end + 1] === c) {
          j = end + 2;
          continue;
        }
        j = end;
        break;
      }
      if (j < 0) {
        const what = c === "'" ? 'string literal' : 'quoted identifier';
        problems.push({ code: 'sql_not_select', offset: i, message: `the SQL has a ${what} starting with ${c} that is never closed`, hint: `close it with ${c}; a quote inside is written twice (${c}${c})` });
        blank(i, text.length);
        break;
      }
      blank(i, j + 1);
      i = j + 1;
    } else if (c === '$' && /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.test(text.slice(i))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i))![0];
      const end = text.indexOf(tag, i + tag.length);
      if (end < 0) {
        problems.push({ code: 'sql_not_select', offset: i, message: `the SQL has a dollar-quoted string ${tag} that is never closed`, hint: `close it with ${tag}` });
        blank(i, text.length);
        break;
      }
      blank(i, end + tag.length);
      i = end + tag.length;
    } else {
      i += 1;
    }
  }
  return { masked: out.join(''), problems };
}

/** Problems that make the query anything but one read-only SELECT. */
export function checkSqlIsSelect(sql: string): SqlProblem[] {
  const { masked, problems } = maskSql(sql);
  if (problems.length > 0) return problems;
  const statements: { start: number; text: string }[] = [];
  let start = 0;
  for (let k = 0; k <= masked.length; k++) {
    if (k === masked.length || masked[k] === ';') {
      const piece = masked.slice(start, k);
      if (piece.trim() !== '') statements.push({ start: start + piece.search(/\S/), text: piece });
      start = k + 1;
    }
  }
  const fix = 'a SQL trait is one read-only query: SELECT ... or WITH ... SELECT ...; compute writes elsewhere, e.g. in dbt';
  if (statements.length === 0) {
    return [{ code: 'sql_not_select', offset: 0, message: 'the SQL is empty', hint: 'write a SELECT that returns the entity key and the trait column(s)' }];
  }
  if (statements.length > 1) {
    return [{
      code: 'sql_not_select',
      offset: statements[1].start,
      message: `the SQL holds ${statements.length} statements, but a SQL trait must be exactly one SELECT (a trailing ";" is allowed)`,
      hint: 'remove everything after the first statement\'s ";"',
    }];
  }
  const statement = statements[0];
  const first = /[A-Za-z_]+/.exec(statement.text.replace(/^[\s(]*/, (m) => ' '.repeat(m.length)));
  const firstWord = first ? first[0].toUpperCase() : '';
  if (firstWord !== 'SELECT' && firstWord !== 'WITH') {
    return [{
      code: 'sql_not_select',
      offset: statement.start + (first ? first.index - statement.text.search(/\S/) : 0),
      message: `the SQL starts with "${first ? first[0] : statement.text.trim().slice(0, 20)}", but a SQL trait must be a read-only SELECT (or WITH ... SELECT)`,
      hint: fix,
    }];
  }
  const found: SqlProblem[] = [];
  const seen = new Set<string>();
  for (const match of masked.matchAll(/[A-Za-z_][A-Za-z0-9_$]*/g)) {
    const word = match[0].toUpperCase();
    if (seen.has(word)) continue;
    if ((FORBIDDEN_SQL_KEYWORDS as readonly string[]).includes(word)) {
      seen.add(word);
      found.push({
        code: 'sql_not_select',
        offset: match.index,
        message: `the SQL contains the keyword "${match[0]}", which a read-only SELECT never needs`,
        hint: `${fix}; if "${match[0]}" is a column or table name, quote it as an identifier ("${match[0].toLowerCase()}")`,
      });
    } else if (word === 'INTO') {
      seen.add(word);
      found.push({
        code: 'sql_not_select',
        offset: match.index,
        message: 'the SQL uses SELECT ... INTO, which writes a table',
        hint: 'remove the INTO clause: quorum stores the result itself',
      });
    }
  }
  return found;
}
