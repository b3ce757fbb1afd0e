// The limits of SPEC §8 "Hostile input is bounded", applied to every YAML file quorum reads
// before the `yaml` package gets to build anything from it. Each check costs one linear pass and
// stops at its limit, so an 815-byte alias bomb or a 10,000-deep `not` fails in milliseconds
// instead of exhausting memory or the stack.
import { promises as fs } from 'node:fs';
import { Lexer, Parser, isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document, Node } from 'yaml';
import { error, type Diagnostic } from '../diagnostics/diagnostic.js';

export const MAX_ALIAS_NODES = 10_000;
export const MAX_NESTING_DEPTH = 64;
const MB = 1024 * 1024;
/** quorum.yml and definition files. */
export const MAX_DEFINITION_BYTES = 1 * MB;
/** Test files carry data and may be larger. */
export const MAX_TEST_FILE_BYTES = 20 * MB;

export type ReadYaml = { readonly text: string; readonly diagnostic?: undefined } | { readonly text: null; readonly diagnostic: Diagnostic | null };

/**
 * A YAML file's text, or the diagnostic that refuses it: larger than `maxBytes` (decided from
 * its size, before reading it) or not UTF-8. `diagnostic` is null when the file cannot be read.
 */
export async function readYamlText(absolute: string, file: string, maxBytes: number, kind: string): Promise<ReadYaml> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(absolute, 'r');
  } catch {
    return { text: null, diagnostic: null };
  }
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) {
      return {
        text: null,
        diagnostic: error(
          'file_too_large',
          { file, line: 1, col: 1 },
          `${file} is ${megabytes(size)}; a ${kind} may be at most ${megabytes(maxBytes)}.`,
          `split it into smaller files; quorum refuses larger files so that a hostile one cannot exhaust memory`,
        ),
      };
    }
    const bytes = await handle.readFile();
    return decodeUtf8(bytes, file);
  } catch {
    return { text: null, diagnostic: null };
  } finally {
    await handle.close();
  }
}

function megabytes(bytes: number): string {
  return bytes % MB === 0 ? `${bytes / MB} MB` : `${(bytes / MB).toFixed(1)} MB (${bytes} bytes)`;
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
      diagnostic: error(
        'invalid_utf8',
        { file, line, col: offset - lineStart + 1 },
        `${file} is not UTF-8 text: byte 0x${byte.toString(16).padStart(2, '0')} at byte offset ${offset} does not start or continue a UTF-8 character.`,
        'save the file as UTF-8 (quorum reads YAML only as UTF-8)',
      ),
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
  readonly code: 'nul_character' | 'nesting_too_deep';
  readonly message: string;
  readonly hint: string;
}

export function checkYamlText(file: string, text: string): TextProblem | null {
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    return {
      offset: nul,
      code: 'nul_character',
      message: `${file} contains a NUL character (U+0000), which YAML text may not hold.`,
      hint: 'remove the NUL byte; the file may be binary or corrupted',
    };
  }
  const deep = nestingPastLimit(text);
  if (deep !== null) {
    return {
      offset: deep,
      code: 'nesting_too_deep',
      message: `${file} nests mappings and lists more than ${MAX_NESTING_DEPTH} levels deep.`,
      hint: `no definition needs more than ${MAX_NESTING_DEPTH} levels; flatten the condition (e.g. "not" of "all" becomes "any" of "not")`,
    };
  }
  return null;
}

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

/**
 * Where the nesting first goes past the limit, or null. The `yaml` package's lexer and CST
 * parser keep their own stack instead of recursing, so feeding them one token at a time and
 * counting the open collections on that stack stops at the limit before anything recurses.
 */
function nestingPastLimit(text: string): number | null {
  const parser = new Parser();
  for (const lexeme of new Lexer().lex(text)) {
    // The parser's offset counts source characters only (the lexer adds control tokens).
    const offset = parser.offset;
    for (const _ of parser.next(lexeme)) {
      // Finished documents are not needed; only the open stack is.
    }
    let depth = 0;
    for (const token of parser.stack) if (COLLECTIONS.has(token.type)) depth++;
    if (depth > MAX_NESTING_DEPTH) return offset;
  }
  return null;
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
