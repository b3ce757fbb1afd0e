// Sums and averages add up decimal properties in fixed point (SqlType `decimal`, 9 digits after
// the point). A sum of doubles depends on the order of its terms: DuckDB's parallel aggregation,
// a warehouse's slots and an incremental run's partials each add them in another order, so two
// runs over the same rows would send a changed trait that never changed. Fixed-point addition is
// exact, so every order gives the same total, and the total becomes a double only once, at the end.
import type { ValueType } from '../plan/plan.js';
import { aggregate, and, bin, cast, caseWhen, countAll, isNull, num, type Expr } from './ast.js';

/**
 * The largest magnitude a decimal summand may have. 38 digits with 9 after the point hold 10^29;
 * summands below 10^18 leave room for 10^11 of them, and 10^18 is an integer literal every
 * warehouse reads as such.
 */
export const SUMMAND_LIMIT = 1e18;

/** What a sum or avg adds up for one row, and the condition under which the row has one. */
export interface Summand {
  readonly value: Expr;
  readonly kept: Expr;
}

/**
 * An integer column is added up as it is (integer sums are exact already), any other number in
 * fixed point. NaN, the infinities and magnitudes of 10^18 and more are left out as a null is: none
 * has a JSON form, so no trait could carry the sum they make.
 */
export function summand(value: Expr, type: ValueType | undefined): Summand {
  if (type === 'integer') return { value, kept: isNull(value, true) };
  const kept = and(bin('>', value, num(-SUMMAND_LIMIT)), bin('<', value, num(SUMMAND_LIMIT)));
  return { value: caseWhen([{ when: kept, then: cast(value, 'decimal') }]), kept };
}

/** The fixed-point total of a group's summands. */
export const summandTotal = (s: Summand, filter: Expr | null): Expr => aggregate('sum', s.value, filter);

/** How many summands a group has (an avg's divisor): a filtered count, which no dialect has to evaluate the cast for. */
export const summandCount = (s: Summand, filter: Expr | null): Expr => countAll(filter === null ? s.kept : and(filter, s.kept));

/** A group's total as a partial table stores it: an integer total cast to fit the same column. */
export const storedTotal = (s: Summand, filter: Expr | null): Expr => cast(summandTotal(s, filter), 'decimal');

/** A sum trait's value: the exact total, as a double. */
export const sumValue = (total: Expr): Expr => cast(total, 'number');

/** An avg trait's value: the exact total over how many summands it has; null without any. */
export function meanValue(total: Expr, count: Expr): Expr {
  return caseWhen([{ when: bin('>', count, num(0)), then: bin('/', cast(total, 'number'), cast(count, 'number')) }]);
}
