// Reading the repository's docs/*.md as the tested-docs convention sees them: fenced yaml blocks
// whose first line is `# file: <path>` (an example that must validate) or `# invalid: <code>`
// followed by `# file: <path>` (an example that must fail with that diagnostic code), and the
// anchors a page offers to links (`<a id="...">` and GitHub's heading slugs).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const DOCS_DIR = path.resolve(import.meta.dirname, '../../docs');

export interface DocExample {
  /** Repository-relative, e.g. docs/language.md. */
  readonly doc: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** Path inside a project, e.g. audiences/stalled_trials.yml. */
  readonly file: string;
  /** The diagnostic code an `# invalid:` example must produce; null for a valid example. */
  readonly invalid: string | null;
  readonly text: string;
}

/** A block that looks like an example but breaks the convention, reported by the test. */
export interface MalformedExample {
  readonly doc: string;
  readonly line: number;
  readonly problem: string;
}

export function docFiles(): string[] {
  return readdirSync(DOCS_DIR)
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
}

export function readDoc(doc: string): string {
  return readFileSync(path.resolve(DOCS_DIR, '..', doc), 'utf8');
}

interface Fence {
  readonly line: number;
  readonly lang: string;
  readonly body: string[];
}

function fences(markdown: string): Fence[] {
  const lines = markdown.split('\n');
  const out: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([A-Za-z0-9_-]*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, marker, lang] = open;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !isClosing(lines[j], marker)) {
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
      j++;
    }
    out.push({ line: i + 1, lang: lang.toLowerCase(), body });
    i = j;
  }
  return out;
}

function isClosing(line: string, marker: string): boolean {
  const text = line.trim();
  return text.length >= marker.length && text[0] === marker[0] && /^(`+|~+)$/.test(text);
}

export function docExamples(doc: string, markdown = readDoc(doc)): { examples: DocExample[]; malformed: MalformedExample[] } {
  const examples: DocExample[] = [];
  const malformed: MalformedExample[] = [];
  for (const fence of fences(markdown)) {
    if (fence.lang !== 'yaml' && fence.lang !== 'yml') continue;
    const [first = '', second = ''] = fence.body;
    const invalid = /^#\s*invalid:\s*(\S+)\s*$/.exec(first);
    const fileLine = invalid ? second : first;
    const file = /^#\s*file:\s*(\S+)\s*$/.exec(fileLine);
    if (!file) {
      if (invalid) malformed.push({ doc, line: fence.line, problem: `"# invalid: ${invalid[1]}" must be followed by "# file: <path>"` });
      continue;
    }
    examples.push({ doc, line: fence.line, file: file[1], invalid: invalid ? invalid[1] : null, text: `${fence.body.join('\n')}\n` });
  }
  return { examples, malformed };
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
export function headingSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]*>/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor a page offers: explicit `<a id="...">` and its headings' slugs (deduplicated as GitHub does). */
export function docAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const match of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1]);
  const counts = new Map<string, number>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(`{3,}|~{3,})/.test(line)) inFence = !inFence;
    const heading = inFence ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = headingSlug(heading[1]);
    const seen = counts.get(slug) ?? 0;
    counts.set(slug, seen + 1);
    anchors.add(seen === 0 ? slug : `${slug}-${seen}`);
  }
  return anchors;
}
