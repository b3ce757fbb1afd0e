// A parsed YAML file and the helpers every parser of stage 1 uses to read it: positions of
// nodes (1-based line / col), typed access to maps and scalars, and collected diagnostics.
// Nothing here throws for user input; every problem becomes a Diagnostic and the reader
// returns null so that the caller can go on and report the file's other problems too.
import { LineCounter, Scalar, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node, Pair, YAMLMap, YAMLSeq } from 'yaml';
import { diagnostic, type Diagnostic, type DiagnosticCode, type MessageParameters } from '../diagnostics/diagnostic.js';
import { didYouMean } from './did-you-mean.js';
import { DEFINITION_LIMITS, MAX_ALIAS_NODES, checkNodes, nulProblem, parseBounded, tokensProblem, type YamlLimits } from './yaml-bounds.js';
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

  /** `limits`: TEST_FILE_LIMITS for a test file. */
  constructor(
    readonly file: string,
    readonly text: string,
    limits: YamlLimits = DEFINITION_LIMITS,
  ) {
    const unread = nulProblem(file, text) ?? tokensProblem(file, text, limits.tokens);
    const parsed = unread === null ? parseBounded(text, this.lineCounter, file, limits.keys) : null;
    if (parsed === null || parsed.document === null) {
      const problem = unread ?? parsed!.refused!;
      this.refused = true;
      this.document = parseDocument('');
      // Without a parse, the line starts come from the text (the parser found them up to the stop),
      // and only up to the problem, the one place reported: a million blank lines held 20 MB of them.
      if (parsed === null) {
        this.lineCounter.addNewLine(0);
        for (let i = text.indexOf('\n'); i >= 0 && i < problem.offset; i = text.indexOf('\n', i + 1)) this.lineCounter.addNewLine(i + 1);
      }
      this.report(problem.diagnostic, this.locAt(problem.offset));
      this.aliasTargets = new Map();
      return;
    }
    this.document = parsed.document;
    const aliases = checkNodes(this.document);
    this.aliasTargets = aliases.targets;
    if (aliases.bomb !== null) {
      this.refused = true;
      this.error('alias_limit', { file, max: MAX_ALIAS_NODES }, this.loc(aliases.bomb));
    }
    if (aliases.nul !== null) {
      this.refused = true;
      this.error('nul_character', { file, escaped: true }, this.loc(aliases.nul));
    }
    const seenLines = new Set<number>();
    for (const problem of this.document.errors) {
      const loc = this.locAt(problem.pos[0], problem.pos[1]);
      // One YAML mistake often yields several parser errors on one line; the first says most.
      if (seenLines.has(loc.line)) continue;
      seenLines.add(loc.line);
      const first = problem.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      this.error('yaml_syntax', { file, problem: first }, loc);
    }
  }

  get ok(): boolean {
    return !this.refused && this.document.errors.length === 0;
  }

  get root(): YamlNode | null {
    return this.resolve(this.document.contents as YamlNode | null);
  }

  /** The span from `offset` to `endOffset` (exclusive), or the point at `offset`. */
  locAt(offset: number, endOffset?: number): SourceLocation {
    const clamp = (n: number): number => Math.max(0, Math.min(n, this.text.length));
    const pos = this.lineCounter.linePos(clamp(offset));
    if (endOffset === undefined || clamp(endOffset) <= clamp(offset)) return { file: this.file, line: pos.line, col: pos.col };
    const end = this.lineCounter.linePos(clamp(endOffset));
    return { file: this.file, line: pos.line, col: pos.col, end: { line: end.line, col: end.col } };
  }

  /** A node's span: from its first character to the end of its value (a mapping's last entry). */
  loc(node: YamlNode | null | undefined, fallback?: SourceLocation): SourceLocation {
    const range = node?.range;
    if (range) return this.locAt(range[0], range[1]);
    return fallback ?? { file: this.file, line: 1, col: 1 };
  }

  /** The definition being read (e.g. `audience "a"`), named in messages that do not name it. */
  subject: string | null = null;

  /** Collects a problem of this file; null, so that a reader can `return y.error(...)`. */
  error<C extends DiagnosticCode>(code: C, params: MessageParameters[C], loc: SourceLocation): null {
    return this.report(diagnostic(code, params, loc) as Diagnostic, loc);
  }

  /** A diagnostic made elsewhere (a template's parse, a bound of SPEC §8), placed in this file. */
  report(found: Diagnostic, loc: SourceLocation): null {
    const { message } = found;
    const text = this.subject !== null && !message.includes(this.subject) ? `in ${this.subject}: ${message}` : message;
    this.diagnostics.push({ ...found, loc, message: text });
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
      return this.error('wrong_type', { form: 'expected', what, expected: `a mapping (${expected})`, found: describe(resolved) }, loc);
    }
    const entries = new Map<string, MapEntry>();
    for (const pair of (resolved as YAMLMap).items as Pair[]) {
      const keyNode = this.resolve(pair.key as YamlNode | null);
      const keyLoc = this.loc(keyNode, loc);
      if (!isScalar(keyNode) || (typeof keyNode.value !== 'string' && typeof keyNode.value !== 'number')) {
        this.error('wrong_type', { form: 'rule', what, problem: 'has a key that is not a plain name', fix: 'keys are plain words such as "where" or "level"' }, keyLoc);
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
      return this.error('wrong_type', { form: 'expected', what, expected: `a list (${expected})`, found: describe(resolved) }, loc);
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
      this.error('unknown_key', { form: 'unknown', what, key: entry.key, allowed, suggestion, ...(note ? { note } : {}) }, entry.keyLoc);
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
