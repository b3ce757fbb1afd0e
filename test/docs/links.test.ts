// The repository stands alone: every relative link of README.md and docs/*.md names a file inside
// the repository that exists, and every #anchor it names exists on that page. Nor do they send
// readers to the product specification (SPEC.md), which lives outside the repository.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { docAnchors, docFiles } from './markdown.js';

const ROOT = path.resolve(import.meta.dirname, '../..');


/** Markdown links outside fenced code: [text](target). */
function links(markdown: string): { line: number; target: string }[] {
  const out: { line: number; target: string }[] = [];
  let fence = false;
  markdown.split('\n').forEach((text, i) => {
    if (/^\s*(`{3,}|~{3,})/.test(text)) fence = !fence;
    if (fence) return;
    const prose = text.replace(/`[^`]*`/g, '');
    for (const match of prose.matchAll(/\]\(([^)\s]+)\)/g)) out.push({ line: i + 1, target: match[1] });
  });
  return out;
}

describe('links of README.md and docs/*.md', () => {
  for (const page of ['README.md', ...docFiles()]) {
    it(`${page}: every relative link stays in the repository and resolves`, () => {
      const problems: string[] = [];
      const markdown = readFileSync(path.join(ROOT, page), 'utf8');
      for (const { line, target } of links(markdown)) {
        if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
        const [file, anchor] = target.split('#');
        const resolved = file === '' ? path.join(ROOT, page) : path.resolve(path.dirname(path.join(ROOT, page)), file);
        const relative = path.relative(ROOT, resolved).split(path.sep).join('/');
        if (relative.startsWith('..') || path.isAbsolute(relative)) {
          problems.push(`${page}:${line} links outside the repository: ${target}`);
          continue;
        }
        if (!existsSync(resolved)) {
          problems.push(`${page}:${line} links to a missing file: ${target}`);
          continue;
        }
        if (anchor && relative.endsWith('.md') && !docAnchors(readFileSync(resolved, 'utf8')).has(anchor)) {
          problems.push(`${page}:${line} links to a missing anchor: ${target}`);
        }
      }
      markdown.split('\n').forEach((text, i) => {
        if (/\bSPEC(\.md|\s*§)/.test(text)) problems.push(`${page}:${i + 1} refers to SPEC.md, which is not in the repository: ${text.trim()}`);
      });
      expect(problems).toEqual([]);
    });
  }
});
