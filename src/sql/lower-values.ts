// A trait's value as quorum stages, compares and sends it: its feature's column, or a multi-column
// SQL trait's object of columns. An instant becomes ISO-8601 text in UTC (the printer's
// visitInstantText), the form Segment's spec gives dates, and one text on every warehouse: their
// own JSON renderings of a timestamp differ, and DuckDB's has no zone.
import type { Feature, Plan, PlanOutput } from '../plan/plan.js';
import { col, instantText, jsonObject, type Expr } from './ast.js';

export function featureValue(feature: Pick<Feature, 'type'>, expr: Expr): Expr {
  return feature.type === 'timestamp' ? instantText(expr) : expr;
}

/** The value of a trait output, read from the relation `alias` that has its features' columns. */
export function outputValue(plan: Plan, output: Extract<PlanOutput, { kind: 'trait' }>, alias: string): Expr {
  const valueOf = (feature: string) => {
    const f = plan.features.find((x) => x.column === feature && x.level === output.level);
    return f === undefined ? col(feature, alias) : featureValue(f, col(feature, alias));
  };
  return output.columns.length === 1 ? valueOf(output.columns[0].feature) : jsonObject(output.columns.map((c) => ({ key: c.name, value: valueOf(c.feature) })));
}
