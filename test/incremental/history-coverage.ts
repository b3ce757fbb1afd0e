// What the generated exactness histories exercise of runs restricted to changed users
// (src/incremental/entity-scope.ts), counted beside the property so that a generator that stops
// reaching a case fails the test instead of passing it vacuously (COVERAGE_FLOORS in
// exactness.test.ts). The users a run must recompute are worked out here from the history alone,
// by SPEC §6.1's rule, not read from the engine: a row of the user new to the run (arrival after
// the previous run's watermark less the lag, no arrival, or an event time at or after the previous
// as_of), or an event of the user that a `within:` window's edge passed as the as_of moved.
import type { DefinitionResult } from '../../src/reference/dataset.js';
import { sameValue } from '../support/compare-results.js';
import { windowsOn, type WarehouseHistory } from '../support/history-arbitraries.js';
import { EVENTS } from '../support/arbitraries.js';

/** Counts over one property run's histories. */
export interface HistoryCoverage {
  histories: number;
  scopedHistories: number;
  /** runs that recomputed only the dirty users of some definitions */
  restrictedRuns: number;
  /** dirty users of restricted runs whose only reason was a window edge (no new row of theirs) */
  edgeOnlyDirty: number;
  /** histories where such a user's answer changed: the case a run that forgets window edges gets wrong */
  edgeChangedHistories: number;
  /** runs that recomputed only the dirty accounts of some account-level definitions */
  restrictedAccountRuns: number;
  /**
   * histories where an account's answer changed in such a run with no group call naming it new to
   * the run (only its members' rows moved it): about 3 in 100, too few for a floor at CI's count;
   * reported, and the mutation check forget-previous-memberships must be caught instead
   */
  memberChangedHistories: number;
  /** users the history says must be dirty that the run left out, and the reverse (reported, not asserted) */
  missedByRun: number;
  extraInRun: number;
  /** a few of those users, with the run and what made them dirty, for the report */
  examples: string[];
}

export const emptyCoverage = (): HistoryCoverage => ({ histories: 0, scopedHistories: 0, restrictedRuns: 0, edgeOnlyDirty: 0, edgeChangedHistories: 0, restrictedAccountRuns: 0, memberChangedHistories: 0, missedByRun: 0, extraInRun: 0, examples: [] });

/** Per history, at least: a property run whose generator stops reaching these cases fails. */
export const COVERAGE_FLOORS = { restrictedRuns: 0.1, edgeOnlyDirty: 0.05, edgeChangedHistories: 0.01, restrictedAccountRuns: 0.05 } as const;

/** The floors that `coverage` falls below, as readable lines. */
export function belowFloors(coverage: HistoryCoverage): string[] {
  return (Object.keys(COVERAGE_FLOORS) as (keyof typeof COVERAGE_FLOORS)[])
    .filter((k) => coverage[k] < COVERAGE_FLOORS[k] * coverage.histories)
    .map((k) => `${k}: ${coverage[k]} in ${coverage.histories} histories, floor ${COVERAGE_FLOORS[k]} per history`);
}

export const describeCoverage = (c: HistoryCoverage): string =>
  `${c.histories} histories (${c.scopedHistories} scoped): ${c.restrictedRuns} restricted runs, ${c.edgeOnlyDirty} edge-only dirty users, ${c.edgeChangedHistories} histories where a window edge alone changed an answer, ${c.restrictedAccountRuns} runs restricted to dirty accounts, ${c.memberChangedHistories} histories where only members' rows changed an account's answer; dirty sets against the history's: ${c.missedByRun} users missed, ${c.extraInRun} extra${c.examples.length > 0 ? ` (${c.examples.join('; ')})` : ''}`;

export type DirtyReason = 'new row' | 'window edge';

const ms = (value: unknown): number | null => (value === null || value === undefined ? null : Date.parse(String(value)));

/**
 * The users run `run` (1 or later) must recompute, by the reason that makes each dirty ('new row'
 * wins over 'window edge'), from the rows of every table that has a user id.
 */
export function dirtyByHistory(history: WarehouseHistory, run: number): Map<string, DirtyReason> {
  const lag = (history.project.config.incremental?.arrivalLagSeconds ?? 3600) * 1000;
  const eventTime = history.project.config.source.eventTime;
  const previous = Date.parse(history.runs[run - 1]);
  const now = Date.parse(history.runs[run]);
  const windowsOf = new Map(EVENTS.map((e) => [e.table, windowsOn(history.project.definitions, e.name)]));
  const out = new Map<string, DirtyReason>();
  for (const table of Object.keys(history.columns)) {
    const seen = history.batches.slice(0, run).flatMap((b) => b.rows[table] ?? []);
    const arrivals = seen.map((r) => ms(r[history.arrival])).filter((a): a is number => a !== null);
    // the previous run stored the largest arrival it saw; a run compares with it capped at that run's as_of
    const since = arrivals.length === 0 ? null : Math.min(Math.max(...arrivals), previous) - lag;
    for (const row of history.batches.slice(0, run + 1).flatMap((b) => b.rows[table] ?? [])) {
      if (row.user_id === null || row.user_id === undefined) continue;
      const user = String(row.user_id);
      const arrival = ms(row[history.arrival]);
      const time = ms(row[eventTime]);
      if (since === null || arrival === null || arrival > since || (time !== null && time >= previous)) out.set(user, 'new row');
      else if (time !== null && !out.has(user) && (windowsOf.get(table) ?? []).some((w) => time >= previous - w * 1000 && time <= now - w * 1000)) out.set(user, 'window edge');
    }
  }
  return out;
}

/** Accounts named by a group call new to run `run` (1 or later), by SPEC §6.1's rule of newness. */
export function accountsNamedByNewRows(history: WarehouseHistory, run: number): Set<string> {
  const groups = history.project.config.source.tables.groups;
  const lag = (history.project.config.incremental?.arrivalLagSeconds ?? 3600) * 1000;
  const eventTime = history.project.config.source.eventTime;
  const previous = Date.parse(history.runs[run - 1]);
  const arrivals = history.batches.slice(0, run).flatMap((b) => b.rows[groups] ?? []).map((r) => ms(r[history.arrival])).filter((a): a is number => a !== null);
  const since = arrivals.length === 0 ? null : Math.min(Math.max(...arrivals), previous) - lag;
  const out = new Set<string>();
  for (const row of history.batches.slice(0, run + 1).flatMap((b) => b.rows[groups] ?? [])) {
    if (row.group_id === null || row.group_id === undefined) continue;
    const arrival = ms(row[history.arrival]);
    const time = ms(row[eventTime]);
    if (since === null || arrival === null || arrival > since || (time !== null && time >= previous)) out.add(String(row.group_id));
  }
  return out;
}

/** Entities whose answer differs between two evaluations, over the named definitions. */
export function changedEntities(before: ReadonlyMap<string, DefinitionResult>, after: ReadonlyMap<string, DefinitionResult>, names: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const name of names) {
    const a = before.get(name);
    const b = after.get(name);
    if (a?.kind === 'audience' && b?.kind === 'audience') {
      for (const id of a.members) if (!b.members.has(id)) out.add(String(id));
      for (const id of b.members) if (!a.members.has(id)) out.add(String(id));
    } else if (a?.kind === 'trait' && b?.kind === 'trait') {
      for (const id of new Set([...a.values.keys(), ...b.values.keys()])) {
        if (a.values.has(id) !== b.values.has(id) || !sameValue(a.values.get(id), b.values.get(id))) out.add(String(id));
      }
    }
  }
  return out;
}
