// Read-only questions about a definition: its members, a preview with a per-condition breakdown,
// and every value behind one entity. They return data in the SPEC §7 JSON shapes; the CLI prints.
import type { Definition, Level, Project } from '../definitions/model.js';
import { didYouMean } from '../definitions/did-you-mean.js';
import { DefinitionIndex, resolveTrait } from '../definitions/resolve.js';
import { callColumns } from '../definitions/source-layout.js';
import { unknownDefinition } from '../definitions/unknown-definition.js';
import { DiagnosticsError, diagnostic, failure } from '../diagnostics/diagnostic.js';
import type { TraitValue } from '../reference/dataset.js';
import { bin, col, select, str, subquery } from '../sql/ast.js';
import { labelConditions, lowerPlan } from '../sql/lower.js';
import type { Catalog } from '../warehouse/catalog.js';
import { readBatches, type WarehouseConnection } from '../warehouse/connection.js';
import { evaluate, membersQuery, parseValue, planFor, rejected, runQuery } from './evaluate.js';
import { stitchedEventCounts } from './explain-stitching.js';

export interface InspectContext {
  readonly connection: WarehouseConnection;
  readonly project: Project;
  readonly catalog: Catalog;
  readonly asOf: string;
}

export interface MembersOutput {
  readonly name: string;
  readonly level: Level;
  readonly as_of: string;
  readonly members: Record<string, unknown>[];
}

type MemberValue = TraitValue | Readonly<Record<string, TraitValue>>;

/** `members` of one definition without extra columns, column by column: what `quorum members` prints as CSV. */
export interface MemberList {
  readonly name: string;
  readonly level: Level;
  readonly as_of: string;
  /** Sorted as `members` sorts them. */
  readonly ids: readonly string[];
  /** A trait's value of each id, at the same index; null for an audience. */
  readonly values: readonly MemberValue[] | null;
}

export interface PreviewOutput {
  readonly name: string;
  readonly level: Level;
  readonly as_of: string;
  readonly size: number;
  readonly sample: Record<string, unknown>[];
  readonly breakdown: { condition: string; matched: number; depth: number }[];
}

export interface ExplainOutput {
  readonly name: string;
  readonly level: Level;
  readonly as_of: string;
  readonly id: string;
  readonly known: boolean; // the id is in the level's universe
  readonly member: boolean;
  readonly conditions: { condition: string; value: boolean; depth: number }[];
  readonly values: Record<string, unknown>;
  /** Account audiences with quantifiers: the users of the account, and how many satisfy each quantifier's condition. */
  readonly users?: { total: number; matching: Record<string, number>; quantifiers: ExplainQuantifier[] };
  /** With identity stitching on: how many of the events each count read came through stitching, by value label. */
  readonly stitched?: Record<string, number>;
  /** `quorum explain` with run history: the entity at each recorded run of the audience, oldest first. */
  readonly history?: ExplainHistoryEntry[];
  /** Runs up to as_of left out of `history`: their summary in the state is unreadable (edited by hand), so whether they evaluated the audience is not known. */
  readonly unreadable_runs?: string[];
}

export interface ExplainQuantifier {
  readonly quantifier: 'any_user' | 'all_users' | 'no_user' | 'at_least_users';
  readonly at_least: { readonly count: number } | { readonly percent: number } | null;
  /** The user-level condition inside the quantifier. */
  readonly condition: string;
  readonly matching: number;
  readonly holds: boolean;
}

/**
 * The entity at one run. `member` and `changed` come from replaying the conditions at the run's
 * as_of (the data as the warehouse holds it now); `recorded` are the transitions that run wrote
 * to the outbox for this entity (audiences that sync somewhere), the record of what was sent.
 */
export interface ExplainHistoryEntry {
  readonly run_id: string | null; // null: the explain's own as_of, after the last run
  readonly as_of: string;
  readonly member: boolean;
  /** entered / exited relative to the entry before (the first ever run counts from "not a member") */
  readonly transition: 'entered' | 'exited' | null;
  /** conditions whose value differs from the entry before */
  readonly changed: { condition: string; depth: number; from: boolean; to: boolean }[];
  readonly recorded: string[];
  /** No earlier run to compare with: `changed` lists the conditions that hold, not changes. */
  readonly first: boolean;
  /**
   * The explain's own as_of only: the committed snapshot `transition` is measured against (as the
   * next run's diff is), when one was committed at or before it. `changed` still compares the replays.
   */
  readonly snapshot?: { readonly as_of: string; readonly member: boolean };
}

export function definitionNamed(project: Project, name: string): Definition {
  const definition = project.definitions.find((d) => d.name === name);
  if (!definition) {
    throw new DiagnosticsError([unknownDefinition(project, name)]);
  }
  return definition;
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * `--columns` names traits of the definition's level: each must resolve, else a did-you-mean among
 * the traits (not the columns that say which call a row is). None may be a column the output has
 * already, `id` (and a trait's `value`), which it would overwrite or be dropped for.
 */
function checkColumns(ctx: InspectContext, definition: Definition, columns: readonly string[]): void {
  const { level } = definition;
  const own: Readonly<Record<string, string>> = definition.kind === 'audience' ? { id: 'the member id' } : { id: 'the member id', value: "the trait's value" };
  const taken = columns.filter((c) => Object.hasOwn(own, c));
  if (taken.length > 0) {
    throw new DiagnosticsError(taken.map((c) => diagnostic('usage', { problem: `--columns "${c}" names the column of ${own[c]}, which every row has already`, fix: `leave "${c}" out of --columns` }, null)));
  }
  const index = new DefinitionIndex(ctx.project.definitions);
  const layout = ctx.project.config.source;
  const table = level === 'user' ? layout.tables.identifies : layout.tables.groups;
  const notTraits = callColumns(layout);
  const problems = columns
    .filter((c) => !resolveTrait(c, level, index, layout, ctx.catalog).ok)
    .map((c) => {
      const columnsOfTable = [...(ctx.catalog.tables.get(table)?.columns.keys() ?? [])].filter((column) => !notTraits.has(column));
      const candidates = [...ctx.project.definitions.filter((d) => d.kind !== 'audience' && d.level === level).map((d) => d.name), ...columnsOfTable];
      const suggestion = didYouMean(c, candidates);
      return diagnostic('unknown_reference', { kind: 'level_trait', name: c, level, table, candidates, suggestion }, null);
    });
  if (problems.length > 0) throw new DiagnosticsError(problems);
}

export async function members(ctx: InspectContext, name: string, columns: readonly string[] = []): Promise<MembersOutput> {
  const definition = definitionNamed(ctx.project, name);
  checkColumns(ctx, definition, columns);
  const results = await evaluate(ctx.connection, {
    project: ctx.project,
    catalog: ctx.catalog,
    asOf: ctx.asOf,
    targets: [name],
    extraTraits: { level: definition.level, names: columns },
  });
  const result = results.get(name)!;
  const extra = columns.map((c) => ({ column: c, values: results.get(`column:${c}`) }));
  const rows: { id: string; [k: string]: unknown }[] = [];
  const add = (id: string, value?: unknown) => {
    const row: { id: string; [k: string]: unknown } = { id };
    for (const e of extra) row[e.column] = e.values?.kind === 'trait' ? (e.values.values.get(id) ?? null) : null;
    if (value !== undefined) row.value = value;
    rows.push(row);
  };
  if (result.kind === 'audience') for (const id of result.members) add(id);
  else for (const [id, value] of result.values) add(id, value);
  rows.sort(byId);
  return { name, level: definition.level, as_of: ctx.asOf, members: rows };
}

const inIdOrder = (ids: readonly string[]) => ids.every((id, i) => i === 0 || ids[i - 1] < id);

/**
 * `members` without its row objects: the ids (and a trait's values) read a batch at a time, in the
 * order the warehouse sorted them. That order is checked, not trusted: a collation, ids that are
 * numbers, or code points past U+FFFF (which JavaScript compares by UTF-16 unit) can differ from
 * `members`' sort, and then the ids are sorted here as `members` sorts them. An id is one entity's
 * row of the statement; were one repeated, its last row would count, as in `resultsOf`'s map.
 */
export async function memberList(ctx: InspectContext, name: string): Promise<MemberList> {
  const definition = definitionNamed(ctx.project, name);
  const { plan, query } = await membersQuery(ctx.connection, { project: ctx.project, catalog: ctx.catalog, asOf: ctx.asOf, targets: [name] });
  const trait = plan.outputs.find((o) => o.name === name)?.kind !== 'audience';
  const ordered = select({
    columns: [{ expr: col('id', 'm'), alias: 'id' }, ...(trait ? [{ expr: col('value', 'm'), alias: 'value' }] : [])],
    from: subquery(query, 'm'),
    where: bin('=', col('definition', 'm'), str(name)),
    orderBy: [{ expr: col('id', 'm'), direction: 'ASC' }],
  });
  const ids: string[] = [];
  const values: MemberValue[] = [];
  try {
    for await (const batch of readBatches(ctx.connection, ctx.connection.dialect.printer.print(ordered))) {
      const idColumn = batch.column('id');
      const valueColumn = trait ? batch.column('value') : [];
      for (let i = 0; i < batch.rowCount; i += 1) {
        ids.push(String(idColumn[i]));
        if (trait) values.push(parseValue(valueColumn[i], definition, ids[ids.length - 1]));
      }
    }
  } catch (cause) {
    throw rejected(ctx.connection, cause);
  }
  const list = { name, level: definition.level, as_of: ctx.asOf };
  if (inIdOrder(ids)) return { ...list, ids, values: trait ? values : null };
  const order = ids.map((_, i) => i).sort((a, b) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : a - b));
  const kept = order.filter((i, k) => k + 1 === order.length || ids[order[k + 1]] !== ids[i]);
  return { ...list, ids: kept.map((i) => ids[i]), values: trait ? kept.map((i) => values[i]) : null };
}

/**
 * Whether `run` stages the entity's value (staging-sql.ts), so that preview's size is run's: a value
 * that is not null, an empty list (`unique_list`'s value without events) included; a multi-column
 * SQL trait's when any of its columns is not null.
 */
function hasValue(value: TraitValue | Record<string, TraitValue> | undefined): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'object' && !Array.isArray(value)) return Object.values(value).some((field) => field !== null && field !== undefined);
  return true;
}

export async function preview(ctx: InspectContext, name: string, sampleSize = 10): Promise<PreviewOutput> {
  const definition = definitionNamed(ctx.project, name);
  const all = await memberList(ctx, name);
  if (all.values !== null) {
    const values = all.values;
    const withValue = all.ids.flatMap((id, i) => (hasValue(values[i]) ? [i] : []));
    const sample = withValue.slice(0, sampleSize).map((i) => ({ id: all.ids[i], value: values[i] }));
    return { name, level: definition.level, as_of: ctx.asOf, size: withValue.length, sample, breakdown: [] };
  }
  const plan = planFor({ project: ctx.project, catalog: ctx.catalog, asOf: ctx.asOf, targets: [name] });
  const audience = plan.audiences.find((a) => a.name === name)!;
  const sql = ctx.connection.dialect.printer.print(lowerPlan(plan, { kind: 'breakdown', audience: name }));
  const [counts] = await runQuery(ctx.connection, sql);
  const breakdown = labelConditions(audience.condition).map((c) => ({ condition: c.label, matched: Number(counts[c.column]), depth: c.depth }));
  const sample = all.ids.slice(0, sampleSize).map((id) => ({ id }));
  return { name, level: definition.level, as_of: ctx.asOf, size: all.ids.length, sample, breakdown };
}

export async function explain(ctx: InspectContext, name: string, id: string): Promise<ExplainOutput> {
  const definition = definitionNamed(ctx.project, name);
  if (definition.kind !== 'audience') {
    throw failure('usage', { problem: `"${name}" is a ${definition.kind.replace('_', ' ')}, not an audience`, fix: `use \`quorum members ${name}\` to see its values` }, definition.loc);
  }
  const plan = planFor({ project: ctx.project, catalog: ctx.catalog, asOf: ctx.asOf, targets: [name] });
  const audience = plan.audiences.find((a) => a.name === name)!;
  const sql = ctx.connection.dialect.printer.print(lowerPlan(plan, { kind: 'explain', audience: name, id }));
  const [row] = await runQuery(ctx.connection, sql);
  const labelled = labelConditions(audience.condition);
  const features = plan.features.filter((f) => f.level === audience.level);
  const values: Record<string, unknown> = {};
  for (const f of features) values[f.label] = row ? parseValue(row[f.column], { name: f.label, level: audience.level }, id) : null;
  const conditions = labelled.map((c) => ({ condition: c.label, value: row ? row[c.column] === true : false, depth: c.depth }));
  const stitched = await stitchedEventCounts(ctx.connection, plan, name, id, features);
  const output: ExplainOutput = {
    name,
    level: definition.level,
    as_of: ctx.asOf,
    id,
    known: row !== undefined,
    member: conditions[0]?.value ?? false,
    conditions,
    values,
    ...(stitched === null ? {} : { stitched }),
  };
  if (audience.quantifiers.length > 0) {
    const matching: Record<string, number> = {};
    const quantifiers: ExplainQuantifier[] = [];
    for (const q of audience.quantifiers) {
      const n = row ? Number(row[q.column]) : 0;
      matching[q.label] = n;
      const at = labelled.find((c) => c.node === q) ?? labelled.find((c) => c.label === q.label);
      quantifiers.push({ quantifier: q.quantifier, at_least: q.atLeast, condition: q.condition.label, matching: n, holds: row !== undefined && at !== undefined && row[at.column] === true });
    }
    return { ...output, users: { total: row ? Number(row.users) : 0, matching, quantifiers } };
  }
  return output;
}
