// Definition files: audiences, computed traits and SQL traits, one a file or a YAML list.
import { isMap, isScalar, isSeq, Scalar } from 'yaml';
import { COMPUTE_KINDS } from './model.js';
import type {
  AudienceDefinition,
  ComputeKind,
  ComputedTraitDefinition,
  Definition,
  Level,
  SourceLocation,
  SqlTemplatePart,
  SqlTraitDefinition,
  SyncTarget,
} from './model.js';
import { readCondition } from './parse-condition.js';
import { parseSqlTemplate } from './parse-sql.js';
import {
  checkCron,
  COLUMN_PATTERN,
  readEnum,
  readEventRef,
  readName,
  readNumberInRange,
  readPropertyFilters,
  readString,
  readWholeNumber,
  readWindow,
  scalarOf,
} from './parse-values.js';
import { SQL_TRAIT_KEY_COLUMNS } from './resolve.js';
import { describe, type MapEntry, type YamlFile, type YamlNode } from './yaml-source.js';

export const DEFINITION_KINDS = ['audience', 'computed_trait', 'sql_trait'] as const;
const KIND_NAMES = { audience: 'audience', computed_trait: 'computed trait', sql_trait: 'SQL trait' } as const;

/** Where each top-level key of a definition is, so that later checks can point at it. */
const keyLocations = new WeakMap<object, ReadonlyMap<string, SourceLocation>>();
const definitionKeys = new WeakMap<Definition, ReadonlyMap<string, SourceLocation>>();

/** The place of a definition's key (e.g. "property"), or of its name when it has none. */
export function keyLocation(definition: Definition, key: string): SourceLocation {
  return definitionKeys.get(definition)?.get(key) ?? definition.loc;
}
const LEVELS: readonly Level[] = ['user', 'account'];
const CALLS = ['group', 'identify', 'track'] as const;
type Call = (typeof CALLS)[number];

export const AUDIENCE_KEYS = ['audience', 'level', 'description', 'schedule', 'where', 'max_exit_fraction', 'sync'];
export const COMPUTED_TRAIT_KEYS = [
  'computed_trait', 'level', 'description', 'compute', 'event', 'name', 'within', 'where', 'property',
  'min_frequency', 'scope', 'sync',
];
export const SQL_TRAIT_KEYS = ['sql_trait', 'level', 'description', 'sql', 'columns', 'sync'];

/** The keys of each kind, and what to say about keys that belong elsewhere. */
const DEFINITION_KEYS: Readonly<Record<(typeof DEFINITION_KINDS)[number], readonly [readonly string[], Readonly<Record<string, string>>]>> = {
  audience: [AUDIENCE_KEYS, {
    compute: 'compute belongs to computed traits (computed_trait: <name>)',
    event: 'events are matched with a performed condition under where',
    sql: 'SQL belongs to SQL traits (sql_trait: <name>)',
  }],
  computed_trait: [COMPUTED_TRAIT_KEYS, {
    performed: 'a computed trait names its events with event:',
    sql: 'SQL belongs to SQL traits (sql_trait: <name>)',
    schedule: 'traits are computed in every run that selects them',
  }],
  sql_trait: [SQL_TRAIT_KEYS, {
    query: 'the query goes under sql:',
    compute: 'compute belongs to computed traits (computed_trait: <name>)',
    where: 'filter inside the SQL query',
  }],
};

/** Maps an offset inside a SQL trait's `sql` text to its place in the file. */
/** Where an offset of a SQL text is in its file; with a length, the span (when it stays on one line). */
export type SqlLocator = (offset: number, length?: number) => SourceLocation;

/** Where each SQL trait's text sits in its file, so that later checks can point inside it. */
export const sqlLocators = new WeakMap<SqlTraitDefinition, SqlLocator>();

export function parseDefinitionFile(y: YamlFile): Definition[] {
  const root = y.root;
  if (root === null || (isScalar(root) && root.value === null)) return [];
  if (isSeq(root)) {
    const items = y.seq(root, y.loc(root), y.file, 'definitions') ?? [];
    return items.flatMap((item) => {
      const definition = parseDefinition(y, item);
      return definition ? [definition] : [];
    });
  }
  const definition = parseDefinition(y, root);
  return definition ? [definition] : [];
}

function remember<T extends Definition>(definition: T | null, entries: Map<string, MapEntry>): T | null {
  const locations = keyLocations.get(entries);
  if (definition && locations) definitionKeys.set(definition, locations);
  return definition;
}

function parseDefinition(y: YamlFile, node: YamlNode | null): Definition | null {
  const loc = y.loc(node);
  if (!isMap(node)) {
    const problem = `must hold a definition (a mapping starting with audience:, computed_trait: or sql_trait:) or a list of them, not ${describe(node)}`;
    return y.error('wrong_type', { form: 'rule', what: y.file, problem, fix: null }, loc);
  }
  const entries = y.map(node, loc, 'the definition', 'audience: / computed_trait: / sql_trait:');
  if (!entries) return null;
  const kinds = DEFINITION_KINDS.filter((k) => entries.has(k));
  if (kinds.length === 0) {
    return y.error('missing_key', { form: 'neither', what: 'this definition', keys: ['audience:', 'computed_trait:', 'sql_trait:'], fix: 'start it with audience: <name>, computed_trait: <name> or sql_trait: <name>' }, loc);
  }
  if (kinds.length > 1) {
    const fix = 'split it into two definitions (a file may hold a YAML list of them)';
    return y.error('wrong_type', { form: 'both', what: 'this definition', keys: [kinds[0], kinds[1]], rule: 'a definition is exactly one of them', fix }, entries.get(kinds[1])!.keyLoc);
  }
  const kind = kinds[0];
  const nameEntry = entries.get(kind)!;
  const name = readName(y, nameEntry, `the ${KIND_NAMES[kind]}`);
  const subject = `${KIND_NAMES[kind]} "${name ?? scalarOf(nameEntry.value) ?? '?'}"`;
  y.subject = subject;
  try {
    return readKind(y, entries, kind, subject, name, nameEntry);
  } finally {
    y.subject = null;
  }
}

function readKind(
  y: YamlFile,
  entries: Map<string, MapEntry>,
  kind: (typeof DEFINITION_KINDS)[number],
  subject: string,
  name: string | null,
  nameEntry: MapEntry,
): Definition | null {
  const [allowedKeys, notes] = DEFINITION_KEYS[kind];
  y.checkKeys(entries, allowedKeys, subject, notes);
  keyLocations.set(entries, new Map([...entries.values()].map((e) => [e.key, e.keyLoc])));
  const base = readBase(y, entries, subject, nameEntry.keyLoc);
  switch (kind) {
    case 'audience':
      return remember(readAudience(y, entries, subject, name, base), entries);
    case 'computed_trait':
      return remember(readComputedTrait(y, entries, subject, name, base), entries);
    case 'sql_trait':
      return remember(readSqlTrait(y, entries, subject, name, base), entries);
    default: {
      const never: never = kind;
      throw new Error(`unhandled definition kind ${String(never)}`);
    }
  }
}

interface Base {
  readonly level: Level | null;
  readonly description: string | null;
  readonly descriptionOk: boolean;
  readonly loc: SourceLocation;
}

function readBase(y: YamlFile, entries: Map<string, MapEntry>, subject: string, loc: SourceLocation): Base {
  const levelEntry = entries.get('level');
  let level: Level | null = null;
  if (!levelEntry) {
    if (!y.misspeltAs(entries, 'level')) y.error('missing_key', { form: 'missing', what: subject, key: 'level', fix: 'add level: user or level: account' }, loc);
  } else {
    level = readEnum(y, levelEntry, subject, LEVELS);
  }
  const descriptionEntry = entries.get('description');
  const description = descriptionEntry ? readString(y, descriptionEntry, subject) : null;
  return { level, description, descriptionOk: !descriptionEntry || description !== null, loc };
}

function readSync(
  y: YamlFile,
  entries: Map<string, MapEntry>,
  subject: string,
  level: Level | null,
  isAudience: boolean,
): SyncTarget[] | null {
  const entry = entries.get('sync');
  if (!entry) return [];
  const items = y.seq(entry.value, entry.valueLoc, `"sync" of ${subject}`, 'targets such as - { to: crm }');
  if (!items) return null;
  const allowed: readonly Call[] = isAudience
    ? level === 'account' ? ['group', 'identify', 'track'] : ['identify', 'track']
    : level === 'account' ? ['group', 'track'] : ['identify', 'track'];
  const defaults: readonly Call[] = isAudience
    ? level === 'account' ? ['group', 'identify', 'track'] : ['identify', 'track']
    : level === 'account' ? ['group'] : ['identify'];
  const targets: SyncTarget[] = [];
  let ok = true;
  for (const item of items) {
    const itemLoc = y.loc(item, entry.valueLoc);
    const target = y.map(item, itemLoc, `a sync target of ${subject}`, '{ to: destination, calls: [...] }');
    if (!target) {
      ok = false;
      continue;
    }
    y.checkKeys(target, isAudience ? ['to', 'calls', 'track_events'] : ['to', 'calls'], `a sync target of ${subject}`, isAudience ? {} : { track_events: 'traits send the track event "Trait Computed"' });
    const toEntry = target.get('to');
    const loc = toEntry?.keyLoc ?? itemLoc;
    if (!toEntry) {
      if (!y.misspeltAs(target, 'to')) y.error('missing_key', { form: 'missing', what: `a sync target of ${subject}`, key: 'to', fix: 'name a destination of quorum.yml: - { to: crm }' }, itemLoc);
      ok = false;
      continue;
    }
    const to = readString(y, toEntry, `a sync target of ${subject}`);
    let calls: Call[] | null = [...defaults];
    const callsEntry = target.get('calls');
    if (callsEntry) {
      const callItems = y.seq(callsEntry.value, callsEntry.valueLoc, `"calls" of ${subject}`, 'e.g. [group, identify, track]');
      if (!callItems) {
        calls = null;
      } else if (callItems.length === 0) {
        const fix = `list some of ${allowed.join(', ')}, or remove the sync target`;
        y.error('invalid_value', { form: 'empty', what: `"calls" of ${subject}`, consequence: 'the destination would receive nothing', fix }, callsEntry.valueLoc);
        calls = null;
      } else {
        calls = [];
        for (const callItem of callItems) {
          const value = scalarOf(callItem);
          const callLoc = y.loc(callItem, callsEntry.valueLoc);
          if (typeof value !== 'string' || !(CALLS as readonly string[]).includes(value)) {
            const problem = `holds ${describe(callItem)}, but calls are group, identify or track`;
            y.error(typeof value === 'string' ? 'invalid_value' : 'wrong_type', { form: 'rule', what: `"calls" of ${subject}`, problem, fix: `use some of ${allowed.join(', ')}` }, callLoc);
            calls = null;
            break;
          }
          if (!allowed.includes(value as Call)) {
            const why = value === 'group' ? 'group calls are for account-level definitions' : 'an account-level trait is sent as a group call';
            y.error('invalid_value', { form: 'rule', what: `${subject} (level ${level})`, problem: `cannot send "${value}" calls: ${why}`, fix: `use some of ${allowed.join(', ')}` }, callLoc);
            calls = null;
            break;
          }
          if (calls.includes(value as Call)) {
            y.error('invalid_value', { form: 'twice', what: `"calls" of ${subject}`, value }, callLoc);
            calls = null;
            break;
          }
          calls.push(value as Call);
        }
      }
    }
    let trackEvents = { entered: 'Audience Entered', exited: 'Audience Exited' };
    let eventsOk = true;
    const eventsEntry = target.get('track_events');
    if (eventsEntry && isAudience) {
      const events = y.map(eventsEntry.value, eventsEntry.valueLoc, `"track_events" of ${subject}`, '{ entered: ..., exited: ... }');
      if (!events) {
        eventsOk = false;
      } else {
        y.checkKeys(events, ['entered', 'exited'], `"track_events" of ${subject}`);
        const entered = events.get('entered');
        const exited = events.get('exited');
        const enteredName = entered ? readString(y, entered, `"track_events" of ${subject}`) : trackEvents.entered;
        const exitedName = exited ? readString(y, exited, `"track_events" of ${subject}`) : trackEvents.exited;
        if (enteredName === null || exitedName === null) eventsOk = false;
        else trackEvents = { entered: enteredName, exited: exitedName };
      }
    }
    if (to === null || calls === null || !eventsOk) {
      ok = false;
      continue;
    }
    targets.push({ to, calls, trackEvents, loc });
  }
  return ok ? targets : null;
}

function readAudience(y: YamlFile, entries: Map<string, MapEntry>, subject: string, name: string | null, base: Base): AudienceDefinition | null {
  const scheduleEntry = entries.get('schedule');
  let schedule: string | null = null;
  let scheduleOk = true;
  if (scheduleEntry) {
    const text = readString(y, scheduleEntry, subject);
    schedule = text === null ? null : checkCron(y, text, `${subject}: "schedule"`, scheduleEntry.valueLoc);
    scheduleOk = schedule !== null;
  }
  const whereEntry = entries.get('where');
  let where = null;
  if (!whereEntry) {
    const fix = 'add where: followed by a condition, e.g. where: { trait: plan, equals: trial }';
    if (!y.misspeltAs(entries, 'where')) y.error('missing_key', { form: 'missing', what: subject, key: 'where', purpose: 'the condition its members satisfy', fix }, base.loc);
  } else {
    where = readCondition(y, whereEntry.value, whereEntry.valueLoc, `"where" of ${subject}`);
    if (where && isSeq(whereEntry.value)) where = { ...where, loc: whereEntry.keyLoc };
  }
  const fractionEntry = entries.get('max_exit_fraction');
  const maxExitFraction = fractionEntry ? readNumberInRange(y, fractionEntry, subject, 0, 1) : null;
  const sync = readSync(y, entries, subject, base.level, true);
  if (name === null || base.level === null || !base.descriptionOk || !scheduleOk || where === null || (fractionEntry && maxExitFraction === null) || sync === null) {
    return null;
  }
  const scheduleLoc = scheduleEntry ? { scheduleLoc: scheduleEntry.valueLoc } : {};
  return { kind: 'audience', name, level: base.level, description: base.description, sync, loc: base.loc, schedule, ...scheduleLoc, where, maxExitFraction };
}

function readComputedTrait(y: YamlFile, entries: Map<string, MapEntry>, subject: string, name: string | null, base: Base): ComputedTraitDefinition | null {
  let ok = true;
  const computeEntry = entries.get('compute');
  let compute: ComputeKind | null = null;
  if (!computeEntry) {
    if (!y.misspeltAs(entries, 'compute')) y.error('missing_key', { form: 'missing', what: subject, key: 'compute', fix: `add compute: followed by one of ${COMPUTE_KINDS.join(', ')}` }, base.loc);
  } else {
    compute = readEnum(y, computeEntry, subject, COMPUTE_KINDS);
  }
  const eventEntry = entries.get('event');
  let event = null;
  if (!eventEntry) {
    const fix = 'add event: <track event name as sent>, or event: page / event: screen';
    if (!y.misspeltAs(entries, 'event')) y.error('missing_key', { form: 'missing', what: subject, key: 'event', purpose: 'the events it computes over', fix }, base.loc);
  } else {
    event = readEventRef(y, eventEntry, entries.get('name'), subject);
  }
  if (!eventEntry && entries.has('name')) ok = false;
  const withinEntry = entries.get('within');
  const window = withinEntry ? readWindow(y, withinEntry, subject) : null;
  if (withinEntry && window === null) ok = false;
  const whereEntry = entries.get('where');
  const filters = whereEntry ? readPropertyFilters(y, whereEntry, subject) : [];
  if (filters === null) ok = false;
  const propertyEntry = entries.get('property');
  let property: string | null = null;
  if (propertyEntry) {
    property = readName(y, propertyEntry, subject, COLUMN_PATTERN);
    if (property === null) ok = false;
    else if (compute === 'count') {
      const fix = `remove property, or use compute: unique_count to count distinct values of "${property}"`;
      y.error('invalid_value', { form: 'rule', what: subject, problem: `counts events, so "property: ${property}" has no effect`, fix }, propertyEntry.keyLoc);
      ok = false;
    }
  } else if (compute !== null && compute !== 'count') {
    const problem = `computes "${compute}", which needs "property", the event property to ${compute === 'sum' || compute === 'avg' ? 'aggregate' : 'read'}`;
    if (!y.misspeltAs(entries, 'property')) y.error('missing_key', { form: 'rule', what: subject, problem, fix: 'add property: <event property column>, e.g. property: score' }, computeEntry!.keyLoc);
    ok = false;
  }
  const minEntry = entries.get('min_frequency');
  let minFrequency = 2;
  if (minEntry) {
    if (compute !== null && compute !== 'most_frequent') {
      const problem = `sets "min_frequency", which applies only to compute: most_frequent (it computes "${compute}")`;
      y.error('invalid_value', { form: 'rule', what: subject, problem, fix: 'remove min_frequency' }, minEntry.keyLoc);
      ok = false;
    } else {
      const n = readWholeNumber(y, minEntry, subject, 1);
      if (n === null) ok = false;
      else minFrequency = n;
    }
  }
  const scopeEntry = entries.get('scope');
  let scope: 'users' | 'group_context' = 'users';
  if (scopeEntry) {
    const value = readEnum(y, scopeEntry, subject, ['users', 'group_context'] as const);
    if (value === null) ok = false;
    else if (value === 'group_context' && base.level === 'user') {
      y.error('level_mismatch', { rule: 'scope', by: subject }, scopeEntry.valueLoc);
      ok = false;
    } else scope = value;
  }
  const sync = readSync(y, entries, subject, base.level, false);
  if (!ok || name === null || base.level === null || !base.descriptionOk || compute === null || event === null || filters === null || sync === null) return null;
  return {
    kind: 'computed_trait', name, level: base.level, description: base.description, sync, loc: base.loc,
    compute, event, window, filters, property, minFrequency, scope,
  };
}

function readSqlTrait(y: YamlFile, entries: Map<string, MapEntry>, subject: string, name: string | null, base: Base): SqlTraitDefinition | null {
  let ok = true;
  const sqlEntry = entries.get('sql');
  let sql: string | null = null;
  let template: SqlTemplatePart[] = [];
  let locator: SqlLocator | null = null;
  if (!sqlEntry) {
    const fix = 'add sql: | followed by a SELECT returning the entity key and the trait column(s)';
    if (!y.misspeltAs(entries, 'sql')) y.error('missing_key', { form: 'missing', what: subject, key: 'sql', purpose: 'the query that computes it', fix }, base.loc);
    ok = false;
  } else {
    sql = readString(y, sqlEntry, subject);
    if (sql === null) ok = false;
    else {
      locator = sqlLocator(y, sqlEntry);
      const parsed = parseSqlTemplate(sql, subject);
      template = parsed.parts;
      const problems = parsed.problems;
      for (const problem of problems) y.report(problem.diagnostic, locator(problem.offset, problem.length));
      if (problems.length > 0) ok = false;
    }
  }
  const columnsEntry = entries.get('columns');
  let columns: string[] | null = null;
  if (columnsEntry) {
    const items = y.seq(columnsEntry.value, columnsEntry.valueLoc, `"columns" of ${subject}`, 'the trait columns the query returns');
    if (!items) ok = false;
    else if (items.length === 0) {
      y.error('invalid_value', { form: 'empty', what: `"columns" of ${subject}`, fix: 'list the trait columns the query returns, or remove columns' }, columnsEntry.valueLoc);
      ok = false;
    } else {
      columns = [];
      for (const item of items) {
        const value = scalarOf(item);
        const loc = y.loc(item, columnsEntry.valueLoc);
        const keys: readonly string[] = SQL_TRAIT_KEY_COLUMNS;
        if (typeof value !== 'string' || !COLUMN_PATTERN.test(value)) {
          const problem = `holds ${describe(item)}, which is not a column name`;
          y.error(typeof value === 'string' ? 'invalid_value' : 'wrong_type', { form: 'rule', what: `"columns" of ${subject}`, problem, fix: 'column names are letters, digits and underscores' }, loc);
          ok = false;
        } else if (keys.includes(value)) {
          const problem = `lists the key column "${value}", but columns are the trait columns only`;
          y.error('invalid_value', { form: 'rule', what: `"columns" of ${subject}`, problem, fix: `remove "${value}": the key columns user_id / group_id are found by name` }, loc);
          ok = false;
        } else if (columns.includes(value)) {
          y.error('invalid_value', { form: 'twice', what: `"columns" of ${subject}`, value }, loc);
          ok = false;
        } else columns.push(value);
      }
    }
  }
  const sync = readSync(y, entries, subject, base.level, false);
  if (!ok || name === null || base.level === null || !base.descriptionOk || sql === null || sync === null) return null;
  const definition: SqlTraitDefinition = { kind: 'sql_trait', name, level: base.level, description: base.description, sync, loc: base.loc, sql, template, columns };
  if (locator) sqlLocators.set(definition, locator);
  return definition;
}

/**
 * Positions inside a SQL text: exact for literal block scalars (`sql: |`) and single-line
 * scalars, else the start of the value.
 */
function sqlLocator(y: YamlFile, entry: MapEntry): SqlLocator {
  const node = entry.value;
  const start = entry.valueLoc;
  if (!isScalar(node) || !node.range) return () => start;
  const source = y.text;
  const scalar = node as Scalar;
  if (scalar.type === Scalar.BLOCK_LITERAL) {
    const headerEnd = source.indexOf('\n', node.range[0]);
    if (headerEnd < 0) return () => start;
    const firstLine = y.locAt(headerEnd + 1).line;
    const body = source.slice(headerEnd + 1, node.range[1]);
    const indent = Math.min(...body.split('\n').filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
    const value = String(scalar.value);
    return (offset, length) => {
      const before = value.slice(0, offset);
      const lineIndex = before.split('\n').length - 1;
      const col = (Number.isFinite(indent) ? indent : 0) + offset - (before.lastIndexOf('\n') + 1) + 1;
      return spanOf(y.file, firstLine + lineIndex, col, value, offset, length);
    };
  }
  const value = String(scalar.value);
  const raw = source.slice(node.range[0], node.range[1]);
  if (value.includes('\n') || raw.includes('\n')) return () => start;
  const quoted = scalar.type === Scalar.QUOTE_DOUBLE || scalar.type === Scalar.QUOTE_SINGLE ? 1 : 0;
  if (quoted && raw.length !== value.length + 2) return () => start;
  return (offset, length) => spanOf(y.file, start.line, start.col + quoted + offset, value, offset, length);
}

function spanOf(file: string, line: number, col: number, text: string, offset: number, length: number | undefined): SourceLocation {
  const one = length !== undefined && length > 0 && !text.slice(offset, offset + length).includes('\n');
  return one ? { file, line, col, end: { line, col: col + length } } : { file, line, col };
}
