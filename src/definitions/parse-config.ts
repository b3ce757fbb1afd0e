// quorum.yml: the warehouse, the source layout, the state schema, destinations and defaults.
// `${VAR}` in any string value is read from the environment; a secret's value never appears in
// a message (messages quote the text as written, with the ${VAR} in it).
import path from 'node:path';
import { isScalar } from 'yaml';
import type { DestinationConfig, ProjectConfig, SourceLayout, SourceLocation, WarehouseConfig } from './model.js';
import { parseIdentity } from './parse-identity.js';
import { parseIncremental, readArrivalTime } from './parse-incremental.js';
import { COLUMN_PATTERN, checkCron, readEnum, readNumberInRange, scalarOf } from './parse-values.js';
import { readWarehouse, type WarehouseTypes } from './parse-warehouse.js';
import { presetLayout } from './source-layout.js';
import { misplacedPath, misplacedWords } from '../files/inside-project.js';
import { secretsOfSetting } from '../secrets/project-secrets.js';
import { substitute } from './env-references.js';
import { secrets } from '../secrets/secret-redactor.js';
import { readConnectTimeout } from './parse-warehouse-values.js';
import { describe, truncate, type MapEntry, type YamlFile } from './yaml-source.js';

export const CONFIG_FILE = 'quorum.yml';
export const CONFIG_KEYS = ['warehouse', 'source', 'state', 'identity', 'incremental', 'destinations', 'max_exit_fraction', 'personas', 'schedule'];
export const SOURCE_KEYS = ['preset', 'schema', 'event_time', 'arrival_time', 'tables', 'columns'];
export const TABLE_ROLES = ['identifies', 'groups', 'tracks', 'pages', 'screens'] as const;
export const COLUMN_ROLES = ['id', 'user_id', 'anonymous_id', 'group_id', 'event', 'event_text', 'context_group_id', 'name'] as const;
export const DESTINATION_TYPES = ['segment', 'webhook', 'file', 'stdout'] as const;
export const DESTINATION_KEYS: Readonly<Record<(typeof DESTINATION_TYPES)[number], readonly string[]>> = {
  segment: ['type', 'write_key', 'endpoint', 'group_identity'],
  webhook: ['type', 'url', 'headers', 'secret'],
  file: ['type', 'path'],
  stdout: ['type'],
};
export const DEFAULT_SEGMENT_ENDPOINT = 'https://api.segment.io';

type Env = Readonly<Record<string, string | undefined>>;

const COLUMN_ROLE_FIELDS: Readonly<Record<(typeof COLUMN_ROLES)[number], keyof SourceLayout['columns']>> = {
  id: 'id',
  user_id: 'userId',
  anonymous_id: 'anonymousId',
  group_id: 'groupId',
  event: 'event',
  event_text: 'eventText',
  context_group_id: 'contextGroupId',
  name: 'name',
};

export function parseConfig(y: YamlFile, root: string, env: Env, warehouses: WarehouseTypes, destinationEnv: Env = env): ProjectConfig | null {
  const loc = { file: y.file, line: 1, col: 1 };
  const rootNode = y.root;
  const empty = rootNode === null || (isScalar(rootNode) && rootNode.value === null);
  const entries = empty ? new Map<string, MapEntry>() : y.map(rootNode, y.loc(rootNode), y.file, 'warehouse:, source:, state:, destinations:');
  if (!entries) return null;
  y.checkKeys(entries, CONFIG_KEYS, y.file, {
    audiences: 'definitions live in audiences/*.yml and traits/*.yml',
    traits: 'definitions live in audiences/*.yml and traits/*.yml',
  });
  const r = new ConfigReader(y, root, env, warehouses);
  const warehouse = r.warehouse(entries.get('warehouse'));
  const source = r.source(entries.get('source'));
  const state = r.state(entries.get('state'));
  const stateSchema = state?.schema ?? null;
  const destinations = (destinationEnv === env ? r : new ConfigReader(y, root, destinationEnv, warehouses)).destinations(entries.get('destinations'));
  const fractionEntry = entries.get('max_exit_fraction');
  const maxExitFraction = fractionEntry ? readNumberInRange(y, fractionEntry, y.file, 0, 1) : 0.5;
  const personas = r.personas(entries.get('personas'));
  const schedule = r.schedule(entries.get('schedule'));
  const identity = parseIdentity(y, entries.get('identity'));
  const incremental = parseIncremental(y, entries.get('incremental'));
  if (!warehouse || !source || stateSchema === null || !identity || !incremental || !destinations || maxExitFraction === null || !personas || !schedule) return null;
  const retention = state?.outboxRetentionDays;
  return { warehouse, source, stateSchema, ...(r.arrivalTimeLoc ? { arrivalTimeLoc: r.arrivalTimeLoc } : {}), ...(entries.has('identity') ? { identity } : {}), ...(entries.has('incremental') ? { incremental } : {}), ...(retention === undefined ? {} : { outboxRetentionDays: retention }), destinations, maxExitFraction, personas, schedule, loc };
}

class ConfigReader {
  /** Where `source.arrival_time` is written, when it is (ProjectConfig.arrivalTimeLoc). */
  arrivalTimeLoc: SourceLocation | undefined;
  /** Values read with a placeholder for an unset ${VAR}: their form is not known (env-placeholders.ts). */
  private readonly placeholders = new WeakSet<MapEntry>();

  constructor(
    private readonly y: YamlFile,
    private readonly root: string,
    private readonly env: Env,
    private readonly warehouses: WarehouseTypes,
  ) {}

  /** A string value with ${VAR} replaced; null after a diagnostic. */
  text(entry: MapEntry, what: string): string | null {
    const value = scalarOf(entry.value);
    if (typeof value !== 'string' && typeof value !== 'number') {
      return this.y.error('wrong_type', { form: 'expected', what, key: entry.key, expected: 'text', found: describe(entry.value) }, entry.valueLoc);
    }
    const raw = String(value);
    const substituted = substitute(raw, this.env);
    if (substituted.kind === 'malformed') {
      const problem = `holds "${substituted.shown}", which is not a reference to an environment variable`;
      const fix = 'write ${NAME}, a name of letters, digits and "_" (no defaults, no nesting); write $${ for a literal "${"';
      return this.y.error('invalid_value', { form: 'rule', what: `${what}: "${entry.key}"`, problem, fix }, entry.valueLoc);
    }
    if (substituted.kind === 'missing') {
      return this.y.error('missing_env', { what, key: entry.key, variable: substituted.variable }, entry.valueLoc);
    }
    const result = substituted.value;
    if (substituted.placeholder) this.placeholders.add(entry);
    secrets.add(secretsOfSetting(entry.key, what, result, substituted.variables));
    if (result.trim() === '') {
      return this.y.error('invalid_value', { form: 'empty', what: `${what}: "${entry.key}"`, fix: raw.includes('${') ? 'the environment variable it reads is set but empty' : null }, entry.valueLoc);
    }
    return result;
  }

  identifier(entry: MapEntry, what: string): string | null {
    const value = this.text(entry, what);
    if (value === null) return null;
    if (!COLUMN_PATTERN.test(value)) {
      const problem = `is "${truncate(String(scalarOf(entry.value)))}", which is not a plain table, schema or column name`;
      return this.y.error('invalid_value', { form: 'rule', what: `${what}: "${entry.key}"`, problem, fix: 'use letters, digits and underscores, e.g. app' }, entry.valueLoc);
    }
    return value;
  }

  url(entry: MapEntry, what: string): string | null {
    const value = this.text(entry, what);
    if (value === null) return null;
    let ok = false;
    try {
      const parsed = new URL(value);
      ok = parsed.protocol === 'http:' || parsed.protocol === 'https:';
    } catch {
      ok = false;
    }
    if (!ok && !this.placeholders.has(entry)) {
      const problem = `is "${truncate(String(scalarOf(entry.value)))}", which is not an http(s) URL`;
      return this.y.error('invalid_value', { form: 'rule', what: `${what}: "${entry.key}"`, problem, fix: 'write a full URL such as https://api.segment.io' }, entry.valueLoc);
    }
    return value;
  }

  section(entry: MapEntry | undefined, what: string, expected: string): Map<string, MapEntry> | null {
    if (!entry || this.y.isNull(entry.value)) return new Map();
    return this.y.map(entry.value, entry.valueLoc, what, expected);
  }

  warehouse(entry: MapEntry | undefined): WarehouseConfig | null {
    const entries = this.section(entry, '"warehouse"', `type: ${this.warehouses.names.join(' | ')}, ...`);
    if (!entries) return null;
    const timeoutEntry = entries.get('connect_timeout');
    const connectTimeoutMs = timeoutEntry ? readConnectTimeout(this.y, timeoutEntry) : undefined;
    if (connectTimeoutMs === null) return null;
    const reader = {
      y: this.y,
      entry,
      text: (e: MapEntry, what: string) => this.text(e, what),
      isPlaceholder: (e: MapEntry) => this.placeholders.has(e),
      projectPath: (file: string) => path.resolve(this.root, file),
    };
    const warehouse = readWarehouse(reader, entries, this.warehouses);
    return warehouse === null || connectTimeoutMs === undefined ? warehouse : { ...warehouse, connectTimeoutMs };
  }

  source(entry: MapEntry | undefined): SourceLayout | null {
    const entries = this.section(entry, '"source"', 'preset:, schema:, event_time:');
    if (!entries) return null;
    this.y.checkKeys(entries, SOURCE_KEYS, '"source"');
    const presetEntry = entries.get('preset');
    const preset = presetEntry ? readEnum(this.y, presetEntry, '"source"', ['segment', 'rudderstack'] as const) : 'segment';
    const schemaEntry = entries.get('schema');
    const schema = schemaEntry ? this.identifier(schemaEntry, '"source"') : 'app';
    const timeEntry = entries.get('event_time');
    const eventTime = timeEntry ? this.identifier(timeEntry, '"source"') : 'timestamp';
    const arrivalTime = readArrivalTime(this.y, entries.get('arrival_time'));
    this.arrivalTimeLoc = entries.get('arrival_time')?.valueLoc;
    if (preset === null || schema === null || eventTime === null || arrivalTime === null) return null;
    const layout = { ...presetLayout(preset, schema, eventTime), ...(arrivalTime === undefined ? {} : { arrivalTime }) };
    const tables = { ...layout.tables };
    const columns = { ...layout.columns };
    let ok = true;
    const tablesEntries = this.section(entries.get('tables'), '"source.tables"', 'identifies:, groups:, tracks:, pages:, screens:');
    if (!tablesEntries) ok = false;
    else {
      this.y.checkKeys(tablesEntries, TABLE_ROLES, '"source.tables"');
      for (const role of TABLE_ROLES) {
        const e = tablesEntries.get(role);
        if (!e) continue;
        const name = this.identifier(e, '"source.tables"');
        if (name === null) ok = false;
        else tables[role] = name;
      }
    }
    const columnEntries = this.section(entries.get('columns'), '"source.columns"', COLUMN_ROLES.join(', '));
    if (!columnEntries) ok = false;
    else {
      this.y.checkKeys(columnEntries, COLUMN_ROLES, '"source.columns"');
      for (const role of COLUMN_ROLES) {
        const e = columnEntries.get(role);
        if (!e) continue;
        const name = this.identifier(e, '"source.columns"');
        if (name === null) ok = false;
        else columns[COLUMN_ROLE_FIELDS[role]] = name;
      }
    }
    return ok ? { ...layout, tables, columns } : null;
  }

  /** `state: { schema: quorum, outbox_retention_days: 7 }`; both optional. */
  state(entry: MapEntry | undefined): { schema: string; outboxRetentionDays: number | undefined } | null {
    const entries = this.section(entry, '"state"', 'schema:, outbox_retention_days:');
    if (!entries) return null;
    this.y.checkKeys(entries, ['schema', 'outbox_retention_days'], '"state"');
    const schemaEntry = entries.get('schema');
    const schema = schemaEntry ? this.identifier(schemaEntry, '"state"') : 'quorum';
    if (schema === null) return null;
    const daysEntry = entries.get('outbox_retention_days');
    if (!daysEntry) return { schema, outboxRetentionDays: undefined };
    const days = readNumberInRange(this.y, daysEntry, '"state"', 0, 36_500);
    return days === null ? null : { schema, outboxRetentionDays: days };
  }

  /** `schedule: { default: "0 * * * *", timezone: Europe/Berlin }`; both optional (none, UTC). */
  schedule(entry: MapEntry | undefined): NonNullable<ProjectConfig['schedule']> | null {
    const entries = this.section(entry, '"schedule"', 'default:, timezone:');
    if (!entries) return null;
    this.y.checkKeys(entries, ['default', 'timezone'], '"schedule"');
    const cronEntry = entries.get('default');
    const zoneEntry = entries.get('timezone');
    let cron: string | null = null;
    if (cronEntry) {
      const text = this.text(cronEntry, '"schedule"');
      // an unset ${VAR} offline: no cron to check, and nothing is scheduled offline
      cron = text === null ? null : this.placeholders.has(cronEntry) ? text : checkCron(this.y, text, '"schedule": "default"', cronEntry.valueLoc);
      if (cron === null) return null;
    }
    let timezone = 'UTC';
    if (zoneEntry) {
      const zone = this.text(zoneEntry, '"schedule"');
      if (zone === null) return null;
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: zone });
        timezone = zone;
      } catch {
        const problem = `is "${truncate(zone)}", which is not an IANA time zone`;
        // an unset ${VAR} offline: UTC stands in, as nothing is scheduled offline
        if (!this.placeholders.has(zoneEntry)) {
          return this.y.error('invalid_value', { form: 'rule', what: '"schedule": "timezone"', problem, fix: 'write a zone such as UTC, Europe/Berlin or America/New_York' }, zoneEntry.valueLoc);
        }
      }
    }
    return { default: cron, timezone, ...(cronEntry ? { defaultLoc: cronEntry.valueLoc } : {}) };
  }

  personas(entry: MapEntry | undefined): { namespace: string; spaceId: string } | null {
    const entries = this.section(entry, '"personas"', 'namespace:, space_id:');
    if (!entries) return null;
    this.y.checkKeys(entries, ['namespace', 'space_id'], '"personas"');
    const ns = entries.get('namespace');
    const space = entries.get('space_id');
    const namespace = ns ? this.text(ns, '"personas"') : 'quorum';
    const spaceId = space ? this.text(space, '"personas"') : 'quorum';
    return namespace === null || spaceId === null ? null : { namespace, spaceId };
  }

  /**
   * A file destination's path, resolved against the project. quorum.yml comes in pull requests, so
   * it may name only a file inside the project (src/files/inside-project.ts). There is no opt-out:
   * one set in a scheduler's environment would stand for every later pull request.
   */
  projectFile(entry: MapEntry, file: string, what: string): { type: 'file'; path: string } | null {
    const resolved = path.resolve(this.root, file);
    const misplaced = misplacedPath(this.root, resolved);
    if (misplaced === null) return { type: 'file', path: resolved };
    const where = `${misplacedWords(misplaced, this.root)}${misplaced === 'git' ? ', whose hooks git runs' : ''}`;
    const problem = `is "${truncate(String(scalarOf(entry.value)))}", which resolves to ${resolved}, ${where}`;
    const fix = 'write a path inside the project, e.g. out/calls.ndjson; quorum.yml comes in pull requests, so a file destination writes nowhere else (docs/language.md, "destinations", says how to keep the calls elsewhere)';
    return this.y.error('invalid_value', { form: 'rule', what: `${what}: "${entry.key}"`, problem, fix }, entry.valueLoc);
  }

  destinations(entry: MapEntry | undefined): Record<string, DestinationConfig> | null {
    const entries = this.section(entry, '"destinations"', 'name: { type: segment | webhook | file | stdout, ... }');
    if (!entries) return null;
    const result: Record<string, DestinationConfig> = {};
    let ok = true;
    for (const [name, destination] of entries) {
      const parsed = this.destination(name, destination);
      if (parsed === null) ok = false;
      else result[name] = parsed;
    }
    return ok ? result : null;
  }

  destination(name: string, entry: MapEntry): DestinationConfig | null {
    const what = `destination "${name}"`;
    if (!/^[A-Za-z0-9_-]+$/.test(name)) {
      return this.y.error('invalid_value', { form: 'rule', what: `the destination name "${truncate(name)}"`, problem: 'is not a plain name', fix: 'use letters, digits, "_" and "-", e.g. crm' }, entry.keyLoc);
    }
    const entries = this.y.map(entry.value, entry.valueLoc, what, '{ type: segment | webhook | file | stdout, ... }');
    if (!entries) return null;
    const typeEntry = entries.get('type');
    if (!typeEntry) {
      return this.y.error('missing_key', { form: 'missing', what, key: 'type', fix: `add type: followed by one of ${DESTINATION_TYPES.join(', ')}` }, entry.keyLoc);
    }
    const type = readEnum(this.y, typeEntry, what, DESTINATION_TYPES);
    if (type === null) return null;
    this.y.checkKeys(entries, DESTINATION_KEYS[type], `${what} (type ${type})`);
    const need = (key: string, hint: string): MapEntry | null => {
      const found = entries.get(key);
      if (found) return found;
      if (this.y.misspeltAs(entries, key)) return null;
      return this.y.error('missing_key', { form: 'missing', what: `${what} (type ${type})`, key, fix: hint }, entry.keyLoc);
    };
    switch (type) {
      case 'segment': {
        const keyEntry = need('write_key', 'add write_key: ${SEGMENT_WRITE_KEY} and set the variable in the environment');
        const writeKey = keyEntry ? this.text(keyEntry, what) : null;
        const endpointEntry = entries.get('endpoint');
        const endpoint = endpointEntry ? this.url(endpointEntry, what) : DEFAULT_SEGMENT_ENDPOINT;
        const identityEntry = entries.get('group_identity');
        const groupIdentity = identityEntry ? readEnum(this.y, identityEntry, what, ['anonymous', 'member'] as const) : 'anonymous';
        if (writeKey === null || endpoint === null || groupIdentity === null) return null;
        return { type, writeKey, endpoint: endpoint.replace(/\/+$/, ''), groupIdentity };
      }
      case 'webhook': {
        const urlEntry = need('url', 'add url: https://...');
        const url = urlEntry ? this.url(urlEntry, what) : null;
        const headers: Record<string, string> = {};
        let ok = true;
        const headersEntry = entries.get('headers');
        if (headersEntry) {
          const headerEntries = this.y.map(headersEntry.value, headersEntry.valueLoc, `"headers" of ${what}`, 'Header-Name: value');
          if (!headerEntries) ok = false;
          else {
            for (const [header, value] of headerEntries) {
              const text = this.text(value, `"headers" of ${what}`);
              if (text === null) ok = false;
              else headers[header] = text;
            }
          }
        }
        const secretEntry = entries.get('secret');
        const secret = secretEntry ? this.text(secretEntry, what) : null;
        if (url === null || !ok || (secretEntry && secret === null)) return null;
        return { type, url, headers, secret };
      }
      case 'file': {
        const pathEntry = need('path', 'add path: out/calls.ndjson');
        const file = pathEntry ? this.text(pathEntry, what) : null;
        return file === null || pathEntry === null ? null : this.projectFile(pathEntry, file, what);
      }
      case 'stdout':
        return { type };
      default: {
        const never: never = type;
        throw new Error(`unhandled destination ${String(never)}`);
      }
    }
  }
}
