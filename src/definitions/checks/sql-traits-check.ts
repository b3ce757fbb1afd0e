// The sandbox check of SPEC §4: every SQL trait is read by the real parser of each dialect it
// will run on (the project's warehouse; `quorum test` adds DuckDB), and the parser's tree decides.
// The template is filled with placeholders first (a source is the table it will read, as_of a
// timestamp literal), so the parser sees the statement the warehouse would see; offsets are
// mapped back to the template and from there to the YAML line.
import { diagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type { SqlPrinter } from '../../sql/printer.js';
import type { Dialect } from '../../warehouse/connection.js';
import type { QueryShape, SqlOffset } from '../../warehouse/sql-parser.js';
import type { Project, SourceLocation, SqlTraitDefinition } from '../model.js';
import { sqlLocators } from '../parse-definition.js';
import { sourceTable } from '../parse-sql.js';
import { SQL_TRAIT_KEY_COLUMNS } from '../resolve.js';

/**
 * Names quorum's own generated SQL gives its columns next to a SQL trait's (the entity key `id`
 * of every features row, the `value`, `entity_id`, `definition`, ... of the diff and the state
 * tables), and the keys a Track call's properties carry next to a trait's columns (`trait_key`,
 * and `audience_key` for an audience's). A trait column of one of these names would be shadowed or
 * duplicated, silently (`"t"."user_id" AS "id", "t"."id" AS "id"`; a column `trait_key` replaced
 * `properties.trait_key`). Compared case-insensitively. docs/security.md.
 */
export const RESERVED_OUTPUT_NAMES: readonly string[] = [
  'id',
  'value',
  'entity_id',
  'definition',
  'run_id',
  'as_of',
  'transition',
  'position',
  'destination',
  'payload',
  'status',
  'trait_key',
  'audience_key',
];

const PLACEHOLDER_AS_OF = '2000-01-01T00:00:00.000Z';

/** The SQL trait as the warehouse would see it, and where each rendered character came from. */
interface Rendered {
  readonly sql: string;
  /** Rendered offset -> template offset. */
  readonly templateOffset: (offset: SqlOffset) => number;
}

export function renderForParsing(definition: SqlTraitDefinition, project: Project, printer: SqlPrinter): Rendered {
  const layout = project.config.source;
  const pieces: { start: number; text: string; from: number; literal: boolean }[] = [];
  let at = 0;
  for (const part of definition.template) {
    let text: string;
    switch (part.kind) {
      case 'text':
        text = part.text;
        break;
      case 'source':
        text = printer.visitTableName(layout.schema, sourceTable(layout, part.table));
        break;
      case 'as_of':
        text = printer.visitLiteral({ type: 'timestamp', value: PLACEHOLDER_AS_OF });
        break;
      default: {
        const never: never = part;
        throw new Error(`unhandled template part ${String(never)}`);
      }
    }
    pieces.push({ start: at, text, from: part.offset, literal: part.kind === 'text' });
    at += text.length;
  }
  const sql = pieces.map((p) => p.text).join('');
  return {
    sql,
    templateOffset: (offset) => {
      if (offset === null || pieces.length === 0) return 0;
      const piece = [...pieces].reverse().find((p) => p.start <= offset) ?? pieces[0];
      return piece.literal ? piece.from + Math.min(offset - piece.start, piece.text.length) : piece.from;
    },
  };
}

/**
 * Every sandbox problem of every SQL trait of the project. Each trait is read by each of
 * `dialects` in turn; the first that finds problems reports them (a second parser would say the
 * same in other words).
 */
export async function checkSqlTraits(project: Project, dialects: readonly Dialect[]): Promise<Diagnostic[]> {
  const found: Diagnostic[] = [];
  for (const definition of project.definitions) {
    if (definition.kind !== 'sql_trait') continue;
    for (const dialect of dialects) {
      const problems = await checkOne(definition, project, dialect);
      found.push(...problems);
      if (problems.length > 0) break;
    }
  }
  return found;
}

/** A parser's message, first line only and short: it may quote the whole rendered query. */
function excerpt(message: string): string {
  const line = message.split('\n')[0].trim();
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

function subject(definition: SqlTraitDefinition): string {
  return `SQL trait "${definition.name}"`;
}

async function checkOne(definition: SqlTraitDefinition, project: Project, dialect: Dialect): Promise<Diagnostic[]> {
  const rendered = renderForParsing(definition, project, dialect.printer);
  const locate = sqlLocators.get(definition);
  const at = (offset: SqlOffset, length?: number): SourceLocation =>
    locate ? locate(rendered.templateOffset(offset), length) : definition.loc;
  const name = subject(definition);
  const parsed = await dialect.sqlParser.parse(rendered.sql);
  if (!parsed.ok) {
    return [diagnostic('sql_unparsable', { subject: name, dialect: dialect.name, detail: excerpt(parsed.message) }, at(parsed.offset))];
  }
  const problems = shapeProblems(parsed.shape, project, dialect, name, at);
  if (problems.length > 0) return problems;
  // quorum runs the query inside its own statement (a subquery, the text trimmed, src/sql/printer.ts):
  // what reads as one statement alone must still read there, e.g. not "select ...; -- note"
  const embedded = await dialect.sqlParser.parse(`SELECT * FROM (\n${rendered.sql.trim()}\n) AS quorum_sql_trait`);
  if (!embedded.ok || embedded.shape.statements !== 1) return [diagnostic('sql_not_select', { rule: 'embedded', subject: name }, at(rendered.sql.trimEnd().length))];
  return [];
}

function shapeProblems(
  shape: QueryShape,
  project: Project,
  dialect: Dialect,
  name: string,
  at: (offset: SqlOffset, length?: number) => SourceLocation,
): Diagnostic[] {
  if (shape.statements === 0) {
    return [diagnostic('sql_not_select', { rule: 'empty', subject: name }, at(0))];
  }
  if (shape.statements > 1 && shape.pivotWithoutIn !== undefined) {
    return [diagnostic('sql_not_select', { rule: 'pivot', subject: name }, at(shape.pivotWithoutIn.offset))];
  }
  if (shape.statements > 1) {
    return [diagnostic('sql_not_select', { rule: 'statements', subject: name, count: shape.statements }, at(0))];
  }
  if (shape.notAQuery !== null) {
    return [diagnostic('sql_not_select', { rule: 'not_a_query', subject: name, is: shape.notAQuery }, at(0))];
  }
  const problems: Diagnostic[] = [];
  for (const write of shape.writes) {
    problems.push(diagnostic('sql_not_select', { rule: 'writes', subject: name, uses: write.what }, at(write.offset)));
  }
  for (const fn of shape.functions) {
    const why = fn.why ?? dialect.sqlParser.deniedFunction(fn.name);
    if (why !== null) {
      problems.push(diagnostic('sql_forbidden', { reads: 'function', subject: name, name: fn.name, why }, at(fn.offset, fn.name.length)));
    }
  }
  const stateSchema = project.config.stateSchema.toLowerCase();
  for (const relation of shape.relations) {
    const schema = relation.path.length > 1 ? relation.path[relation.path.length - 2] : null;
    const why =
      relation.why ??
      (schema === stateSchema ? `is quorum's state schema "${project.config.stateSchema}"` : dialect.sqlParser.deniedRelation(relation.path));
    if (why !== null) {
      problems.push(
        diagnostic('sql_forbidden', { reads: 'relation', subject: name, name: relation.path.join('.'), why }, at(relation.offset)),
      );
    }
  }
  for (const column of shape.columns) problems.push(...reservedColumn(column.name, name, at(column.offset)));
  return problems;
}

/** A trait column named like one of quorum's own columns; also run on described `SELECT *` columns. */
export function reservedColumn(column: string, name: string, loc: SourceLocation): Diagnostic[] {
  const lower = column.toLowerCase();
  if (!RESERVED_OUTPUT_NAMES.includes(lower) || (SQL_TRAIT_KEY_COLUMNS as readonly string[]).includes(lower)) return [];
  return [diagnostic('sql_reserved_column', { subject: name, column, reserved: RESERVED_OUTPUT_NAMES }, loc)];
}
