// What the statements of a run (diff-sql.ts) know about the definitions they sync and the run that
// writes them: warehouse-free descriptions built by run.ts from the project and the plan.
import type { Level } from '../definitions/model.js';
import { cast, NULL, type Expr } from '../sql/ast.js';
import type { CallType } from './calls.js';

/** A destination a definition syncs to, resolved against quorum.yml. */
export interface ResolvedTarget {
  readonly destination: string;
  readonly calls: readonly CallType[];
  readonly trackEvents: { readonly entered: string; readonly exited: string };
  /** segment destinations with `group_identity: member`: account calls carry the earliest user. */
  readonly groupIdentity: 'anonymous' | 'member';
}

/** What the diff needs to know about a definition. */
export interface SyncDefinition {
  readonly name: string;
  readonly kind: 'audience' | 'trait';
  readonly level: Level;
  /** a SQL trait with several columns: its value is an object, each column its own trait */
  readonly multiColumn: boolean;
  /** a multi-column SQL trait's columns, which its calls null when an entity drops out */
  readonly columnNames?: readonly string[];
  readonly computationId: string;
  readonly targets: readonly ResolvedTarget[];
}

export interface RunStamp {
  readonly runId: string;
  readonly asOf: string; // ISO-8601
  readonly now: string; // ISO-8601, for created_at / delivered_at
  readonly namespace: string;
  readonly spaceId: string;
}

export const asString = (expr: Expr): Expr => cast(expr, 'string');
export const nullOf = (type: 'string' | 'integer' | 'timestamp'): Expr => cast(NULL, type);
