// What a condition tree names: the traits it compares and the audiences it is in or not in. The
// dependency hash (incremental/dependency-hash.ts) and --select's graph operators (sync/select.ts)
// both follow these references.
import { assertNever } from '../diagnostics/assert-never.js';
import type { Condition } from './model.js';

/** The names a condition refers to: traits (a multi-column SQL trait's `name.column` as `name`) and audiences. */
export function conditionReferences(condition: Condition, out: Set<string>): void {
  switch (condition.kind) {
    case 'all':
    case 'any':
      for (const child of condition.children) conditionReferences(child, out);
      return;
    case 'not':
      conditionReferences(condition.child, out);
      return;
    case 'quantifier':
      conditionReferences(condition.condition, out);
      return;
    case 'trait':
      out.add(condition.trait.split('.')[0]);
      return;
    case 'in_audience':
      out.add(condition.audience);
      return;
    case 'performed':
    case 'funnel':
      return;
    default:
      assertNever(condition);
  }
}
