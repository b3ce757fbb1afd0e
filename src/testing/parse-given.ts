// `given:` of a test case or step (docs/testing.md): rows of the layout's tables (identifies,
// groups, events, pages, screens) and of the raw tables SQL traits read, each cell checked at the
// user's own line: columns the layout does not have (with the column the project renamed it to),
// missing event times and owners, bad timestamps, nested properties flattened as Segment does.
import type { SourceLocation } from '../definitions/model.js';
import { didYouMean } from '../definitions/did-you-mean.js';
import { COLUMN_PATTERN, parseTimestamp, readWholeNumber, scalarOf } from '../definitions/parse-values.js';
import { snakeCase } from '../definitions/snake-case.js';
import { presetLayout } from '../definitions/source-layout.js';
import { describe, isMap, isSeq, truncate, type MapEntry, type YamlFile, type YamlNode } from '../definitions/yaml-source.js';
import type { Project } from '../definitions/model.js';
import { layoutColumns, looksLikeTimestamp, type ProjectShape, type TableKind } from './project-shape.js';
import type { GivenCall, GivenColumns, GivenValue, TableRole } from './test-case.js';

export const GIVEN_ROLES = ['identifies', 'groups', 'events', 'pages', 'screens'] as const;

/** Columns Segment writes in every table besides the ones quorum reads; always accepted. */
const SEGMENT_TIME_COLUMNS = ['timestamp', 'received_at', 'sent_at', 'original_timestamp', 'loaded_at', 'uuid_ts'];

export const TIMESTAMP_HINT = 'write an ISO-8601 date or timestamp in UTC, e.g. 2024-06-01 (midnight) or 2024-06-01T12:30:00Z';

export interface TestFileContext {
  readonly shape: ProjectShape;
  /** Raw tables a case may fill by name: SQL trait sources, event tables and the layout's tables. */
  readonly rawTables: ReadonlySet<string>;
  readonly project: Project;
}

/**
 * What a test file may make quorum write (SPEC §8, hostile input is bounded): `repeat` per call, and
 * rows over the whole file, repeats included. A 300-byte file with `repeat: 1000000000` grew to
 * 2.5 GB before it was stopped; a case needs hundreds of rows, not millions.
 */
export const MAX_REPEAT = 100_000;
export const MAX_GIVEN_ROWS = 1_000_000;

export class GivenParser {
  /** Layout columns that the row being read misspelt: their "missing" errors would repeat it. */
  private readonly meant = new Set<string>();
  /** Rows the file's calls write so far, repeats included (MAX_GIVEN_ROWS). */
  private rowsWritten = 0;

  constructor(
    private readonly y: YamlFile,
    private readonly context: TestFileContext,
  ) {}

  private get layout() {
    return this.context.shape.layout;
  }

  given(entry: MapEntry): GivenCall[] {
    const y = this.y;
    const entries = y.map(entry.value, entry.valueLoc, '"given"', 'identifies:, groups:, events:, pages:, screens: or a table name, each a list of rows');
    if (!entries) return [];
    const calls: GivenCall[] = [];
    for (const e of entries.values()) {
      const role = (GIVEN_ROLES as readonly string[]).includes(e.key) ? (e.key as (typeof GIVEN_ROLES)[number]) : null;
      if (role === null && !this.context.rawTables.has(e.key)) {
        const suggestion = didYouMean(e.key, [...GIVEN_ROLES, ...this.context.rawTables]);
        y.error('unknown_reference', { kind: 'test_table', name: e.key, suggestion }, e.keyLoc);
        continue;
      }
      if (y.isNull(e.value)) continue;
      const rows = y.seq(e.value, e.valueLoc, `"given.${e.key}"`, 'a list of rows, e.g. - { user_id: u1, timestamp: 2024-01-01 }');
      if (!rows) continue;
      for (const row of rows) {
        const call = role === 'events' ? this.event(row, e.valueLoc) : this.row(row, e.valueLoc, e.key, role ?? 'raw');
        if (!call) continue;
        this.rowsWritten += call.kind === 'event' ? call.repeat : 1;
        if (this.rowsWritten > MAX_GIVEN_ROWS) {
          // named once, at the row that crossed the bound; the file is refused, so the rest is not kept
          if (this.rowsWritten - (call.kind === 'event' ? call.repeat : 1) > MAX_GIVEN_ROWS) return calls;
          const fix = 'lower the repeats, or split the cases into several files; quorum bounds what a test file writes so that a small file cannot exhaust memory';
          y.error('invalid_value', { form: 'rule', what: 'this test file', problem: `would write more than ${MAX_GIVEN_ROWS.toLocaleString('en-US')} rows here, repeats included`, fix }, call.loc);
          return calls;
        }
        calls.push(call);
      }
    }
    return calls;
  }

  private row(node: YamlNode, fallback: SourceLocation, key: string, role: TableRole | 'raw'): GivenCall | null {
    const y = this.y;
    const loc = y.loc(node, fallback);
    const what = role === 'identifies' ? 'an identifies row' : role === 'raw' ? `a "${key}" row` : `a ${key} row`;
    const entries = y.map(node, loc, what, 'column: value');
    if (!entries) return null;
    const table = role === 'raw' ? key : this.layout.tables[role];
    const columns = this.columns(entries, what, role === 'raw' ? null : role, table);
    if (role !== 'raw') {
      const c = this.layout.columns;
      this.requireTime(entries, loc, what, this.meant);
      const has = (column: string): boolean => entries.has(column) || this.meant.has(column);
      if (role === 'identifies' && !has(c.userId) && !has(c.anonymousId)) {
        y.error('missing_key', { form: 'rule', what, problem: `has neither "${c.userId}" nor "${c.anonymousId}", so it belongs to nobody`, fix: `add e.g. ${c.userId}: u1` }, loc);
      }
      if (role === 'groups' && !has(c.groupId)) {
        const fix = `add e.g. ${c.groupId}: acme (and ${c.userId}: to make a user a member)`;
        y.error('missing_key', { form: 'missing', what, key: c.groupId, purpose: 'so it names no account', fix }, loc);
      }
    }
    return columns === null ? null : { kind: 'row', table, role, columns, loc };
  }

  private event(node: YamlNode, fallback: SourceLocation): GivenCall | null {
    const y = this.y;
    const loc = y.loc(node, fallback);
    const what = 'an event';
    const entries = y.map(node, loc, what, 'event:, user_id:, timestamp:, properties:');
    if (!entries) return null;
    const tracks = [...layoutColumns(this.layout, 'tracks').keys(), ...SEGMENT_TIME_COLUMNS];
    const c = this.layout.columns;
    const own = [c.event, c.eventText]; // written by quorum from `event:`
    const allowed = ['event', 'properties', 'repeat', ...tracks.filter((k) => !own.includes(k))];
    let ok = true;
    const misspelt = new Set<string>();
    const columnEntries = new Map<string, MapEntry>();
    for (const e of entries.values()) {
      if (e.key === 'event' || e.key === 'properties' || e.key === 'repeat') continue;
      if (allowed.includes(e.key) || /^context_[a-z0-9_]+$/.test(e.key)) {
        columnEntries.set(e.key, e);
        continue;
      }
      ok = false;
      const renamed = this.renamedTo(e.key);
      const suggestion = didYouMean(e.key, allowed);
      if (suggestion) misspelt.add(suggestion);
      if (renamed) misspelt.add(renamed);
      const problem = `has a key "${e.key}", which is not a column of the ${this.layout.preset} layout's ${this.layout.tables.tracks} table`;
      const fix = suggestion ? `did you mean "${suggestion}"?` : `event properties go under properties:, e.g. properties: { ${e.key}: ... }`;
      y.error('unknown_key', renamed ? { form: 'renamed', key: e.key, to: renamed } : { form: 'rule', what, problem, fix }, e.keyLoc);
    }
    const eventEntry = entries.get('event');
    let event: string | null = null;
    if (!eventEntry) y.error('missing_key', { form: 'missing', what, key: 'event', purpose: 'the event name', fix: 'add the name as sent, e.g. event: Logged In' }, loc);
    else {
      const value = scalarOf(eventEntry.value);
      if (typeof value === 'string' && snakeCase(value) !== '') event = value;
      else y.error('wrong_type', { form: 'expected', what, key: 'event', expected: "the event's name as sent", found: describe(eventEntry.value), fix: 'e.g. event: Logged In' }, eventEntry.valueLoc);
    }
    const columns = this.columns(columnEntries, what, 'event', null);
    const meant = new Set([...this.meant, ...misspelt]);
    let properties: GivenColumns = {};
    const propertiesEntry = entries.get('properties');
    if (propertiesEntry && !y.isNull(propertiesEntry.value)) {
      const p = y.map(propertiesEntry.value, propertiesEntry.valueLoc, `${what}'s "properties"`, 'property: value');
      if (p) {
        const flat: Record<string, GivenValue> = {};
        if (!this.flatten(p, '', flat, `${what}'s properties`, true)) ok = false;
        properties = flat;
      } else ok = false;
    }
    let repeat = 1;
    const repeatEntry = entries.get('repeat');
    if (repeatEntry) {
      const n = readWholeNumber(y, repeatEntry, what, 1);
      if (n !== null && n > MAX_REPEAT) {
        y.error('invalid_value', { form: 'range', what, key: 'repeat', value: n, low: 1, high: MAX_REPEAT }, repeatEntry.valueLoc);
        ok = false;
      } else if (n === null) ok = false;
      else repeat = n;
    }
    this.requireTime(entries, loc, what, meant);
    if (!entries.has(c.userId) && !entries.has(c.anonymousId) && !meant.has(c.userId) && !meant.has(c.anonymousId)) {
      y.error('missing_key', { form: 'rule', what, problem: `has neither "${c.userId}" nor "${c.anonymousId}", so nobody performed it`, fix: `add e.g. ${c.userId}: u1` }, loc);
    }
    if (!ok || event === null || columns === null) return null;
    return { kind: 'event', event, columns, properties, repeat, loc };
  }

  /** The cells of a row. Table rows take any snake_case column (custom traits are columns). */
  private columns(entries: Map<string, MapEntry>, what: string, kind: TableKind | null, table: string | null): GivenColumns | null {
    const y = this.y;
    this.meant.clear();
    const out: Record<string, GivenValue> = {};
    let ok = true;
    // Only the columns quorum itself needs are suggested: custom traits are any column, and a
    // trait that is one letter away from another ("name" / "plan") is not a typo.
    const layout = kind === null ? [] : [...layoutColumns(this.layout, kind).keys()];
    const known = kind === null ? [] : [...layout, ...SEGMENT_TIME_COLUMNS, ...(table ? this.context.shape.reads.get(table)?.keys() ?? [] : [])];
    for (const e of entries.values()) {
      if (!COLUMN_PATTERN.test(e.key) || (kind !== null && e.key !== snakeCase(e.key) && !known.includes(e.key))) {
        ok = false;
        const snake = snakeCase(e.key);
        const suggestion = didYouMean(e.key, known) ?? snake;
        if (suggestion) this.meant.add(suggestion);
        const fix = suggestion ? `columns are snake_case as Segment writes them: did you mean "${suggestion}"?` : null;
        y.error('unknown_key', { form: 'rule', what, problem: `has a column "${truncate(e.key)}", which is not a warehouse column name`, fix }, e.keyLoc);
        continue;
      }
      if (kind !== null && !known.includes(e.key)) {
        const renamed = this.renamedTo(e.key);
        const absent = layout.filter((k) => !entries.has(k));
        const suggestion = absent.find((k) => k.startsWith(`${e.key}_`)) ?? didYouMean(e.key, absent);
        if (suggestion) this.meant.add(suggestion);
        if (renamed) this.meant.add(renamed);
        if (renamed || suggestion) {
          ok = false;
          const problem = `has a column "${e.key}", which the ${this.layout.preset} layout's ${table ?? this.layout.tables.tracks} table does not have`;
          y.error('unknown_key', renamed ? { form: 'renamed', key: e.key, to: renamed } : { form: 'rule', what, problem, fix: `did you mean "${suggestion}"?` }, e.keyLoc);
          continue;
        }
      }
      if (isMap(e.value)) {
        const nested = y.map(e.value, e.valueLoc, `${what}, column "${e.key}"`, 'column: value');
        if (!nested || !this.flatten(nested, e.key, out, `${what}, column "${e.key}"`, false)) ok = false;
        continue;
      }
      const value = this.columnValue(e, what, kind);
      if (value === undefined) ok = false;
      else out[e.key] = value;
    }
    return ok ? out : null;
  }

  /** Nested mappings flatten as Segment's warehouses flatten them: `plan: { tier: x }` -> plan_tier. */
  private flatten(entries: Map<string, MapEntry>, prefix: string, out: Record<string, GivenValue>, what: string, snake: boolean): boolean {
    let ok = true;
    for (const e of entries.values()) {
      const part = snake ? snakeCase(e.key) : e.key;
      if (part === '' || !COLUMN_PATTERN.test(prefix ? `${prefix}_${part}` : part)) {
        ok = false;
        this.y.error('unknown_key', { form: 'rule', what, problem: `has a key "${truncate(e.key)}" that makes no column name`, fix: 'use letters, digits and underscores' }, e.keyLoc);
        continue;
      }
      const column = prefix ? `${prefix}_${part}` : part;
      if (isMap(e.value)) {
        const nested = this.y.map(e.value, e.valueLoc, what, 'key: value');
        if (!nested || !this.flatten(nested, column, out, what, snake)) ok = false;
        continue;
      }
      const value = this.cell(e.value, e.valueLoc, `${what} "${e.key}"`);
      if (value === undefined) ok = false;
      else out[column] = value;
    }
    return ok;
  }

  private columnValue(e: MapEntry, what: string, kind: TableKind | null): GivenValue | undefined {
    const value = this.cell(e.value, e.valueLoc, `${what}'s "${e.key}"`);
    if (value === undefined || kind === null) return value;
    const c = this.layout.columns;
    const ids = [c.id, c.userId, c.anonymousId, c.groupId, c.contextGroupId];
    if (ids.includes(e.key) && (typeof value === 'number' || typeof value === 'boolean')) return String(value);
    return value;
  }

  /** One cell: a scalar or a list of scalars; timestamps are checked where they look like one. */
  cell(node: YamlNode | null, loc: SourceLocation, what: string): GivenValue | undefined {
    const y = this.y;
    if (isSeq(node)) {
      const items = y.seq(node, loc, what, 'a list of values') ?? [];
      const list: (string | number | boolean)[] = [];
      for (const item of items) {
        const v = scalarOf(item);
        if (v === null || v === undefined) {
          y.error('wrong_type', { form: 'rule', what, problem: `holds ${describe(item)} in a list; list items are text, numbers or booleans`, fix: null }, y.loc(item, loc));
          return undefined;
        }
        list.push(v);
      }
      return list;
    }
    const value = scalarOf(node);
    if (value === undefined) {
      y.error('wrong_type', { form: 'rule', what, problem: `is ${describe(node)}; a cell is a text, a number, a boolean, null or a list`, fix: null }, loc);
      return undefined;
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      y.error('invalid_value', { form: 'rule', what, problem: `is ${String(value)}, which a warehouse column cannot hold`, fix: null }, loc);
      return undefined;
    }
    if (typeof value === 'string' && looksLikeTimestamp(value)) {
      const instant = parseTimestamp(value);
      if (instant === null) {
        y.error('invalid_value', { form: 'rule', what, problem: `is "${value}", which is not a valid date or timestamp`, fix: TIMESTAMP_HINT }, loc);
        return undefined;
      }
    }
    return value;
  }

  private requireTime(entries: Map<string, MapEntry>, loc: SourceLocation, what: string, meant: ReadonlySet<string>): void {
    const time = this.layout.eventTime;
    const e = entries.get(time);
    if (!e && meant.has(time)) return;
    if (!e) {
      const other = time !== 'timestamp' && entries.has('timestamp');
      const fix = other
        ? `this project reads event times from ${time}, and "timestamp" is an ordinary column here; add ${time}: as well`
        : `add e.g. ${time}: 2024-05-01 (write ${time}: null for a row that should never count)`;
      const purpose = 'the event time column of this project (source.event_time), so it would never exist';
      this.y.error('missing_key', { form: 'missing', what, key: time, purpose, fix }, loc);
      return;
    }
    if (this.y.isNull(e.value)) return;
    const value = scalarOf(e.value);
    if (typeof value !== 'string' || parseTimestamp(value) === null) {
      if (typeof value === 'string' && looksLikeTimestamp(value)) return; // reported by cell()
      const shown = typeof value === 'string' ? `"${truncate(value)}"` : describe(e.value);
      this.y.error('invalid_value', { form: 'rule', what: `${what}'s "${time}"`, problem: `is ${shown}, which is not an ISO-8601 timestamp`, fix: TIMESTAMP_HINT }, e.valueLoc);
    }

  }

  private renamedTo(key: string): string | null {
    const defaults = presetLayout(this.layout.preset, this.layout.schema).columns;
    for (const role of Object.keys(defaults) as (keyof typeof defaults)[]) {
      if (defaults[role] === key && this.layout.columns[role] !== key) return this.layout.columns[role];
    }
    return null;
  }
}
