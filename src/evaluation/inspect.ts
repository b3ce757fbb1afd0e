// Read-only questions about a definition: its members, a preview with a per-condition breakdown,
// and every value behind one entity. They return data in the SPEC §7 JSON shapes; the CLI prints.
import type { Definition, Level, Project } from '../definitions/model.js';
import { DiagnosticsError, error } from '../diagnostics/diagnostic.js';
import type { TraitValue } from '../reference/dataset.js';
import { labelConditions, lowerPlan } from '../sql/lower.js';
import type { Catalog } from '../warehouse/catalog.js';
import type { WarehouseConnection } from '../warehouse/connection.js';
import { evaluate, planFor, runQuery } from './evaluate.js';

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
  readonly users?: { total: number; matching: Record<string, number> };
}

export function definitionNamed(project: Project, name: string): Definition {
  const definition = project.definitions.find((d) => d.name === name);
  if (!definition) {
    const names = project.definitions.map((d) => d.name).sort();
    throw new DiagnosticsError([
      error('unknown_reference', null, `no definition is named "${name}"`, names.length > 0 ? `the project defines: ${names.join(', ')}` : 'add a definition under audiences/ or traits/'),
    ]);
  }
  return definition;
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export async function members(ctx: InspectContext, name: string, columns: readonly string[] = []): Promise<MembersOutput> {
  const definition = definitionNamed(ctx.project, name);
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

function hasValue(value: TraitValue | Record<string, TraitValue> | undefined): boolean {
  if (value === null || value === undefined) return false;
  return !Array.isArray(value) || value.length > 0;
}

export async function preview(ctx: InspectContext, name: string, sampleSize = 10): Promise<PreviewOutput> {
  const definition = definitionNamed(ctx.project, name);
  const all = await members(ctx, name);
  if (definition.kind !== 'audience') {
    const withValue = all.members.filter((m) => hasValue(m.value as TraitValue));
    return { name, level: definition.level, as_of: ctx.asOf, size: withValue.length, sample: withValue.slice(0, sampleSize), breakdown: [] };
  }
  const plan = planFor({ project: ctx.project, catalog: ctx.catalog, asOf: ctx.asOf, targets: [name] });
  const audience = plan.audiences.find((a) => a.name === name)!;
  const sql = ctx.connection.dialect.printer.print(lowerPlan(plan, { kind: 'breakdown', audience: name }));
  const [counts] = await runQuery(ctx.connection, sql);
  const breakdown = labelConditions(audience.condition).map((c) => ({ condition: c.label, matched: Number(counts[c.column]), depth: c.depth }));
  return { name, level: definition.level, as_of: ctx.asOf, size: all.members.length, sample: all.members.slice(0, sampleSize), breakdown };
}

function parseJson(text: unknown): unknown {
  return text === null || text === undefined ? null : JSON.parse(String(text));
}

export async function explain(ctx: InspectContext, name: string, id: string): Promise<ExplainOutput> {
  const definition = definitionNamed(ctx.project, name);
  if (definition.kind !== 'audience') {
    throw new DiagnosticsError([error('usage', definition.loc, `"${name}" is a ${definition.kind.replace('_', ' ')}, not an audience`, `use \`quorum members ${name}\` to see its values`)]);
  }
  const plan = planFor({ project: ctx.project, catalog: ctx.catalog, asOf: ctx.asOf, targets: [name] });
  const audience = plan.audiences.find((a) => a.name === name)!;
  const sql = ctx.connection.dialect.printer.print(lowerPlan(plan, { kind: 'explain', audience: name, id }));
  const [row] = await runQuery(ctx.connection, sql);
  const labelled = labelConditions(audience.condition);
  const features = plan.features.filter((f) => f.level === audience.level);
  const values: Record<string, unknown> = {};
  for (const f of features) values[f.label] = row ? parseJson(row[f.column]) : null;
  const conditions = labelled.map((c) => ({ condition: c.label, value: row ? row[c.column] === true : false, depth: c.depth }));
  const output: ExplainOutput = {
    name,
    level: definition.level,
    as_of: ctx.asOf,
    id,
    known: row !== undefined,
    member: conditions[0]?.value ?? false,
    conditions,
    values,
  };
  if (audience.quantifiers.length > 0) {
    const matching: Record<string, number> = {};
    for (const q of audience.quantifiers) matching[q.label] = row ? Number(row[q.column]) : 0;
    return { ...output, users: { total: row ? Number(row.users) : 0, matching } };
  }
  return output;
}
