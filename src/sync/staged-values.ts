// The staged values of a run are read back where the compiled SQL cannot promise JSON. Every
// number it emits is finite (src/sql/finite-values.ts), but a list or an object of a SQL trait or
// of a custom trait comes as the warehouse holds it, and DuckDB writes a NaN or an infinity inside
// one as a bare NaN or Infinity, which is not JSON. Written into the outbox, such a call would be
// set aside as corrupt at delivery and hold back every later call of its entity; found here, the
// run stops before its diff and names the trait and the entity (value_not_json).
import type { Project } from '../definitions/model.js';
import type { Plan, PlanOutput } from '../plan/plan.js';
import { and, col, or, select, str, stringMatch, type Expr } from '../sql/ast.js';
import { notJson } from '../evaluation/evaluate.js';
import { from, inList, stateRefs, type StateWriter } from './state-sql.js';

/** The texts DuckDB writes for NaN and the infinities; a value holding neither is JSON already. */
const NON_FINITE_WORDS = ['NaN', 'Infinity'];

/** Trait outputs whose value may hold a number the compiled SQL did not read finite. */
function unguarded(plan: Plan, names: ReadonlySet<string>): Extract<PlanOutput, { kind: 'trait' }>[] {
  const readAsHeld = (feature: string): boolean => {
    const f = plan.features.find((x) => x.column === feature);
    return f !== undefined && (f.source.kind === 'sql_trait' || f.source.kind === 'custom_trait') && (f.type === 'list' || f.type === 'unknown');
  };
  return plan.outputs.filter((o): o is Extract<PlanOutput, { kind: 'trait' }> => o.kind === 'trait' && names.has(o.name) && o.columns.some((c) => readAsHeld(c.feature)));
}

/** Fails with value_not_json when a staged value of the run's `definitions` is not JSON. */
export async function checkStagedValues(tx: StateWriter, schema: string, plan: Plan, definitions: readonly { readonly name: string }[], project: Project): Promise<void> {
  const outputs = unguarded(plan, new Set(definitions.map((d) => d.name)));
  if (outputs.length === 0) return;
  // Only a text that holds one of the words can fail to parse: the warehouse sends those alone.
  const value = col('value', 's');
  const suspect: Expr = or(...NON_FINITE_WORDS.map((word) => stringMatch('contains', value, str(word))));
  const rows = await tx.rows(
    select({
      columns: [
        { expr: col('definition', 's'), alias: 'definition' },
        { expr: col('entity_id', 's'), alias: 'entity_id' },
        { expr: value, alias: 'value' },
      ],
      from: from(stateRefs(schema).staging, 's'),
      where: and(inList(col('definition', 's'), outputs.map((o) => o.name)), suspect),
    }),
  );
  for (const row of rows) {
    const text = String(row.value);
    try {
      JSON.parse(text);
    } catch {
      const output = outputs.find((o) => o.name === row.definition)!;
      const definition = project.definitions.find((d) => d.name === output.name && d.level === output.level);
      throw notJson({ ...output, loc: definition?.loc }, String(row.entity_id), text);
    }
  }
}
