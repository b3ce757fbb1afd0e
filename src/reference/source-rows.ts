// The source rows as the reference evaluator sees them at as_of (SPEC §2): rows whose event time
// is at or before as_of, stitched to their anonymous_id's owner when identity stitching is on; the
// user and account universes and who belongs to which account; custom traits (the latest non-null
// value); and the events a condition or a computed trait matches, by user.
import type { EventRef, Level, Project, PropertyFilter, SourceLayout, TimeWindow } from '../definitions/model.js';
import { stitches } from '../definitions/parse-identity.js';
import { snakeCase } from '../definitions/snake-case.js';
import type { LogicalType } from '../warehouse/catalog.js';
import type { SourceDataset, SourceRow } from './dataset.js';
import { owners, stitchRow, userTables, type Owner } from './identity.js';
import { compareCodePoints, evaluatePredicate, finiteOrNull, parseInstant, toInstant } from './values.js';

/** A source row that exists at as_of, with its event time in epoch milliseconds. */
export interface LiveRow {
  readonly row: SourceRow;
  readonly time: number;
}

/**
 * Whether a row's id wins a tie against the current one: the smaller id (first / last) or the
 * greater id (latest custom trait). Ids order by code point, numerically when both are numbers;
 * a null id never wins.
 */
export function idWins(candidate: unknown, current: unknown, want: 'smaller' | 'greater'): boolean {
  if (candidate === null || candidate === undefined) return false;
  if (current === null || current === undefined) return true;
  const order =
    typeof candidate === 'number' && typeof current === 'number'
      ? candidate - current
      : compareCodePoints(String(candidate), String(current));
  return want === 'smaller' ? order < 0 : order > 0;
}

export function entityKey(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return String(value);
}

export class SourceRows {
  private readonly layout: SourceLayout;
  private readonly liveRows = new Map<string, LiveRow[]>();
  /** Membership both ways. */
  private readonly usersOfAccount = new Map<string, Set<string>>();
  private readonly accountsOfUser = new Map<string, Set<string>>();
  /** Universes, sorted by code point. */
  readonly users: string[];
  readonly accounts: string[];
  private readonly customCache = new Map<string, Map<string, unknown>>();
  private readonly eventCache = new Map<string, LiveRow[]>();

  /** `sqlAssociations`: the (user, account) pairs account-level SQL traits returned. */
  constructor(
    project: Project,
    private readonly dataset: SourceDataset,
    private readonly asOfMs: number,
    sqlAssociations: readonly (readonly [string, string])[],
  ) {
    this.layout = project.config.source;
    // Source rows that exist at as_of: event time present and <= as_of. With identity stitching
    // (SPEC §2.1) a row without a user_id is its anonymous_id's owner's row, in every table.
    const identity = project.config.identity;
    const owned = stitches(identity) ? owners(dataset, this.layout, identity.conflict, this.asOfMs) : new Map<string, Owner>();
    for (const [name, table] of Object.entries(dataset.tables)) {
      const live: LiveRow[] = [];
      for (const row of table.rows) {
        const raw = row[this.layout.eventTime];
        if (raw === null || raw === undefined) continue;
        const time = toInstant(raw);
        if (time <= this.asOfMs) live.push({ row: stitchRow(row, this.layout, owned), time });
      }
      this.liveRows.set(name, live);
    }

    // Universes and membership.
    const { columns, tables: names } = this.layout;
    const users = new Set<string>();
    for (const table of userTables(this.layout)) {
      for (const { row } of this.live(table)) {
        const user = entityKey(row[columns.userId]);
        if (user !== null) users.add(user);
      }
    }
    const accounts = new Set<string>();
    for (const { row } of this.live(names.groups)) {
      const account = entityKey(row[columns.groupId]);
      if (account === null) continue;
      accounts.add(account);
      const user = entityKey(row[columns.userId]);
      if (user !== null) this.associate(user, account);
    }
    // An anonymous_id's owner was seen with it on a row at or before as_of.
    for (const owner of owned.values()) users.add(owner.user);
    for (const [user, account] of sqlAssociations) {
      users.add(user);
      this.associate(user, account);
    }
    this.users = [...users].sort(compareCodePoints);
    this.accounts = [...accounts].sort(compareCodePoints);
  }

  live(table: string): readonly LiveRow[] {
    return this.liveRows.get(table) ?? [];
  }

  universe(level: Level): readonly string[] {
    return level === 'user' ? this.users : this.accounts;
  }

  private associate(user: string, account: string): void {
    if (!this.usersOfAccount.has(account)) this.usersOfAccount.set(account, new Set());
    this.usersOfAccount.get(account)!.add(user);
    if (!this.accountsOfUser.has(user)) this.accountsOfUser.set(user, new Set());
    this.accountsOfUser.get(user)!.add(account);
  }

  usersOf(account: string): ReadonlySet<string> {
    return this.usersOfAccount.get(account) ?? new Set();
  }

  accountsOf(user: string): ReadonlySet<string> {
    return this.accountsOfUser.get(user) ?? new Set();
  }

  /** A custom trait: the latest non-null value, latest = greatest (event time, id). */
  customValue(level: Level, column: string, entity: string): unknown {
    const cacheKey = `${level}\u0000${column}`;
    let values = this.customCache.get(cacheKey);
    if (!values) {
      const table = level === 'user' ? this.layout.tables.identifies : this.layout.tables.groups;
      const keyColumn = level === 'user' ? this.layout.columns.userId : this.layout.columns.groupId;
      const idColumn = this.layout.columns.id;
      const best = new Map<string, LiveRow>();
      for (const live of this.live(table)) {
        const key = entityKey(live.row[keyColumn]);
        const value = finiteOrNull(live.row[column]);
        if (key === null || value === null || value === undefined) continue;
        const current = best.get(key);
        const later =
          !current ||
          live.time > current.time ||
          (live.time === current.time && idWins(live.row[idColumn], current.row[idColumn], 'greater'));
        if (later) best.set(key, live);
      }
      values = new Map([...best].map(([key, live]) => [key, live.row[column]]));
      this.customCache.set(cacheKey, values);
    }
    return values.get(entity) ?? null;
  }

  // -------------------------------------------------------------------------------------------
  // Events

  eventTable(ref: EventRef): string {
    if (ref.kind === 'track') return snakeCase(ref.name);
    return ref.kind === 'page' ? this.layout.tables.pages : this.layout.tables.screens;
  }

  columnType(table: string, column: string): LogicalType {
    return this.dataset.tables[table]?.columns[column] ?? 'unknown';
  }

  /** Every attributed event (non-null user_id) of the reference that exists at as_of. */
  eventRows(ref: EventRef): LiveRow[] {
    const cacheKey = `${ref.kind}\u0000${ref.name ?? ''}\u0000${ref.name === null ? 'all' : 'named'}`;
    let rows = this.eventCache.get(cacheKey);
    if (!rows) {
      const { userId, eventText, name } = this.layout.columns;
      rows = this.live(this.eventTable(ref)).filter(({ row }) => {
        if (entityKey(row[userId]) === null) return false;
        if (ref.kind === 'track') return row[eventText] === ref.name;
        return ref.name === null || row[name] === ref.name;
      });
      this.eventCache.set(cacheKey, rows);
    }
    return rows;
  }

  inWindow(time: number, window: TimeWindow | null): boolean {
    if (window === null) return true;
    if (window.kind === 'within') return time > this.asOfMs - window.seconds * 1000 && time <= this.asOfMs;
    return time >= parseInstant(window.start) && time < parseInstant(window.end);
  }

  matchingEvents(ref: EventRef, window: TimeWindow | null, filters: readonly PropertyFilter[]): Map<string, LiveRow[]> {
    const table = this.eventTable(ref);
    const byUser = new Map<string, LiveRow[]>();
    for (const live of this.eventRows(ref)) {
      if (!this.inWindow(live.time, window)) continue;
      const passes = filters.every((filter) =>
        evaluatePredicate(finiteOrNull(live.row[filter.property] ?? null), { type: this.columnType(table, filter.property) }, filter.predicate),
      );
      if (!passes) continue;
      const user = entityKey(live.row[this.layout.columns.userId])!;
      if (!byUser.has(user)) byUser.set(user, []);
      byUser.get(user)!.push(live);
    }
    return byUser;
  }
}
