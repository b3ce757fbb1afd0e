// Which entities an incremental run recomputes, per definition (docs/incremental.md): `changed
// entities` or `all`, and why. A user's answer can change between two runs only through rows that
// reach it: a row new to the run in a table the definition reads for users, or one of its events
// that a `within:` window's edge left behind when as_of moved. An account's answer is made of its
// members' rows, its own group calls (custom traits, the universe) and its memberships: it can
// change only when one of its members is dirty, or a group call naming it is new to the run (a new
// membership among them). Memberships only grow while rows are appended, so every member an account
// had at the previous run is a member now. Where the plan can name those rows, the run recomputes
// and diffs only their entities and keeps every other entity's previous answer; anything it cannot
// bound that way (identity stitching, funnels, SQL traits, an account audience read through a
// user's other accounts) covers all entities, as a run without this pass does: correctness first.
import type { EventScan, Feature, Plan, PlanCondition } from '../plan.js';
import type { ArrivalColumns } from './arrival-columns.js';
import { CTE } from './cte-names.js';
import { readGate, type ReadGate, type UsersRead } from './read-gate.js';

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
  readonly level: 'user' | 'account';
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

export type { UsersRead };

/**
 * Which users an incremental scan's merge reads from its partials and raw days. Restricting a
 * scan's reads is exact only where every definition that reads it stages just the entities those
 * users make up: then no other user's row of the scan reaches the staging table.
 */
export interface ScanRead {
  readonly scan: string;
  readonly users: UsersRead;
  readonly reason: string;
  /** Above which share of the accounts dirty the run reads it whole anyway (read-gate.ts). */
  readonly gate: ReadGate | null;
  /** The definitions that read the scan: at run time it is restricted only if the run covers each of them. */
  readonly readers: readonly string[];
}

/**
 * Where an account-level definition's dirty accounts come from: the accounts named by group calls
 * new to the run, and every account a dirty user is a member of at as_of.
 */
export interface DirtyAccounts {
  readonly table: string;
  readonly arrivalColumn: string;
}

/**
 * Parts of the statement every definition shares, keyed by user or by account: the user universe
 * and the users' custom traits (keyed by user), the account universe, the memberships and the
 * accounts' custom traits (keyed by account). `all`, or the entities they need to be read for.
 */
export interface SharedRead {
  readonly part: string;
  readonly keys: UsersRead | 'dirty accounts';
  readonly reason: string;
  /** Above which share of the accounts dirty the run reads it whole anyway (read-gate.ts). */
  readonly gate: ReadGate | null;
  /** Every definition of the run: at run time the part is restricted only if the run covers each of them. */
  readonly readers: readonly string[];
}

export interface EntityScopePlan {
  readonly definitions: readonly EntityScope[];
  /** Per shared part of the statement (universes, memberships, custom traits), which entities it is read for. */
  readonly shared: readonly SharedRead[];
  /** Null when no account-level definition covers changed entities only. */
  readonly accounts: DirtyAccounts | null;
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

/**
 * The incremental scan a feature reads, or why it is not bounded by its users' rows. `accounts`: an
 * account-level definition, whose account-level scans (its members' events) and custom traits
 * (latest group call, latest identify call of a member) are bounded by dirty users and new group calls.
 */
function scanOf(plan: Plan, f: Feature, scans: ReadonlyMap<string, IncrementalScan>, accounts: boolean): IncrementalScan | { readonly table: string } | string {
  const s = f.source;
  // A custom trait is the latest identify (user) or group call (account) of its entity: new rows of that table name it.
  if (s.kind === 'custom_trait') return f.level === 'user' ? { table: plan.layout.tables.identifies } : accounts ? { table: plan.layout.tables.groups } : "it reads an account's custom trait";
  if (s.kind === 'funnel') return 'it reads a funnel, whose users are recomputed by the funnel refresh';
  if (s.kind === 'sql_trait') return 'it reads a SQL trait, which is opaque and re-run each run';
  const scan = scans.get(s.kind === 'measure' ? s.scan : s.cte);
  if (scan === undefined) return 'one of its scans is not kept in partials';
  return scan.level === 'user' || accounts ? scan : 'it reads account-level events';
}

interface Scoped {
  readonly scope: EntityScope;
  /** The scans whose users' new and edge rows make the definition's entities dirty. */
  readonly read: IncrementalScan[];
  /** Other tables whose new rows make their users dirty (the user universe, custom traits). */
  readonly tables: string[];
}

function scopeOf(plan: Plan, mode: DefinitionMode, scans: ReadonlyMap<string, IncrementalScan>, settings: ArrivalColumns, featuresRead: (name: string) => Set<string>): Scoped {
  const output = plan.outputs.find((o) => o.name === mode.name);
  const level = output?.level ?? 'user';
  const all = (reason: string): Scoped => ({ scope: { name: mode.name, level, covers: 'all', reason }, read: [], tables: [] });
  if (output === undefined || mode.mode !== 'incremental') return all('the definition runs full');
  const accounts = level === 'account';
  if (plan.identity !== null) return all('identity stitching is on: an edge re-attributes rows to users the new rows do not name');
  if (plan.sqlTraits.length > 0) return all("the plan has SQL traits: they are opaque, re-run each run, and their associations can add users");
  const reached = conditionsReached(plan, mode.name);
  // A user in an account audience: its answer moves with any of the user's accounts, which its own rows do not name.
  if (reached.some((c) => c.kind === 'member_of_account_audience')) return all("it reads a user's membership of an account audience, which any of the user's accounts can change");
  if (!accounts && reached.some((c) => c.kind === 'quantifier')) return all('it reads account memberships');
  const features = new Map(plan.features.map((f) => [f.column, f]));
  const read: IncrementalScan[] = [];
  const tables = new Set<string>(accounts ? [plan.layout.tables.groups] : plan.userUniverseTables);
  for (const column of featuresRead(mode.name)) {
    const f = features.get(column);
    if (f === undefined) continue;
    const scan = scanOf(plan, f, scans, accounts);
    if (typeof scan === 'string') return all(scan);
    if ('scan' in scan) read.push(scan);
    else tables.add(scan.table);
  }
  const missing = [...tables].find((t) => settings.arrivalColumn(t) === null);
  if (missing !== undefined) return all(`table ${missing} (${accounts ? 'memberships or custom traits' : 'user universe or custom traits'}) has no arrival column`);
  const named = [...new Set([...tables, ...read.map((s) => s.table)])];
  const reason = accounts
    ? `only accounts named by a group call new to the run, or with a member who has a row new to the run in ${named.join(', ')} or an event a window edge left behind, can change; every other account keeps its previous answer`
    : `only users with a row new to the run in ${named.join(', ')}, or an event a window edge left behind, can change; every other user keeps its previous answer`;
  return { scope: { name: mode.name, level, covers: 'changed entities', reason }, read, tables: [...tables] };
}

/** The definitions whose features come from `scan`, and which users all of them together need read. */
function scanRead(plan: Plan, scan: IncrementalScan, scopes: readonly EntityScope[], featuresRead: (name: string) => Set<string>): ScanRead {
  const columns = new Set(plan.features.filter((f) => (f.source.kind === 'measure' ? f.source.scan : f.source.kind === 'ranked' ? f.source.cte : null) === scan.scan.name).map((f) => f.column));
  const readers = scopes.filter((d) => [...featuresRead(d.name)].some((c) => columns.has(c)));
  const names = readers.map((d) => d.name);
  const all = (reason: string): ScanRead => ({ scan: scan.scan.name, users: 'all', reason, gate: null, readers: names });
  if (readers.length === 0) return all('no definition of the run reads it');
  const wide = readers.find((d) => d.covers === 'all');
  if (wide !== undefined) return all(`read by ${wide.name}, which covers all entities`);
  const levels = new Set(readers.map((d) => d.level));
  const read = (users: UsersRead, reason: string): ScanRead => ({ scan: scan.scan.name, users, reason, gate: readGate(users), readers: names });
  // Partials are keyed by the members' raw ids for an account-level scan too (no stitching here): its merge meets the memberships after.
  if (!levels.has('account')) return read('dirty users', `every definition reading it (${names.join(', ')}) stages only the dirty users`);
  if (!levels.has('user')) return read('members of dirty accounts', `every definition reading it (${names.join(', ')}) stages only the dirty accounts, each from all its members' rows`);
  return read('dirty users and members of dirty accounts', `its readers (${names.join(', ')}) stage the dirty users, and the dirty accounts from all their members' rows; a dirty user need not be a member of any account`);
}

/**
 * Which entities the shared parts need. A user-level definition covering changed entities stages
 * the dirty users, and reads no membership or account; an account-level one stages the dirty
 * accounts, each from its members' features (custom traits included), memberships and group
 * calls. So with every definition covering changed entities, the users' parts are needed for the
 * dirty users and the dirty accounts' members, and the accounts' parts for the dirty accounts; a
 * definition covering all entities needs every entity of every part it can read.
 */
function sharedReads(plan: Plan, scopes: readonly EntityScope[]): SharedRead[] {
  const readers = scopes.map((d) => d.name);
  const wide = scopes.find((d) => d.covers === 'all');
  const levels = new Set(scopes.map((d) => d.level));
  const userParts = [CTE.userUniverse, ...(plan.customTraits.user.length > 0 ? [CTE.customTraits('user')] : [])];
  const accountParts = [CTE.accountUniverse, CTE.memberships, ...(plan.customTraits.account.length > 0 ? [CTE.customTraits('account')] : [])];
  const read = (part: string, keys: SharedRead['keys'], reason: string): SharedRead => ({ part, keys, reason, gate: readGate(keys), readers });
  if (readers.length === 0) return [...userParts, ...accountParts].map((p) => read(p, 'all', 'no definition of the run reads it'));
  if (wide !== undefined) return [...userParts, ...accountParts].map((p) => read(p, 'all', `${wide.name} covers all entities`));
  const users: UsersRead = !levels.has('account') ? 'dirty users' : !levels.has('user') ? 'members of dirty accounts' : 'dirty users and members of dirty accounts';
  const userReason = levels.has('account') ? 'the user-level definitions stage the dirty users, and the account-level ones read their dirty accounts\' members\' features' : 'every definition stages the dirty users only';
  return [
    ...userParts.map((p) => read(p, users, userReason)),
    ...accountParts.map((p) => (levels.has('account') ? read(p, 'dirty accounts', 'every account-level definition stages the dirty accounts only, and no user-level one reads accounts') : read(p, 'all', 'no account-level definition of the run reads it'))),
  ];
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
    s.tables.forEach((t) => add(t, []));
    for (const scan of s.read) add(scan.table, withinSeconds(scan.scan));
  }
  const reads = scans.map((s) => scanRead(plan, s, scoped.map((x) => x.scope), featuresRead));
  const sources = [...windows].map(([table, w]) => ({ table, arrivalColumn: settings.arrivalColumn(table)!, windows: [...w].sort((a, b) => a - b) }));
  const groups = plan.layout.tables.groups;
  const accounts = scoped.some((s) => s.scope.level === 'account' && s.scope.covers === 'changed entities') ? { table: groups, arrivalColumn: settings.arrivalColumn(groups)! } : null;
  return { definitions: scoped.map((s) => s.scope), shared: sharedReads(plan, scoped.map((s) => s.scope)), accounts, reads, sources };
}
