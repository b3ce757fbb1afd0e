#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm ci` / `npm run build` through the prepare script).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv);
