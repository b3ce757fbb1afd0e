// A run that covers only some entities of a definition (src/incremental/entity-scope.ts): staging
// holds those entities' rows only (the dirty users of a user-level definition, the dirty accounts,
// with all their members' rows, of an account-level one), the change set compares them with the same entities' snapshot
// rows (a covered entity without a staged row has exited), and every other entity keeps its
// snapshot row untouched. The snapshot writes read the change set, so they follow by themselves.
import { and, col, inQuery, not, or, select, subquery, tableOf, type Expr, type Query, type TableRef } from '../sql/ast.js';
import type { CoveredEntities } from '../incremental/entity-scope.js';
import { inList } from './state-sql.js';
import type { DefinitionCounts } from './transition-sql.js';
import type { Narrowing } from '../incremental/rewrite-ctes.js';
import type { Plan } from '../plan/plan.js';
import { FIRST_SEEN_CTE } from './staging-sql.js';
import type { SyncDefinition } from './sync-definition.js';

const STAGED = ['definition', 'entity_id', 'user_id', 'value', 'position'] as const;

/** Rows (under `alias`, with `definition` and `entity_id`) of a definition that covers all entities, or of a covered key of its level. */
export function coveredRows(covered: CoveredEntities, alias: string): Expr {
  const among = (ref: TableRef) => inQuery(col('entity_id', alias), select({ columns: [{ expr: col('id', 'k'), alias: 'id' }], from: tableOf(ref, 'k') }));
  const definition = col('definition', alias);
  const levels = [
    { definitions: covered.definitions, keys: covered.keys },
    { definitions: covered.accountDefinitions, keys: covered.accountKeys },
  ].filter((l) => l.definitions.length > 0);
  return or(not(inList(definition, [...covered.definitions, ...covered.accountDefinitions])), ...levels.map((l) => (levels.length === 1 ? among(l.keys) : and(inList(definition, l.definitions), among(l.keys)))));
}

/**
 * coveredRows among the rows of `names`, as conditions on disjoint sets of definitions (those that
 * cover all entities, the covered user-level ones, the covered account-level ones), each row
 * meeting exactly one: read as parts stacked with UNION ALL, each key test is a semi join of its
 * own part (SqlPrinter.coveredRowsAsParts).
 */
export function coveredParts(covered: CoveredEntities, names: readonly string[], alias: string): Expr[] {
  const among = (ref: TableRef) => inQuery(col('entity_id', alias), select({ columns: [{ expr: col('id', 'k'), alias: 'id' }], from: tableOf(ref, 'k') }));
  const definition = col('definition', alias);
  const coveredNames = new Set([...covered.definitions, ...covered.accountDefinitions]);
  const parts: Expr[] = [];
  const whole = names.filter((n) => !coveredNames.has(n));
  if (whole.length > 0) parts.push(inList(definition, whole));
  for (const level of [
    { definitions: covered.definitions, keys: covered.keys },
    { definitions: covered.accountDefinitions, keys: covered.accountKeys },
  ]) {
    const mine = names.filter((n) => level.definitions.includes(n));
    if (mine.length > 0) parts.push(and(inList(definition, mine), among(level.keys)));
  }
  return parts.length > 0 ? parts : [inList(definition, names)];
}

/** The staging statement's rows, those of the covered definitions only for their covered keys. */
export function onlyCovered(statement: Query, covered: CoveredEntities): Query {
  return select({ columns: STAGED.map((c) => ({ expr: col(c, 'c'), alias: c })), from: subquery(statement, 'c'), where: coveredRows(covered, 'c') });
}

/**
 * A covered definition's staging holds only its covered entities, so its size is the previous
 * snapshot's with the entered added and the exited taken away (the others kept their rows).
 */
export function coveredCounts(counts: ReadonlyMap<string, DefinitionCounts>, covered: CoveredEntities | null): Map<string, DefinitionCounts> {
  const out = new Map(counts);
  if (covered === null) return out;
  for (const name of [...covered.definitions, ...covered.accountDefinitions]) {
    const c = counts.get(name);
    if (c !== undefined) out.set(name, { ...c, size: c.previous + c.entered - c.exited });
  }
  return out;
}

/**
 * Each user's first group call per account only orders the users staged with an account-level
 * definition's accounts. When every such definition stages the dirty accounts only, the other
 * accounts' group calls are never needed: the CTE reads the dirty accounts' calls, and each of
 * those accounts keeps all its calls, so its users' order is unchanged.
 */
export function firstSeenNarrowing(plan: Plan, definitions: readonly SyncDefinition[], covered: CoveredEntities | null): Narrowing[] {
  if (covered === null) return [];
  const accountLevel = definitions.filter((d) => d.level === 'account').map((d) => d.name);
  if (accountLevel.length === 0 || !accountLevel.every((name) => covered.accountDefinitions.includes(name))) return [];
  return [{ cte: FIRST_SEEN_CTE, table: plan.layout.tables.groups, column: plan.layout.columns.groupId, ids: [covered.accountKeys] }];
}
