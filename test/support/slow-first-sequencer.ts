// The order test files start in. Two workers finish together only if the longest files start
// first; vitest knows the durations from its cache (node_modules/.vite), but a clean clone, which
// is what CI runs, has none and would start the largest files, which are not the slowest: the
// identity differential suite, 89 s, is a small file. So every file above 15 s in the CI run at
// ffadaff starts first, longest first (off the list, crash-outbox-slices' 65 s could start last
// and run alone at the end); the rest, all shorter, follow in vitest's order and fill the gap
// between the two workers. A file missing from the list only starts later: the list never decides
// what runs.
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const SLOWEST_FIRST = [
  'test/incremental/exactness.test.ts',
  'test/engines/identity-differential.test.ts',
  'test/sync/crash-outbox-slices.test.ts',
  'test/engines/funnel-differential.test.ts',
  'test/sync/state-integrity.test.ts',
  'test/incremental/incremental-engine.test.ts',
  'test/sync/crash.test.ts',
  'test/cli/first-hour.test.ts',
  'test/incremental/incremental-property.test.ts',
  'test/sync/state-format.test.ts',
  'test/engines/duckdb-differential.test.ts',
  'test/incremental/read-scope.test.ts',
  'test/bench/bench-smoke.test.ts',
  'test/sync/run.test.ts',
  'test/security/hostile-files.test.ts',
  'test/demo/generate-warehouse.test.ts',
  'test/dialects/printers.test.ts',
  'test/security/sql-trait-sandbox.test.ts',
  'test/incremental/custom-trait-scope.test.ts',
  'test/engines/demo-project.test.ts',
  'test/dialects/postgres-wire.test.ts',
  'test/sync/postgres-wire.test.ts',
  'test/engines/identity-membership.test.ts',
  'test/testing/quorum-test.test.ts',
  'test/engines/exact-sums.test.ts',
  'test/sync/new-destination.test.ts',
  'test/demo/demo-project.test.ts',
  'test/sync/outbox-heads-check.test.ts',
];

export default class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => {
      const at = SLOWEST_FIRST.indexOf(path.relative(spec.project.config.root, spec.moduleId).split(path.sep).join('/'));
      return at === -1 ? SLOWEST_FIRST.length : at;
    };
    // Array.prototype.sort is stable: the files off the list keep vitest's order
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}
