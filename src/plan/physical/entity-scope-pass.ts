// Which entities an incremental run recomputes, per definition (SPEC §6.1, docs/incremental.md):
// `changed entities` or `all`, and why. A user's answer can change between two runs only through
// rows that reach it: a row new to the run in a table the definition reads for users, or one of its
// events that a `within:` window's edge left behind when as_of moved. Where the plan can name those
// rows, the run recomputes and diffs only their users and keeps every other user's previous answer;
// anything it cannot bound that way (account levels and memberships, identity stitching, funnels,
// custom and SQL traits) covers all entities, as a run without this pass does: correctness first.
import type { EventScan, Feature, Plan, PlanCondition } from '../plan.js';
import type { ArrivalColumns } from './arrival-columns.js';

/** What this pass reads of the incremental pass's decisions (incremental-pass.ts calls it). */
interface IncrementalScan {
  readonly scan: EventScan;
  readonly level: 'user' | 'account';
  readonly table: string;
}
interface DefinitionMode {
  readonly name: string;
  readonly mode: 'full' | 'incremental';
}

export interface EntityScope {
  readonly name: string;
  readonly covers: 'changed entities' | 'all';
  readonly reason: string;
}

/** A table whose new rows (and rows on a window edge) make their users dirty. */
export interface DirtySource {
  readonly table: string;
  readonly arrivalColumn: string;
  /** The `within:` durations (seconds) read from this table: the rows their edge crossed make their users dirty. */
  readonly windows: readonly number[];
}

/**
 * Which users an incremental scan's merge reads from its partials and raw days. Restricting a
 * scan's reads to the dirty users is exact only where every definition that reads it stages just
 * those users: then no other user's row of the scan reaches the staging table.
 */
export interface ScanRead {
  readonly scan: string;
  readonly users: 'dirty users' | 'all';
  readonly reason: string;
  /** The definitions that read the scan: at run time it is restricted only if the run covers each of them. */
  readonly readers: readonly string[];
}

export interface EntityScopePlan {
  readonly definitions: readonly EntityScope[];
  /** Per incremental scan, whether its merge reads the dirty users only. */
  readonly reads: readonly ScanRead[];
  /** What the `changed entities` definitions' dirty users are found from (empty when none is). */
  readonly sources: readonly DirtySource[];
}

/** The conditions an output reaches, through the audiences it is a member of. */
function conditionsReached(plan: Plan, name: string): PlanCondition[] {
  const out: PlanCondition[] = [];
  const seen = new Set<string>();
  const audience = (n: string): void => {
    if (seen.has(n)) return;
    seen.add(n);
    const a = plan.audiences.find((x) => x.name === n);
    if (a) walk(a.condition);
  };
  const walk = (c: PlanCondition): void => {
    out.push(c);
    if (c.kind === 'all' || c.kind === 'any') c.children.forEach(walk);
    else if (c.kind === 'not') walk(c.child);
    else if (c.kind === 'funnel') c.steps.forEach(walk);
    else if (c.kind === 'quantifier') walk(c.condition);
    else if (c.kind === 'member' || c.kind === 'member_of_account_audience') audience(c.audience);
  };
  audience(name);
  return out;
}

/** The incremental scan a feature reads, or why it is not bounded by its users' rows. */
function scanOf(f: Feature, scans: ReadonlyMap<string, IncrementalScan>): IncrementalScan | string {
  const s = f.source;
  if (s.kind === 'custom_trait') return 'it reads custom traits, which are read from the source each run';
  if (s.kind === 'funnel') return 'it reads a funnel, whose users are recomputed by the funnel refresh';
  if (s.kind === 'sql_trait') return 'it reads a SQL trait, which is opaque and re-run each run';
  const scan = scans.get(s.kind === 'measure' ? s.scan : s.cte);
  if (scan === undefined) return 'one of its scans is not kept in partials';
  return scan.level === 'user' ? scan : 'it reads account-level events';
}

function scopeOf(plan: Plan, mode: DefinitionMode, scans: ReadonlyMap<string, IncrementalScan>, settings: ArrivalColumns, featuresRead: (name: string) => Set<string>): { scope: EntityScope; read: IncrementalScan[] } {
  const all = (reason: string) => ({ scope: { name: mode.name, covers: 'all' as const, reason }, read: [] });
  const output = plan.outputs.find((o) => o.name === mode.name);
  if (output === undefined || mode.mode !== 'incremental') return all('the definition runs full');
  if (output.level !== 'user') return all('account level: dirty accounts (members, memberships, account tables) are not bounded yet');
  if (plan.identity !== null) return all('identity stitching is on: an edge re-attributes rows to users the new rows do not name');
  if (plan.sqlTraits.length > 0) return all("the plan has SQL traits: they are opaque, re-run each run, and their associations can add users");
  if (conditionsReached(plan, mode.name).some((c) => c.kind === 'member_of_account_audience' || c.kind === 'quantifier')) return all('it reads account memberships');
  const features = new Map(plan.features.map((f) => [f.column, f]));
  const read: IncrementalScan[] = [];
  for (const column of featuresRead(mode.name)) {
    const f = features.get(column);
    if (f === undefined) continue;
    const scan = scanOf(f, scans);
    if (typeof scan === 'string') return all(scan);
    read.push(scan);
  }
  const missing = plan.userUniverseTables.find((t) => settings.arrivalColumn(t) === null);
  if (missing !== undefined) return all(`table ${missing} (user universe) has no arrival column`);
  const tables = [...new Set([...plan.userUniverseTables, ...read.map((s) => s.table)])];
  return {
    scope: { name: mode.name, covers: 'changed entities', reason: `only users with a row new to the run in ${tables.join(', ')}, or an event a window edge left behind, can change; every other user keeps its previous answer` },
    read,
  };
}

/** The definitions whose features come from `scan`, and whether all of them stage the dirty users only. */
function scanRead(plan: Plan, scan: IncrementalScan, scopes: readonly EntityScope[], featuresRead: (name: string) => Set<string>): ScanRead {
  const columns = new Set(plan.features.filter((f) => (f.source.kind === 'measure' ? f.source.scan : f.source.kind === 'ranked' ? f.source.cte : null) === scan.scan.name).map((f) => f.column));
  const readers = scopes.filter((d) => [...featuresRead(d.name)].some((c) => columns.has(c)));
  const names = readers.map((d) => d.name);
  const all = (reason: string): ScanRead => ({ scan: scan.scan.name, users: 'all', reason, readers: names });
  if (scan.level !== 'user') return all('account-level scan: dirty accounts are not bounded yet');
  if (readers.length === 0) return all('no definition of the run reads it');
  const wide = readers.find((d) => d.covers === 'all');
  if (wide !== undefined) return all(`read by ${wide.name}, which covers all entities`);
  return { scan: scan.scan.name, users: 'dirty users', reason: `every definition reading it (${names.join(', ')}) stages only the dirty users`, readers: names };
}

const withinSeconds = (scan: EventScan): number[] => scan.measures.flatMap((m) => (m.window?.kind === 'within' ? [m.window.seconds] : []));

export function entityScopePass(plan: Plan, settings: ArrivalColumns, scans: readonly IncrementalScan[], modes: readonly DefinitionMode[], featuresRead: (name: string) => Set<string>): EntityScopePlan {
  const byName = new Map(scans.map((s) => [s.scan.name, s]));
  const scoped = modes.map((m) => scopeOf(plan, m, byName, settings, featuresRead));
  const windows = new Map<string, Set<number>>();
  const add = (table: string, seconds: readonly number[]) => {
    const set = windows.get(table) ?? new Set<number>();
    seconds.forEach((s) => set.add(s));
    windows.set(table, set);
  };
  for (const s of scoped) {
    if (s.scope.covers === 'all') continue;
    plan.userUniverseTables.forEach((t) => add(t, []));
    for (const scan of s.read) add(scan.table, withinSeconds(scan.scan));
  }
  const reads = scans.map((s) => scanRead(plan, s, scoped.map((x) => x.scope), featuresRead));
  const sources = [...windows].map(([table, w]) => ({ table, arrivalColumn: settings.arrivalColumn(table)!, windows: [...w].sort((a, b) => a - b) }));
  return { definitions: scoped.map((s) => s.scope), reads, sources };
}
