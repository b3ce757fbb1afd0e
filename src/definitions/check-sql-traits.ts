// The sandbox check of SPEC §4: every SQL trait is read by the real parser of each dialect it
// will run on (the project's warehouse; `quorum test` adds DuckDB), and the parser's tree decides.
// The template is filled with placeholders first (a source is the table it will read, as_of a
// timestamp literal), so the parser sees the statement the warehouse would see; offsets are
// mapped back to the template and from there to the YAML line.
import { error, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { SqlPrinter } from '../sql/printer.js';
import type { Dialect } from '../warehouse/connection.js';
import type { QueryShape, SqlOffset } from '../warehouse/sql-parser.js';
import type { Project, SourceLocation, SqlTraitDefinition } from './model.js';
import { sqlLocators } from './parse-definition.js';
import { sourceTable } from './parse-sql.js';
import { SQL_TRAIT_KEY_COLUMNS } from './resolve.js';

/**
 * Names quorum's own generated SQL gives its columns next to a SQL trait's (the entity key `id`
 * of every features row, the `value`, `entity_id`, `definition`, ... of the diff and the state
 * tables). A trait column of one of these names would be shadowed or duplicated, silently
 * (`"t"."user_id" AS "id", "t"."id" AS "id"`). Compared case-insensitively. docs/security.md.
 */
export const RESERVED_OUTPUT_NAMES: readonly string[] = [
  'id', 'value', 'entity_id', 'definition', 'run_id', 'as_of', 'transition', 'position',
  'destination', 'payload', 'status',
];

const PLACEHOLDER_AS_OF = '2000-01-01T00:00:00.000Z';
const ONE_QUERY = 'a SQL trait is one read-only query: SELECT ... or WITH ... SELECT ...; compute writes elsewhere, e.g. in dbt';

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
 * Every sandbox problem of every SQL trait of the project, on each of `dialects` (deduplicated:
 * two parsers that find the same problem report it once).
 */
export async function checkSqlTraits(project: Project, dialects: readonly Dialect[]): Promise<Diagnostic[]> {
  const found = new Map<string, Diagnostic>();
  for (const definition of project.definitions) {
    if (definition.kind !== 'sql_trait') continue;
    for (const dialect of dialects) {
      for (const d of await checkOne(definition, project, dialect)) {
        const key = `${d.code} ${d.loc?.line}:${d.loc?.col} ${d.message}`;
        if (!found.has(key)) found.set(key, d);
      }
      if ([...found.values()].some((d) => d.message.startsWith(subject(definition)))) break;
    }
  }
  return [...found.values()];
}

function subject(definition: SqlTraitDefinition): string {
  return `SQL trait "${definition.name}"`;
}

async function checkOne(definition: SqlTraitDefinition, project: Project, dialect: Dialect): Promise<Diagnostic[]> {
  const rendered = renderForParsing(definition, project, dialect.printer);
  const locate = sqlLocators.get(definition);
  const at = (offset: SqlOffset): SourceLocation => (locate ? locate(rendered.templateOffset(offset)) : definition.loc);
  const name = subject(definition);
  const parsed = await dialect.sqlParser.parse(rendered.sql);
  if (!parsed.ok) {
    return [
      error(
        'sql_unparsable',
        at(parsed.offset),
        `${name}: the ${dialect.name} SQL parser cannot read it: ${parsed.message}.`,
        `a SQL trait must be SQL that ${dialect.name} itself accepts; quorum never sends SQL it could not read`,
      ),
    ];
  }
  return shapeProblems(parsed.shape, project, dialect, name, at);
}

function shapeProblems(shape: QueryShape, project: Project, dialect: Dialect, name: string, at: (offset: SqlOffset) => SourceLocation): Diagnostic[] {
  if (shape.statements === 0) {
    return [error('sql_not_select', at(0), `${name}: the SQL is empty.`, 'write a SELECT that returns the entity key and the trait column(s)')];
  }
  if (shape.statements > 1) {
    return [
      error(
        'sql_not_select',
        at(0),
        `${name}: the SQL holds ${shape.statements} statements, but a SQL trait must be exactly one SELECT (a trailing ";" is allowed).`,
        'remove everything after the first statement\'s ";"',
      ),
    ];
  }
  if (shape.notAQuery !== null) {
    return [error('sql_not_select', at(0), `${name}: the SQL is ${shape.notAQuery}, but a SQL trait must be a read-only SELECT (or WITH ... SELECT).`, ONE_QUERY)];
  }
  const problems: Diagnostic[] = [];
  for (const write of shape.writes) {
    problems.push(error('sql_not_select', at(write.offset), `${name}: the SQL uses ${write.what}, which writes or locks; a SQL trait only reads.`, ONE_QUERY));
  }
  for (const fn of shape.functions) {
    const why = dialect.sqlParser.deniedFunction(fn.name);
    if (why !== null) {
      problems.push(
        error('sql_forbidden', at(fn.offset), `${name}: the SQL calls ${fn.name}(), which ${why}; a SQL trait may read only the warehouse's tables.`, 'compute the value from the source tables instead'),
      );
    }
  }
  const stateSchema = project.config.stateSchema.toLowerCase();
  for (const relation of shape.relations) {
    const schema = relation.path.length > 1 ? relation.path[relation.path.length - 2] : null;
    const why = schema === stateSchema ? `is quorum's state schema "${project.config.stateSchema}"` : dialect.sqlParser.deniedRelation(relation.path);
    if (why !== null) {
      problems.push(
        error('sql_forbidden', at(relation.offset), `${name}: the SQL reads ${relation.path.join('.')}, which ${why}; a SQL trait may read only the warehouse's tables.`, "read the source tables through {{ source('...') }}"),
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
  return [
    error(
      'sql_reserved_column',
      loc,
      `${name}: the query returns a column "${column}", a name quorum uses for its own columns (${RESERVED_OUTPUT_NAMES.join(', ')}), so its values would be mixed up.`,
      `rename it, e.g. "... AS ${lower}_1"; the key column is user_id or group_id`,
    ),
  ];
}
