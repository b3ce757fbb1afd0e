// Literals and comparisons: a YAML value cast to the column's type (docs/semantics.md "Literal
// types"), and a comparison made two-valued where it is built.
import { assertNever } from '../diagnostics/assert-never.js';
import { instantOf } from '../definitions/literal-instants.js';
import type { Predicate, Scalar } from '../definitions/model.js';
import type { PlanFilter, ValueType } from '../plan/plan.js';
import { between, bin, bool, coalesce, col, FALSE, isNull, listContains, lowerCase, not, NULL, num, oneOf, str, stringMatch, ts, type Expr } from './ast.js';
import { finiteValue } from './finite-values.js';

const NO_INSTANTS: Predicate['instants'] = {};

/** A literal of the column's type; a timestamp is the instant the definition's loader parsed (`instants`). */
export function literalFor(value: Scalar, type: ValueType, instants: Predicate['instants'] = NO_INSTANTS): Expr {
  if (value === null) return NULL;
  switch (type) {
    case 'string':
      return str(typeof value === 'string' ? value : String(value));
    case 'number':
    case 'integer': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      return Number.isFinite(n) ? num(n) : literalFor(value, 'unknown');
    }
    case 'boolean':
      if (typeof value === 'boolean') return bool(value);
      if (value === 'true' || value === 'false') return bool(value === 'true');
      return literalFor(value, 'unknown');
    case 'timestamp': {
      const instant = instantOf(instants, value);
      return instant !== null ? ts(instant) : literalFor(value, 'unknown');
    }
    case 'list':
    case 'unknown':
      if (typeof value === 'number') return num(value);
      if (typeof value === 'boolean') return bool(value);
      return str(value);
    default:
      return assertNever(type, 'plan node');
  }
}

function scalarsOf(value: Predicate['value']): readonly Scalar[] {
  return Array.isArray(value) ? value : [value as Scalar];
}

/** The comparison, true / false / NULL as SQL has it; the caller makes it two-valued. */
function positiveComparison(subject: Expr, op: Predicate['op'], value: Predicate['value'], ignoreCase: boolean, type: ValueType, instants: Predicate['instants']): Expr {
  const fold = (e: Expr): Expr => (ignoreCase ? lowerCase(e) : e);
  const literalType: ValueType = type === 'list' ? 'unknown' : type;
  const lit = (v: Scalar) => literalFor(v, literalType, instants);
  const one = () => lit(scalarsOf(value)[0]);
  switch (op) {
    case 'equals':
    case 'not_equals':
      return bin('=', fold(subject), fold(one()));
    case 'in':
    case 'not_in':
      return oneOf(fold(subject), scalarsOf(value).map((v) => fold(lit(v))));
    case 'lt':
      return bin('<', subject, one());
    case 'lte':
      return bin('<=', subject, one());
    case 'gt':
      return bin('>', subject, one());
    case 'gte':
      return bin('>=', subject, one());
    case 'between': {
      const [low, high] = scalarsOf(value);
      return between(subject, lit(low), lit(high));
    }
    case 'contains':
    case 'starts_with':
    case 'ends_with':
      return stringMatch(op, fold(subject), fold(literalFor(scalarsOf(value)[0], 'string')));
    case 'exists':
      return isNull(subject, value !== false);
    case 'includes':
      return listContains(subject, literalFor(scalarsOf(value)[0], 'unknown'));
    default:
      return assertNever(op, 'plan node');
  }
}

/** Two-valued: NULL becomes false, and the negative operators are exact complements. */
export function comparison(subject: Expr, op: Predicate['op'], value: Predicate['value'], ignoreCase: boolean, type: ValueType, instants: Predicate['instants']): Expr {
  if (op === 'exists') return positiveComparison(subject, op, value, ignoreCase, type, instants);
  const positive = coalesce(positiveComparison(subject, op, value, ignoreCase, type, instants), FALSE);
  return op === 'not_equals' || op === 'not_in' ? not(positive) : positive;
}

/** A property filter on the source row `alias` (a number that is not finite is null, finite-values.ts). */
export function filterCondition(f: PlanFilter, alias: string): Expr {
  return comparison(finiteValue(col(f.column, alias), f.type), f.predicate.op, f.predicate.value, f.predicate.ignoreCase, f.type, f.predicate.instants);
}
