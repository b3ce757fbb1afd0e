// The limits of SPEC §8 "Hostile input is bounded", applied to every YAML file quorum reads
// before the `yaml` package gets to build anything from it. Each check costs one linear pass and
// stops at its limit, so an 815-byte alias bomb or a 10,000-deep `not` fails in milliseconds
// instead of exhausting memory or the stack. Before any of that, a file is read only when it is
// one: a link to nothing, a loop of links or a link out of the project is an error naming it.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CST, Composer, Lexer, Parser, YAMLParseError, isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node } from 'yaml';
import type { SourceLocation } from './model.js';
import { diagnostic, type Diagnostic, type MessageParameters } from '../diagnostics/diagnostic.js';
import { misplacedPath, misplacedWords } from '../files/inside-project.js';

export const MAX_ALIAS_NODES = 10_000;
export const MAX_NESTING_DEPTH = 64;
const MB = 1024 * 1024;
/** quorum.yml and definition files. */
export const MAX_DEFINITION_BYTES = 1 * MB;
/** Test files carry data and may be larger. */
export const MAX_TEST_FILE_BYTES = 20 * MB;
/**
 * Entries of one mapping. A definition or quorum.yml needs tens; a test file's expected trait
 * values (`{ id: value }`) may list many entities.
 */
export const MAX_DEFINITION_KEYS = 1_000;
export const MAX_TEST_FILE_KEYS = 100_000;
/**
 * Tokens of one file: each scalar (key or value), alias, anchor, tag, indicator (`-`, `?`, `:`,
 * `,`, brackets), comment, run of spaces and line break. The `yaml` package keeps an object per
 * token in its CST, and more per value once composed: unbounded, a list of 100,000 ids (500,000
 * tokens, 1.6 MB) took 200 MB and 2 s of CPU to validate, 1 MB of blank lines 620 MB and 6 s. A
 * file at these limits took at most 85 MB and 1.3 s of CPU above a clean `validate` (at a load of
 * 5 to 9 on 2 cores). A definition's `in:` list of 10,000 ids is 30,000–50,000 tokens; a test
 * file of 3,000 events of 10 fields, or one expecting the values of 30,000 entities, about 180,000.
 */
export const MAX_DEFINITION_TOKENS = 100_000;
export const MAX_TEST_FILE_TOKENS = 200_000;

/** What one kind of file may hold, besides its size. */
export interface YamlLimits {
  /** Entries of one mapping. */
  readonly keys: number;
  readonly tokens: number;
}

export const DEFINITION_LIMITS: YamlLimits = { keys: MAX_DEFINITION_KEYS, tokens: MAX_DEFINITION_TOKENS };
export const TEST_FILE_LIMITS: YamlLimits = { keys: MAX_TEST_FILE_KEYS, tokens: MAX_TEST_FILE_TOKENS };

type FileKind = MessageParameters['file_too_large']['kind'];

export type ReadYaml = { readonly text: string; readonly diagnostic?: undefined } | { readonly text: null; readonly diagnostic: Diagnostic | null };

/**
 * The text of the YAML file `file` of the project at `root`, or the diagnostic that refuses it:
 * a symbolic link to nothing, a loop of links, a link that leaves the project (or enters its .git
 * folder), not a file, unreadable, larger than `maxBytes` (decided from its size, before reading
 * it) or not UTF-8. `diagnostic` is null only when there is no such file.
 */
export async function readYamlText(root: string, file: string, maxBytes: number, kind: FileKind): Promise<ReadYaml> {
  const found = await realFile(root, file, kind);
  if (found.real === null) return { text: null, diagnostic: found.diagnostic };
  let handle: fs.FileHandle;
  try {
    // Before opening: opening a named pipe would wait for a writer.
    const entry = await fs.stat(found.real);
    if (!entry.isFile()) return { text: null, diagnostic: diagnostic('unreadable_file', { rule: 'not_a_file', file, kind, folder: entry.isDirectory() }, firstLine(file)) };
    handle = await fs.open(found.real, 'r');
  } catch (cause) {
    return { text: null, diagnostic: diagnostic('unreadable_file', { rule: 'unreadable', file, kind, detail: errorText(cause) }, firstLine(file)) };
  }
  try {
    const stats = await handle.stat();
    if (stats.size > maxBytes) {
      return { text: null, diagnostic: diagnostic('file_too_large', { file, bytes: stats.size, maxBytes, kind }, firstLine(file)) };
    }
    const bytes = await handle.readFile();
    return decodeUtf8(bytes, file);
  } catch (cause) {
    return { text: null, diagnostic: diagnostic('unreadable_file', { rule: 'unreadable', file, kind, detail: errorText(cause) }, firstLine(file)) };
  } finally {
    await handle.close();
  }
}

type Found = { readonly real: string; readonly diagnostic?: undefined } | { readonly real: null; readonly diagnostic: Diagnostic | null };

/**
 * Where `file` really is, through any symbolic links, when that is a place inside the project.
 * Project files come in pull requests, and an error quotes the file it is about (a code frame, a
 * YAML message): a link to /proc/self/environ, or to the checkout's .git/config where CI keeps
 * its token, would show them in the pull request's CI log.
 */
async function realFile(root: string, file: string, kind: FileKind): Promise<Found> {
  const absolute = path.join(root, file);
  let real: string;
  try {
    real = await fs.realpath(absolute);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return { real: null, diagnostic: diagnostic('unreadable_file', { rule: 'link_loop', file, kind }, firstLine(file)) };
    if (code !== 'ENOENT' && code !== 'ENOTDIR') {
      return { real: null, diagnostic: diagnostic('unreadable_file', { rule: 'unreadable', file, kind, detail: errorText(cause) }, firstLine(file)) };
    }
    // No file at all is the caller's to judge (no quorum.yml: not a project); a link to nothing is a broken file.
    const target = await fs.readlink(absolute).catch(() => null);
    return { real: null, diagnostic: target === null ? null : diagnostic('unreadable_file', { rule: 'dangling_link', file, kind, target }, firstLine(file)) };
  }
  const realRoot = await fs.realpath(root);
  const where = misplacedPath(realRoot, real);
  if (where === null) return { real };
  return { real: null, diagnostic: diagnostic('unreadable_file', { rule: 'link_leaves_project', file, kind, target: real, where: misplacedWords(where, realRoot) }, firstLine(file)) };
}

function firstLine(file: string): SourceLocation {
  return { file, line: 1, col: 1 };
}

/** "permission denied (EACCES)", from Node's "EACCES: permission denied, open '...'". */
function errorText(cause: unknown): string {
  const { code, message } = cause as NodeJS.ErrnoException;
  const reason = String(message ?? cause).replace(/^[A-Z]+: /, '').split(',')[0];
  return code === undefined ? reason : `${reason} (${code})`;
}

function decodeUtf8(bytes: Uint8Array, file: string): ReadYaml {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const offset = firstInvalidUtf8(bytes);
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset; i++) {
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    const byte = bytes[offset] ?? 0;
    return {
      text: null,
      diagnostic: diagnostic('invalid_utf8', { file, byte, offset }, { file, line, col: offset - lineStart + 1, end: { line, col: offset - lineStart + 2 } }),
    };
  }
}

/** The offset of the first byte that breaks a UTF-8 sequence (RFC 3629). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    // Overlong three- and four-byte forms, surrogates and code points past U+10FFFF.
    const c1 = bytes[i + 1];
    if ((b === 0xe0 && c1 < 0xa0) || (b === 0xed && c1 > 0x9f) || (b === 0xf0 && c1 < 0x90) || (b === 0xf4 && c1 > 0x8f)) return i;
    i += need + 1;
  }
  return bytes.length;
}

/** A refusal found in the text itself: a NUL or nesting past the limit; offset into the text. */
export interface TextProblem {
  readonly offset: number;
  readonly diagnostic: Diagnostic;
}

/** A NUL character written as such (an escaped one is found in the parsed values). */
export function nulProblem(file: string, text: string): TextProblem | null {
  const nul = text.indexOf('\0');
  if (nul < 0) return null;
  return { offset: nul, diagnostic: diagnostic('nul_character', { file, escaped: false }, null) };
}

/**
 * The token past `max`, found by the lexer alone before any parse: the lexer keeps nothing of what
 * it has read, so a file far over the limit is refused in the memory of its text. Counted in
 * parseBounded's pass instead, the refusal would come after the parser had kept its CST of
 * `max` tokens, most of what reading the whole file at the limit costs.
 */
export function tokensProblem(file: string, text: string, max: number): TextProblem | null {
  let tokens = 0;
  // As the CST parser counts offsets: the lexer's control marks (document mode, the start of a
  // scalar, the end of a broken flow collection) are not source text; the scalar after a mark is.
  let offset = 0;
  let atScalar = false;
  for (const lexeme of new Lexer().lex(text)) {
    if (atScalar) {
      atScalar = false;
    } else {
      const type = CST.tokenType(lexeme);
      if (type === 'scalar') atScalar = true;
      if (type === 'scalar' || type === 'doc-mode' || type === 'flow-error-end') continue;
    }
    tokens++;
    if (tokens > max) return { offset, diagnostic: diagnostic('too_many_tokens', { file, max }, null) };
    offset += lexeme.length;
  }
  return null;
}

function nestingProblem(file: string, offset: number): TextProblem {
  return { offset, diagnostic: diagnostic('nesting_too_deep', { file, max: MAX_NESTING_DEPTH }, null) };
}

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

export type BoundedParse = { readonly document: Document.Parsed; readonly refused: null } | { readonly document: null; readonly refused: TextProblem };

/**
 * The `yaml` package's parseDocument, in one pass with the nesting and key limits. Its lexer and
 * CST parser keep their own stack instead of recursing: fed one lexeme at a time, the open
 * collections on that stack are counted, and so are the entries of each open mapping; past a
 * limit the parse stops before the composer (which does recurse) ever sees the document.
 * `maxKeys` is the most entries one mapping may have.
 */
export function parseBounded(text: string, lineCounter: LineCounter, file: string, maxKeys: number): BoundedParse {
  const parser = new Parser(lineCounter.addNewLine);
  // Parser.parse() reports the first line's start itself; next(), used here, does not.
  lineCounter.addNewLine(0);
  const keys = new MappingKeys(maxKeys);
  let refused: TextProblem | null = null;
  function* tokens(): Generator<CST.Token> {
    for (const lexeme of new Lexer().lex(text)) {
      // The parser's offset counts source characters only (the lexer adds control tokens).
      const offset = parser.offset;
      yield* parser.next(lexeme);
      let depth = 0;
      for (const token of parser.stack) {
        if (!COLLECTIONS.has(token.type)) continue;
        depth++;
        const crowded = keys.over(token);
        if (crowded !== null) {
          refused = keysProblem(file, offset, maxKeys, lineCounter.linePos(crowded).line);
          return;
        }
      }
      if (depth > MAX_NESTING_DEPTH) {
        refused = nestingProblem(file, offset);
        return;
      }
    }
    yield* parser.end();
  }
  let document: Document.Parsed | null = null;
  // The package's own check of unique keys compares each key with every earlier one of its
  // mapping: 20,000 keys took seven seconds. reportDuplicateKeys does it with a set per mapping.
  for (const parsed of new Composer({ uniqueKeys: false }).compose(tokens(), true, text.length)) {
    if (document === null) {
      document = parsed;
    } else {
      // What parseDocument says of a second document.
      document.errors.push(new YAMLParseError([parsed.range[0], parsed.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()'));
      break;
    }
  }
  if (refused !== null) return { document: null, refused };
  reportDuplicateKeys(document!);
  return { document: document!, refused: null };
}

function keysProblem(file: string, offset: number, max: number, mappingLine: number): TextProblem {
  return { offset, diagnostic: diagnostic('too_many_keys', { file, max, mappingLine }, null) };
}

/**
 * Counts the entries of the mappings on the CST parser's stack as they grow. An item of a
 * mapping is final once the next one starts, so each is looked at once: the count stays linear
 * in the file however often the stack is inspected. Items that hold only comments, blank lines
 * or a comma are not entries (a trailing comment or comma makes such an item).
 */
class MappingKeys {
  private readonly counted = new WeakMap<object, { items: number; entries: number }>();

  constructor(private readonly max: number) {}

  /** The mapping's offset once it has more entries than the limit, else null. */
  over(token: CST.Token): number | null {
    // A flow sequence's `[a: 1]` pairs are one-entry mappings; its items are not keys.
    if (token.type !== 'block-map' && !(token.type === 'flow-collection' && token.start.type === 'flow-map-start')) return null;
    // Below the limit in items, it is below it in entries: the common case costs nothing.
    const items: readonly CST.CollectionItem[] = token.items;
    if (items.length <= this.max) return null;
    const seen = this.counted.get(token) ?? { items: 0, entries: 0 };
    const last = items.length - 1;
    for (; seen.items < last; seen.items++) if (isEntry(items[seen.items])) seen.entries++;
    this.counted.set(token, seen);
    return seen.entries + (isEntry(items[last]) ? 1 : 0) > this.max ? token.offset : null;
  }
}

const NOT_ENTRY = new Set(['space', 'newline', 'comment', 'comma']);

function isEntry(item: CST.CollectionItem): boolean {
  return item.key != null || item.sep !== undefined || item.value !== undefined || item.start.some((t) => !NOT_ENTRY.has(t.type));
}

/**
 * What the package's `uniqueKeys` check reports, found with a set per mapping: a
 * "Map keys must be unique" error at each key equal to an earlier key of its mapping. Keys are
 * equal as the package compares them: scalars with the same value (so `a` and `"a"`, `1` and
 * `1.0`; never NaN), never two collections or aliases. Each error is placed among the parser's
 * errors where the package raised it, after those of its key, but at the key itself: after a key
 * without a value, the package pointed at the end of the line before.
 */
function reportDuplicateKeys(document: Document.Parsed): void {
  const found: { readonly error: YAMLParseError; readonly keyEnd: number }[] = [];
  // Depth is already bounded by the nesting check, so this recursion is too.
  const visit = (node: unknown): void => {
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        if (isScalar(key) && key.range) {
          const value = key.value;
          if (seen.has(value) && !Number.isNaN(value)) {
            found.push({ error: new YAMLParseError([key.range[0], key.range[0] + 1], 'DUPLICATE_KEY', 'Map keys must be unique'), keyEnd: key.range[1] });
          }
          seen.add(value);
        }
        visit(key);
        visit(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) visit(item);
    }
  };
  visit(document.contents);
  if (found.length === 0) return;
  const merged: YAMLParseError[] = [];
  let next = 0;
  for (const error of document.errors) {
    for (; next < found.length && found[next].keyEnd <= error.pos[0]; next++) merged.push(found[next].error);
    merged.push(error);
  }
  for (; next < found.length; next++) merged.push(found[next].error);
  document.errors = merged;
}

/** What the walk over the parsed nodes found: each alias's target, an alias bomb, an escaped NUL. */
export interface NodeCheck {
  readonly targets: ReadonlyMap<Node, Node>;
  /** The alias at which the expanded size went past MAX_ALIAS_NODES, or null. */
  readonly bomb: Node | null;
  /** The first scalar whose value holds a NUL written as an escape ("\0", "\x00", "\u0000"). */
  readonly nul: Node | null;
}

/**
 * Counts the nodes that aliases add when expanded (an alias of an alias counts fully) and maps
 * every alias to its anchor, so that later reads never search the document for it again.
 * Sizes are memoised per node, so the walk is linear in the file even for an exponential bomb.
 */
export function checkNodes(document: Document.Parsed): NodeCheck {
  const targets = new Map<Node, Node>();
  const anchors = new Map<string, Node>();
  const size = new Map<Node, number>();
  const open = new Set<Node>();
  let added = 0;
  let bomb: Node | null = null;
  let nul: Node | null = null;
  const cap = MAX_ALIAS_NODES + 1;

  // Depth is already bounded by the nesting check, so this recursion is too.
  const visit = (node: unknown): number => {
    if (node === null || node === undefined || typeof node !== 'object') return 0;
    const n = node as Node;
    if (isAlias(n)) {
      const target = anchors.get(n.source);
      if (target === undefined) return 1;
      targets.set(n, target);
      // An alias inside its own anchor expands without end.
      const expanded = open.has(target) ? cap : (size.get(target) ?? cap);
      if (bomb === null) {
        added = Math.min(cap, added + expanded);
        if (added > MAX_ALIAS_NODES) bomb = n;
      }
      return expanded;
    }
    if (n.anchor) anchors.set(n.anchor, n);
    if (nul === null && isScalar(n) && typeof n.value === 'string' && n.value.includes('\0')) nul = n;
    let total = 1;
    if (isMap(n) || isSeq(n)) {
      open.add(n);
      for (const item of n.items as unknown[]) {
        if (isPair(item)) {
          total += visit(item.key) + visit(item.value);
        } else {
          total += visit(item);
        }
      }
      open.delete(n);
    }
    total = Math.min(cap, total);
    size.set(n, total);
    return total;
  };
  visit(document.contents);
  return { targets, bomb, nul };
}
