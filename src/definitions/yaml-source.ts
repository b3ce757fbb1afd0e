// A parsed YAML file and the helpers every parser of stage 1 uses to read it: positions of
// nodes (1-based line / col), typed access to maps and scalars, and collected diagnostics.
// Nothing here throws for user input; every problem becomes a Diagnostic and the reader
// returns null so that the caller can go on and report the file's other problems too.
import { LineCounter, Scalar, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node, Pair, YAMLMap, YAMLSeq } from 'yaml';
import { error, type Diagnostic, type DiagnosticCode } from '../diagnostics/diagnostic.js';
import { didYouMean } from './did-you-mean.js';
import { MAX_ALIAS_NODES, checkNodes, checkYamlText } from './yaml-bounds.js';
import type { SourceLocation } from './model.js';

export type YamlNode = Node;

export interface MapEntry {
  readonly key: string;
  readonly keyNode: Scalar;
  readonly value: YamlNode | null;
  readonly keyLoc: SourceLocation;
  /** The value's position, or the key's when the value is empty. */
  readonly valueLoc: SourceLocation;
}

export class YamlFile {
  readonly lineCounter = new LineCounter();
  readonly document: Document.Parsed;
  readonly diagnostics: Diagnostic[] = [];
  /** Per mapping, the allowed keys that an unknown key was probably meant to be. */
  private readonly misspelt = new WeakMap<Map<string, MapEntry>, Set<string>>();
  /** Each alias's anchor, found once (the `yaml` package would search the document per alias). */
  private readonly aliasTargets: ReadonlyMap<Node, Node>;
  /** Set when a bound of SPEC §8 refused the file; nothing else of it is read. */
  private refused = false;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    const problem = checkYamlText(file, text);
    if (problem !== null) {
      this.refused = true;
      this.document = parseDocument('');
      this.lineCounter.addNewLine(0);
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lineCounter.addNewLine(i + 1);
      this.error(problem.code, this.locAt(problem.offset), problem.message, problem.hint);
      this.aliasTargets = new Map();
      return;
    }
    this.document = parseDocument(text, { lineCounter: this.lineCounter, prettyErrors: false, uniqueKeys: true });
    const aliases = checkNodes(this.document);
    this.aliasTargets = aliases.targets;
    if (aliases.bomb !== null) {
      this.refused = true;
      this.error(
        'alias_limit',
        this.loc(aliases.bomb),
        `${file} expands its aliases (*name) to more than ${MAX_ALIAS_NODES} nodes.`,
        'repeat the few values you need instead of nesting aliases of aliases; quorum refuses alias bombs',
      );
    }
    if (aliases.nul !== null) {
      this.refused = true;
      this.error('nul_character', this.loc(aliases.nul), `${file} writes a NUL character (U+0000) in a value; no name, value or SQL may hold one.`, 'remove the "\\0" (or "\\x00", "\\u0000") escape');
    }
    const seenLines = new Set<number>();
    for (const problem of this.document.errors) {
      const loc = this.locAt(problem.pos[0]);
      // One YAML mistake often yields several parser errors on one line; the first says most.
      if (seenLines.has(loc.line)) continue;
      seenLines.add(loc.line);
      const first = problem.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      this.error(
        'yaml_syntax',
        loc,
        `${file} is not valid YAML: ${first}.`,
        'check the indentation and the quoting around this line; values containing ": " or starting with "{", "[", "*", "&" or "#" need quotes',
      );
    }
  }

  get ok(): boolean {
    return !this.refused && this.document.errors.length === 0;
  }

  get root(): YamlNode | null {
    return this.resolve(this.document.contents as YamlNode | null);
  }

  locAt(offset: number): SourceLocation {
    const pos = this.lineCounter.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { file: this.file, line: pos.line, col: pos.col };
  }

  loc(node: YamlNode | null | undefined, fallback?: SourceLocation): SourceLocation {
    const range = node?.range;
    if (range) return this.locAt(range[0]);
    return fallback ?? { file: this.file, line: 1, col: 1 };
  }

  /** The definition being read (e.g. `audience "a"`), named in messages that do not name it. */
  subject: string | null = null;

  error(code: DiagnosticCode, loc: SourceLocation, message: string, hint: string | null = null): null {
    const text = this.subject !== null && !message.includes(this.subject) ? `in ${this.subject}: ${message}` : message;
    this.diagnostics.push(error(code, loc, text, hint));
    return null;
  }

  /** Follows aliases (`*anchor`) to the node they name. */
  resolve(node: YamlNode | null | undefined): YamlNode | null {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.aliasTargets.get(node) ?? null;
    return node;
  }

  isNull(node: YamlNode | null): boolean {
    return node === null || (isScalar(node) && node.value === null);
  }

  /** The entries of a mapping, or null (with a wrong_type diagnostic) when it is not one. */
  map(node: YamlNode | null, loc: SourceLocation, what: string, expected: string): Map<string, MapEntry> | null {
    const resolved = this.resolve(node);
    if (!isMap(resolved)) {
      return this.error('wrong_type', loc, `${what} must be a mapping (${expected}), not ${describe(resolved)}.`, null);
    }
    const entries = new Map<string, MapEntry>();
    for (const pair of (resolved as YAMLMap).items as Pair[]) {
      const keyNode = this.resolve(pair.key as YamlNode | null);
      const keyLoc = this.loc(keyNode, loc);
      if (!isScalar(keyNode) || (typeof keyNode.value !== 'string' && typeof keyNode.value !== 'number')) {
        this.error('wrong_type', keyLoc, `${what} has a key that is not a plain name.`, 'keys are plain words such as "where" or "level"');
        continue;
      }
      const key = String(keyNode.value);
      const value = this.resolve(pair.value as YamlNode | null);
      const valueLoc = value && value.range && !(isScalar(value) && value.value === null && value.range[0] === value.range[1])
        ? this.loc(value)
        : keyLoc;
      entries.set(key, { key, keyNode: keyNode as Scalar, value, keyLoc, valueLoc });
    }
    return entries;
  }

  /** The items of a sequence, or null (with a wrong_type diagnostic) when it is not one. */
  seq(node: YamlNode | null, loc: SourceLocation, what: string, expected: string): YamlNode[] | null {
    const resolved = this.resolve(node);
    if (!isSeq(resolved)) {
      return this.error('wrong_type', loc, `${what} must be a list (${expected}), not ${describe(resolved)}.`, null);
    }
    return ((resolved as YAMLSeq).items as YamlNode[]).map((item) => this.resolve(item) as YamlNode);
  }

  /**
   * Whether checkKeys found an unknown key in this mapping that was probably meant to be `key`
   * (then a "missing key" would only repeat the same mistake).
   */
  misspeltAs(entries: Map<string, MapEntry>, key: string | readonly string[]): boolean {
    const set = this.misspelt.get(entries);
    if (!set) return false;
    return typeof key === 'string' ? set.has(key) : key.some((k) => set.has(k));
  }

  /** Reports every key that is not in `allowed`, with a did-you-mean. */
  checkKeys(
    entries: Map<string, MapEntry>,
    allowed: readonly string[],
    what: string,
    elsewhere: Readonly<Record<string, string>> = {},
  ): void {
    for (const entry of entries.values()) {
      if (allowed.includes(entry.key)) continue;
      const note = elsewhere[entry.key];
      const suggestion = didYouMean(entry.key, allowed);
      if (suggestion !== null) {
        const set = this.misspelt.get(entries) ?? new Set<string>();
        set.add(suggestion);
        this.misspelt.set(entries, set);
      }
      this.error(
        'unknown_key',
        entry.keyLoc,
        note ? `${what} does not take "${entry.key}": ${note}.` : `${what} has an unknown key "${entry.key}".`,
        suggestion !== null
          ? `did you mean "${suggestion}"?`
          : `the keys allowed here are ${allowed.map((k) => `"${k}"`).join(', ')}`,
      );
    }
  }
}

export function describe(node: YamlNode | null): string {
  if (node === null) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const value = node.value;
    if (value === null) return 'an empty value';
    if (typeof value === 'string') return `the text "${truncate(value)}"`;
    if (typeof value === 'number' || typeof value === 'bigint') return `the number ${String(value)}`;
    if (typeof value === 'boolean') return `the boolean ${String(value)}`;
  }
  return 'an unsupported value';
}

export function truncate(text: string, max = 60): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

export { Scalar, isMap, isScalar, isSeq };
