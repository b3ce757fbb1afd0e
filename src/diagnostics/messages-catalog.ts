// The formatters of the codes a definition meets against SQL and the warehouse's catalog: the
// SQL trait sandbox and template, literal types, missing tables and columns.
import type { LogicalType } from '../warehouse/catalog.js';
import { assertNever } from './assert-never.js';
import { didYouMean, TEMPLATE_HINT, type Formatters } from './messages-input.js';

const TYPE_NAMES: Readonly<Record<LogicalType, string>> = {
  string: 'text',
  number: 'numbers',
  integer: 'whole numbers',
  boolean: 'booleans',
  timestamp: 'timestamps',
  list: 'lists',
  unknown: 'values',
};
/** What a column of this type holds, for a message worded outside this file ("holds text"). */
export function typeName(type: LogicalType): string {
  return TYPE_NAMES[type];
}

const ARTICLE_TYPE_NAMES: Readonly<Record<LogicalType, string>> = {
  string: 'text',
  number: 'a number',
  integer: 'a number',
  boolean: 'a boolean',
  timestamp: 'an ISO-8601 timestamp',
  list: 'a list',
  unknown: 'a value',
};
const TYPE_HINTS: Readonly<Record<LogicalType, string>> = {
  string: 'write text',
  number: 'write a number, e.g. 10 or 2.5 (without quotes)',
  integer: 'write a number, e.g. 10 (without quotes)',
  boolean: 'write true or false',
  timestamp: 'write an ISO-8601 date or timestamp, e.g. 2024-01-31 or 2024-01-31T12:00:00Z',
  list: 'write a list',
  unknown: "write a value of the column's type",
};

const SNAKE_CASE_PROPERTY = "check the property's name: Segment writes it in snake case (e.g. plan.tier -> plan_tier)";
const ONE_QUERY = 'a SQL trait is one read-only query: SELECT ... or WITH ... SELECT ...; compute writes elsewhere, e.g. in dbt';
const READS_ONLY_TABLES = "a SQL trait may read only the warehouse's tables";
/** Tables an unindexed_new_rows message names before "and N more" (its parameters hold them all). */
const TABLES_NAMED = 8;
const quoted = (name: string): string => `"${name.replaceAll('"', '""')}"`;

type CatalogCode =
  | 'sql_not_select'
  | 'sql_template'
  | 'sql_unparsable'
  | 'sql_forbidden'
  | 'sql_reserved_column'
  | 'uncastable_literal'
  | 'missing_table'
  | 'missing_column'
  | 'unindexed_new_rows';

export const CATALOG_MESSAGES: Formatters<CatalogCode> = {
  sql_not_select: (p) => {
    switch (p.rule) {
      case 'empty':
        return { message: `${p.subject}: the SQL is empty.`, hint: 'write a SELECT that returns the entity key and the trait column(s)' };
      case 'statements':
        return {
          message: `${p.subject}: the SQL holds ${p.count} statements, but a SQL trait must be exactly one SELECT (a trailing ";" is allowed).`,
          hint: 'remove everything after the first statement\'s ";"',
        };
      case 'pivot':
        return {
          message: `${p.subject}: the SQL has a PIVOT without an IN (...) list, which DuckDB runs as two statements (the first reads the values to pivot on), but a SQL trait must be exactly one SELECT.`,
          hint: "list the values to pivot on, e.g. PIVOT t ON status IN ('active', 'churned') USING count(*)",
        };
      case 'not_a_query':
        return {
          message: `${p.subject}: the SQL is ${p.is}, but a SQL trait must be a read-only SELECT (or WITH ... SELECT).`,
          hint: ONE_QUERY,
        };
      case 'writes':
        return { message: `${p.subject}: the SQL uses ${p.uses}, which writes or locks; a SQL trait only reads.`, hint: ONE_QUERY };
      case 'embedded':
        return {
          message: `${p.subject}: the SQL goes on after its query (a comment after the final ";"?), and quorum runs the query inside a statement of its own, where that text would not parse.`,
          hint: 'end the SQL with the query, or with its ";" alone; put comments before the ";"',
        };
      default:
        return assertNever(p, 'SQL shape');
    }
  },
  sql_template: (p) => {
    switch (p.rule) {
      case 'block':
        return {
          message: `${p.subject}: the SQL uses a template block "${p.block}", but SQL traits support no template statements or comments.`,
          hint: TEMPLATE_HINT,
        };
      case 'unclosed':
        return { message: `${p.subject}: the SQL opens a template expression "{{" that is never closed with "}}".`, hint: TEMPLATE_HINT };
      case 'unknown':
        return {
          message: `${p.subject}: the SQL uses the template expression "${p.expression}", which quorum does not know.`,
          hint: p.unquoted !== null ? `quote the table name: {{ source('${p.unquoted}') }}` : TEMPLATE_HINT,
        };
      default:
        return assertNever(p, 'template rule');
    }
  },
  sql_unparsable: (p) => ({
    message: `${p.subject}: the ${p.dialect} SQL parser cannot read it: ${p.detail}.`,
    hint: `a SQL trait must be SQL that ${p.dialect} itself accepts; quorum never sends SQL it could not read`,
  }),
  sql_forbidden: (p) =>
    p.reads === 'function'
      ? {
          message: `${p.subject}: the SQL calls ${p.name}(), which ${p.why}; ${READS_ONLY_TABLES}.`,
          hint: 'compute the value from the source tables instead',
        }
      : {
          message: `${p.subject}: the SQL reads ${p.name}, which ${p.why}; ${READS_ONLY_TABLES}.`,
          hint: "read the source tables through {{ source('...') }}",
        },
  sql_reserved_column: (p) => ({
    message: `${p.subject}: the query returns a column "${p.column}", a name quorum uses for its own columns and call properties (${p.reserved.join(', ')}), so its values would be mixed up.`,
    hint: `rename it, e.g. "... AS ${p.column.toLowerCase()}_1"; the key column is user_id or group_id`,
  }),
  uncastable_literal: (p) => ({
    message: `${p.what} holds ${TYPE_NAMES[p.type]} (${p.holder}), but the condition compares it with ${JSON.stringify(p.value)} (${p.op}), which is not ${ARTICLE_TYPE_NAMES[p.type]}.`,
    hint: TYPE_HINTS[p.type],
  }),
  missing_table: (p) => {
    if (p.rule === 'warehouse') return { message: `${p.warehouse} has no such ${p.object}: ${p.detail}`, hint: p.fix };
    return p.rule === 'needed'
      ? {
          message: `the source schema "${p.schema}" has no table "${p.table}" (${p.reason}).`,
          hint:
            p.suggestion !== null
              ? `did you mean "${p.suggestion}"? (event tables are named after the event in snake case)`
              : 'check source.schema in quorum.yml, or send the event at least once so that the warehouse has its table',
        }
      : {
          message: `${p.by} reads {{ source('${p.role}') }}, but the source schema "${p.schema}" has no table "${p.table}".`,
          hint: didYouMean(
            p.suggestion,
            'check the name against the tables of the source schema; event tables are the event name in snake case',
          ),
        };
  },
  missing_column: (p) => {
    switch (p.rule) {
      case 'custom_trait':
        return {
          message: `${p.by} uses trait "${p.trait}", which is not a computed or SQL trait at ${p.level} level, and table "${p.table}" has no column "${p.trait}" for a custom trait.`,
          hint: didYouMean(p.suggestion, `define it (computed_trait: ${p.trait}) or check the spelling against the columns of ${p.table}`),
        };
      case 'property':
        return {
          message:
            p.computes !== null
              ? `${p.by} computes ${p.computes} of property "${p.property}", but the event table "${p.table}" has no column "${p.property}".`
              : `${p.by} filters on property "${p.property}", but the event table "${p.table}" has no column "${p.property}".`,
          hint: didYouMean(p.suggestion, SNAKE_CASE_PROPERTY),
        };
      case 'group_context':
        return {
          message: `${p.by} has scope: group_context, but the event table "${p.table}" has no column "${p.column}".`,
          hint: 'remove scope: group_context, or send context.groupId with the events',
        };
      case 'warehouse':
        return { message: `${p.warehouse} has no such column: ${p.detail}`, hint: p.fix };
      default:
        return assertNever(p, 'column rule');
    }
  },
  unindexed_new_rows: (p) => {
    const named = p.tables.map((t) => `${p.schema}.${t.table}(${t.columns.join(', ')})`);
    const listed = named.length > TABLES_NAMED ? [...named.slice(0, TABLES_NAMED), `and ${named.length - TABLES_NAMED} more`] : named;
    const [first] = p.tables;
    return {
      message: `incremental runs are on, and each run would read ${p.tables.length === 1 ? 'this source table' : `these ${p.tables.length} source tables`} whole to find its new rows, because no index starts with the columns named: ${listed.join(', ')}.`,
      hint: `create an index on each column named, e.g. CREATE INDEX ON ${quoted(p.schema)}.${quoted(first.table)} (${quoted(first.columns[0])}); without them a full run (incremental.enabled: false) costs less (docs/warehouses.md, "Indexes for incremental runs")`,
    };
  },
};
