import type { Command } from 'commander';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { dialectNamed, FIXTURES } from '../../../dialects/registry.js';
import { DiagnosticsError } from '../../diagnostics/diagnostic.js';
import { makeFolders } from '../../files/make-folders.js';
import { formatJUnit } from '../../testing/report-junit.js';
import { counts, formatTextReport } from '../../testing/report-text.js';
import { runFailed, runTests, type TestRun } from '../../testing/run-tests.js';
import { CommandFailed, globals, oneOf, UsageError } from '../options.js';
import { printDiagnostics, printJson } from '../print.js';

export function registerTest(program: Command): void {
  program
    .command('test')
    .description("run the project's definition tests (tests/*.test.yml) on in-memory DuckDB")
    .option('--reporter <reporter>', 'human output, or junit (JUnit XML for CI)', oneOf(['human', 'junit']), 'human')
    .option('--output <file>', 'write the report to this file (the human summary still goes to the terminal; default: the terminal only)')
    .option('--concurrency <n>', 'how many cases run at once (default: one per CPU, at most 8)')
    .action(async (options: { reporter: 'human' | 'junit'; output?: string; concurrency?: string }, command: Command) => {
      const g = globals(command);
      const concurrency = options.concurrency === undefined ? undefined : Number(options.concurrency);
      if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
        throw new UsageError(`--concurrency "${options.concurrency}" must be a whole number of at least 1`);
      }
      const run = await runTests({ root: g.project, select: g.select, concurrency, dialects: dialectNamed, fixtures: FIXTURES });
      const problems = run.diagnostics.filter((d) => d.severity === 'error');
      // A broken project or test file runs no case, so --select matches none: the problems are
      // the news, not the selection.
      if (problems.length === 0 && g.select && g.select.length > 0 && run.results.length === 0 && run.totalCases > 0) {
        throw new UsageError(`--select ${g.select.join(' ')} matched no test case, test file or expected definition`, 'patterns match case names, test files (or path:tests/...), and the definitions the cases expect, selected as quorum run --select selects them (names, globs, path:, kind:, level:, +name, name+, @name, a,b); without --select every case runs');
      }
      const report = options.reporter === 'junit' ? formatJUnit(run) : formatTextReport(run);
      if (options.output !== undefined) {
        const file = path.resolve(options.output);
        await makeFolders(path.dirname(file));
        await fs.writeFile(file, report);
      }
      // invalid input under --json is main's {"error": ..., "diagnostics": [...]}, as for every command (below)
      if (g.json) {
        if (problems.length === 0) printJson(jsonReport(run));
      } else if (options.reporter === 'junit' && options.output === undefined) process.stdout.write(report);
      else if (problems.length === 0) process.stdout.write(formatTextReport(run, { color: process.stdout.isTTY === true && !process.env.NO_COLOR }));
      const warnings = run.diagnostics.filter((d) => d.severity === 'warning');
      if (warnings.length > 0 && problems.length === 0) printDiagnostics(warnings, run.root);
      // Malformed test files: main prints the diagnostics (file:line:col, or JSON) and exits 1.
      // Failed cases have been reported above.
      if (problems.length > 0) throw new DiagnosticsError(run.diagnostics);
      if (runFailed(run)) throw new CommandFailed('test cases failed');
    });
}

/** `quorum test --json`: the run as data. */
export function jsonReport(run: TestRun) {
  return {
    ...counts(run),
    cases: run.results.map((r) => ({
      file: r.testCase.file,
      line: r.testCase.loc.line,
      name: r.testCase.name,
      status: r.status,
      error: r.error,
      differences: r.evaluations.flatMap((e) =>
        e.differences.map((d) => ({ step: e.step, at: e.at, definition: d.definition, kind: d.kind, level: d.level, entity: d.entity, expected: d.expected, actual: d.actual, line: d.loc.line })),
      ),
    })),
    diagnostics: run.diagnostics,
  };
}
