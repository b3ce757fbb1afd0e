// What a run committed, read back from the state schema as DefinitionResults, so that it can be
// compared with a fresh evaluation or the reference evaluator (compare-results.ts). The snapshot
// holds audience members, and trait values as JSON text for the entities that have one.
import type { Project } from '../../src/definitions/model.js';
import type { DefinitionResult, TraitValue } from '../../src/reference/dataset.js';
import { col, select, tableOf } from '../../src/sql/ast.js';
import { stateTable } from '../../src/sync/state-sql.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';

type Value = TraitValue | Readonly<Record<string, TraitValue>>;

export async function committedAnswer(connection: WarehouseConnection, project: Project): Promise<Map<string, DefinitionResult>> {
  const rows = await connection.query(
    connection.dialect.printer.print(
      select({
        columns: ['definition', 'entity_id', 'value'].map((c) => ({ expr: col(c), alias: c })),
        from: tableOf(stateTable(project.config.stateSchema, 'snapshots')),
      }),
    ),
  );
  const byDefinition = new Map<string, { entity: string; value: string | null }[]>();
  for (const row of rows) {
    const name = String(row.definition);
    byDefinition.set(name, [...(byDefinition.get(name) ?? []), { entity: String(row.entity_id), value: row.value === null || row.value === undefined ? null : String(row.value) }]);
  }
  const out = new Map<string, DefinitionResult>();
  for (const d of project.definitions) {
    const entries = byDefinition.get(d.name) ?? [];
    if (d.kind === 'audience') out.set(d.name, { kind: 'audience', level: d.level, members: new Set(entries.map((e) => e.entity)) });
    else out.set(d.name, { kind: 'trait', level: d.level, values: new Map(entries.map((e) => [e.entity, (e.value === null ? null : JSON.parse(e.value)) as Value])) });
  }
  return out;
}

function hasValue(value: Value | undefined): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'object' && !Array.isArray(value)) return Object.values(value).some((v) => v !== null && v !== undefined);
  return true;
}

/** Trait results cut to the entities that have a value, as a snapshot keeps them. */
export function withValues(results: ReadonlyMap<string, DefinitionResult>): Map<string, DefinitionResult> {
  const out = new Map<string, DefinitionResult>();
  for (const [name, result] of results) {
    out.set(name, result.kind === 'audience' ? result : { ...result, values: new Map([...result.values].filter(([, v]) => hasValue(v))) });
  }
  return out;
}
