// Operator logs (docs/operating.md): one event per line on stderr, each with a stable code, so an
// operator (or a log pipeline) can tell where the time went and what a run did.
//
//   text  2024-06-01T10:00:00.412Z info  stage.execute 1.204s definitions=3
//   json  {"time":"2024-06-01T10:00:00.412Z","level":"info","code":"stage.execute","ms":1204,"definitions":3}
//
// On an interactive terminal (and only there) a one-line spinner shows what is running now; the
// events are printed above it. Piped, there is no spinner and no escape code.
import { Progress } from './progress.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';

/** Every code quorum logs. Stable: log pipelines and alerts match on them. */
export const EVENT_CODES = [
  // the stages of one run, each with its timing in `ms`
  'stage.load',
  'stage.validate',
  'stage.compile',
  'stage.execute',
  'stage.diff',
  'stage.deliver',
  // a run
  'run.started',
  'run.succeeded', // evaluated, written, every call delivered
  'run.failed', // finished, but a destination kept calls or the guardrail blocked an audience; or it threw
  'run.retry', // a run that could not start or finish (warehouse down, lock held) is tried again later
  'run.progress', // a line of progress inside a stage (delivered batches, ...): debug level
  'incremental.unindexed', // Postgres: source tables an incremental run reads whole to find its new rows (no index on the columns)
  // the scheduler
  'schedule.started',
  'schedule.unscheduled', // definitions without a schedule and no project default
  'schedule.catch_up', // slots missed while quorum schedule was not running (or while a run took long)
  'schedule.next',
  'schedule.stopping',
  'schedule.stopped',
] as const;

export type EventCode = (typeof EVENT_CODES)[number];

export interface LogEvent {
  readonly time: string;
  readonly level: LogLevel;
  readonly code: EventCode;
  readonly message: string;
  readonly ms?: number;
  readonly [field: string]: unknown;
}

export interface Logger {
  /** Logs one event; `fields` are flat values (arrays of strings are fine). */
  event(level: LogLevel, code: EventCode, message: string, fields?: Record<string, unknown>): void;
  /** What is happening now: the spinner's text on a terminal, nothing otherwise. */
  status(text: string | null): void;
  close(): void;
}

export interface LoggerOptions {
  readonly format: LogFormat;
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Show a spinner; default: the stream is a terminal and the format is text. */
  readonly progress?: boolean;
  /** Print debug events too (QUORUM_DEBUG=1). */
  readonly debug?: boolean;
  readonly now?: () => Date;
}

export function parseLogFormat(text: string | undefined): LogFormat | null {
  if (text === undefined) return 'text';
  return text === 'text' || text === 'json' ? text : null;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(3)}s`;
}

function fieldText(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => String(v)).join(',');
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  const text = String(value);
  return /[\s"=]/.test(text) ? JSON.stringify(text) : text;
}

/** 14:03:07 in the machine's time zone: what a person at a terminal reads their clock as. */
export function shortLocalTime(iso: string): string {
  const t = new Date(iso);
  return [t.getHours(), t.getMinutes(), t.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** The text line of an event (without the newline); `showTime` shortens the time for a terminal. */
export function formatText(event: LogEvent, showTime: (iso: string) => string = (iso) => iso): string {
  const { time, level, code, message, ms, ...fields } = event;
  const parts = [showTime(time), level.padEnd(5), code];
  if (ms !== undefined) parts.push(seconds(ms));
  if (message) parts.push(message);
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) parts.push(`${key}=${fieldText(value)}`);
  return parts.join(' ');
}

export function createLogger(options: LoggerOptions): Logger {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => new Date());
  const tty = stream.isTTY === true;
  const progress = (options.progress ?? (tty && options.format === 'text')) ? new Progress(stream) : null;
  const debug = options.debug ?? Boolean(process.env.QUORUM_DEBUG);
  return {
    event(level, code, message, fields = {}) {
      if (level === 'debug') {
        // Progress inside a stage: on a terminal it becomes the spinner's text.
        if (progress) progress.set(message);
        if (!debug) return;
      }
      const event: LogEvent = { time: now().toISOString(), level, code, message, ...fields };
      // a terminal gets its reader's local clock; files and pipes keep the full UTC instant
      const line = options.format === 'json' ? JSON.stringify(event) : formatText(event, tty ? shortLocalTime : undefined);
      if (progress) progress.above(line);
      else stream.write(`${line}\n`);
    },
    status(text) {
      if (progress) progress.set(text);
    },
    close() {
      progress?.stop();
    },
  };
}

/** A logger that keeps every event, for tests and for callers that report them later. */
export function memoryLogger(now: () => Date = () => new Date()): Logger & { readonly events: LogEvent[] } {
  const events: LogEvent[] = [];
  return {
    events,
    event(level, code, message, fields = {}) {
      events.push({ time: now().toISOString(), level, code, message, ...fields });
    },
    status() {},
    close() {},
  };
}

export const SILENT_LOGGER: Logger = { event() {}, status() {}, close() {} };

/**
 * The logger of a one-shot command such as `quorum run`: with --log-format, events in that format
 * on stderr; otherwise events and a spinner on an interactive terminal, and nothing when piped or
 * with --json (SPEC §7: quiet when piped).
 */
export function commandLogger(options: {
  readonly format?: LogFormat;
  readonly json?: boolean;
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean };
}): Logger {
  const stream = options.stream ?? process.stderr;
  if (options.format) return createLogger({ format: options.format, stream });
  if (stream.isTTY === true && !options.json) return createLogger({ format: 'text', stream });
  return SILENT_LOGGER;
}
