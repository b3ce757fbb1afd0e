// quorum.yml's `warehouse:` as the core knows it: a `type` that names a dialect, and the keys
// every warehouse has. The keys of one warehouse belong to its dialect
// (dialects/<name>/<name>-config.ts), which declares them (the keys allowed here, and the JSON
// Schema an editor sees) and reads them through a WarehouseSection (the diagnostics keep their
// positions). The dialects are injected, as the printers are: nothing in src/ imports one. The
// declarations are plain data that only schema.ts turns into zod shapes: a command that reads
// quorum.yml never loads zod, which was most of the code every command compiled at start-up
// (BENCHMARKS.md, "Read commands as whole processes").
import type { SourceLocation, WarehouseConfig } from './model.js';
import { readEnum } from './parse-values.js';
import type { MapEntry, YamlFile } from './yaml-source.js';

/** A warehouse setting: text as written, `${VAR}` read from the environment. */
export interface WarehouseKey {
  readonly optional: boolean;
  /** What an editor shows for it (the JSON Schema's description). */
  readonly description: string;
  /**
   * What the JSON Schema lets an editor accept: text (the default), a whole number ≥ 1, or a size
   * such as 200MB. The dialect's parser still checks the value itself (`${VAR}` is text here).
   */
  readonly form?: 'text' | 'whole_number' | 'size';
}

/** The keys of every warehouse, whatever its type (their readers live in parse-config.ts, their schema in schema.ts). */
export const COMMON_WAREHOUSE_KEYS: readonly string[] = ['connect_timeout'];

/** What a dialect gives the core to read its warehouse keys. */
export interface WarehouseConfigSpec<C extends WarehouseConfig = WarehouseConfig> {
  /** The keys of this warehouse besides `type` and the common ones: schema and documentation. */
  readonly keys: Readonly<Record<string, WarehouseKey>>;
  /** The typed config, or null after reporting every problem on the section. */
  parse(section: WarehouseSection): C | null;
  /** Its values that are credentials (SPEC §8): redacted from every message and log. */
  secrets(config: C): readonly string[];
}

/** The warehouses of this build (dialects/registry.ts), looked up by `type`. */
export interface WarehouseTypes {
  (type: string): { readonly config: WarehouseConfigSpec<WarehouseConfig> } | undefined;
  /** Every type, in the order messages list them. */
  readonly names: readonly string[];
  /** The type of a quorum.yml that names none. */
  readonly defaultName: string;
}

/** One warehouse section, handed to its dialect's parser. */
export interface WarehouseSection {
  readonly type: string;
  /** Where the section starts: missing keys are reported here. */
  readonly loc: SourceLocation;
  /** An optional setting's text (${VAR} filled in): undefined when absent, null after a diagnostic. */
  optionalText(key: string): string | undefined | null;
  /** A required setting's text; when it is missing, `hint` says what to add. */
  requiredText(key: string, hint: string): string | null;
  /** A file setting's path, made absolute against the project folder. */
  projectPath(file: string): string;
  /** Reports a setting whose value the dialect refuses, at the value; returns null. */
  invalid(key: string, problem: string, fix: string): null;
  /**
   * Whether a setting was read with a placeholder for an unset ${VAR} (`validate --offline`,
   * `compile`, `quorum test`; env-placeholders.ts): its form is unknown, so it is not checked.
   */
  isPlaceholder(key: string): boolean;
}

export interface WarehouseReader {
  readonly y: YamlFile;
  /** The `warehouse:` key of quorum.yml, if it is there. */
  readonly entry: MapEntry | undefined;
  /** A setting's text, ${VAR} filled in; null after a diagnostic. */
  text(entry: MapEntry, what: string): string | null;
  /** Whether `text` read the setting with a placeholder for an unset ${VAR}. */
  isPlaceholder(entry: MapEntry): boolean;
  projectPath(file: string): string;
}

export function warehouseKeys(types: WarehouseTypes, type: string): string[] {
  return ['type', ...Object.keys(types(type)?.config.keys ?? {}), ...COMMON_WAREHOUSE_KEYS];
}

/** Reads the type, checks the keys against it, and hands the section to its dialect. */
export function readWarehouse(reader: WarehouseReader, entries: Map<string, MapEntry>, types: WarehouseTypes): WarehouseConfig | null {
  const { y, entry } = reader;
  const what = '"warehouse"';
  const typeEntry = entries.get('type');
  const type = typeEntry ? readEnum(y, typeEntry, what, types.names) : types.defaultName;
  const spec = type === null ? undefined : types(type)?.config;
  if (type === null || spec === undefined) return null;
  y.checkKeys(entries, warehouseKeys(types, type), `${what} of type ${type}`);
  const loc = entry?.keyLoc ?? y.locAt(0);
  const section: WarehouseSection = {
    type,
    loc,
    optionalText: (key) => {
      const found = entries.get(key);
      return found ? reader.text(found, what) : undefined;
    },
    requiredText: (key, hint) => {
      const found = entries.get(key);
      if (found) return reader.text(found, what);
      // checkKeys has already said "did you mean" about the misspelt key.
      if (y.misspeltAs(entries, key)) return null;
      return y.error('missing_key', { form: 'missing', what: `a ${type} ${what}`, key, fix: hint }, loc);
    },
    projectPath: (file) => reader.projectPath(file),
    invalid: (key, problem, fix) => {
      const found = entries.get(key);
      return y.error('invalid_value', { form: 'rule', what: `${what}: "${key}"`, problem, fix }, found?.valueLoc ?? loc);
    },
    isPlaceholder: (key) => {
      const found = entries.get(key);
      return found !== undefined && reader.isPlaceholder(found);
    },
  };
  return spec.parse(section);
}

/** The credentials among a warehouse's settings, as its dialect names them. */
export function warehouseSecrets(types: WarehouseTypes, warehouse: WarehouseConfig): readonly string[] {
  return types(warehouse.type)?.config.secrets(warehouse) ?? [];
}
