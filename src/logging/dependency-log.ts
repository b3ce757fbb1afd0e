// What dependencies say (cloud SDK loggers, Node runtime warnings such as the AWS SDK's
// NodeVersionSupportWarning or gcp-metadata's MetadataLookupWarning) is quorum's debug output:
// it reaches stderr only with QUORUM_DEBUG=1 (SPEC §8). quorum's own errors name the cause.

export function debugEnabled(): boolean {
  const flag = process.env.QUORUM_DEBUG;
  return flag !== undefined && flag !== '' && flag !== '0' && flag.toLowerCase() !== 'false';
}

/** One debug line from a dependency, e.g. dependencyLog('snowflake', 'connection failed ...'). */
export function dependencyLog(source: string, message: string): void {
  if (debugEnabled()) process.stderr.write(`debug ${source}: ${message.trimEnd()}\n`);
}

/** The five-method logger that SDKs such as snowflake-sdk accept, writing to dependencyLog. */
export function dependencyLogger(source: string): Record<'error' | 'warn' | 'info' | 'debug' | 'trace', (message: string) => void> {
  const log = (message: string) => dependencyLog(source, String(message));
  return { error: log, warn: log, info: log, debug: log, trace: log };
}

let quieted = false;

/**
 * Replaces Node's default printing of process warnings (deprecations, SDK notices) by
 * dependencyLog. Node installs that printer as a 'warning' listener; removing it is the
 * documented way to take over (https://nodejs.org/api/process.html#event-warning).
 */
export function quietDependencyWarnings(): void {
  if (quieted) return;
  quieted = true;
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error) => dependencyLog('node', `${warning.name}: ${warning.message}`));
}
