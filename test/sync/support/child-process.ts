// A child process run to its end with its output collected: the crash tests' `quorum run` children,
// which a test expects to exit, fail or be killed by a signal.
import { spawn } from 'node:child_process';
import { WRITE_KEY } from './project.js';

export interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `node <args>` with `env`; resolves when it ends however it ends. */
export function runNode(args: readonly string[], env: NodeJS.ProcessEnv): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A `quorum run` child's environment: the test write key, batches of 25, short backoff, killed at `crashAt` (src/sync/crash.ts) if set. */
export function runEnv(crashAt: string | null): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, QUORUM_TEST_WRITE_KEY: WRITE_KEY, QUORUM_BATCH_MAX_CALLS: '25', QUORUM_HTTP_BACKOFF_MS: '5' };
  if (crashAt) env.QUORUM_CRASH_AT = crashAt;
  else delete env.QUORUM_CRASH_AT;
  return env;
}
