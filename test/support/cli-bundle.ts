// The test CLI as a child process's arguments: `spawn(process.execPath, cliArgs('run', ...))`.
// The bundle is made once per test run by cli-bundle.global.ts.
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** the bundled test/sync/support/quorum-cli.ts */
    quorumCli: string;
  }
}

export function cliArgs(...args: readonly string[]): string[] {
  return [inject('quorumCli'), ...args];
}
