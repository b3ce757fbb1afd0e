#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm ci` / `npm run build` through the prepare script):
// tsc writes dist/src/, then scripts/bundle-cli.ts writes the same code as a few modules to
// dist/bundle/, which start several times faster. A later tsc alone (a developer's `npx tsc`)
// leaves the bundle older than dist/src, and then the unbundled modules run, never stale code.
import { statSync } from 'node:fs';

const modified = (file) => statSync(new URL(file, import.meta.url), { throwIfNoEntry: false })?.mtimeMs;
const bundle = modified('../dist/bundle/main.js');
const fresh = bundle !== undefined && bundle >= (modified('../dist/src/cli/main.js') ?? 0);
const { main } = await import(fresh ? '../dist/bundle/main.js' : '../dist/src/cli/main.js');

process.exitCode = await main(process.argv);
