// A small project for the operating tests: the sync tests' seeded dataset (users joining accounts
// and logging in between 2024-05-25 and 2024-06-10) in a DuckDB file, two audiences with their own
// cron schedules, a trait on the project default, and one destination.
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dialectNamed } from '../../../dialects/registry.js';
import type { BatchLimits, Destination } from '../../../src/destinations/destination.js';
import { connect, openProject } from '../../../src/evaluation/session.js';
import type { SegmentCall } from '../../../src/sync/calls.js';
import { loadDataset } from '../../support/load-duckdb.js';
import { makeDataset } from '../../sync/support/project.js';

export interface OperateProjectOptions {
  readonly adminsSchedule?: string;
  readonly accountsSchedule?: string;
  readonly defaultSchedule?: string;
  readonly timezone?: string;
  /** the `audit` destination's settings, as YAML lines under it (default: a file) */
  readonly audit?: string;
}

export async function writeOperateProject(dir: string, options: OperateProjectOptions = {}): Promise<void> {
  await mkdir(path.join(dir, 'audiences'), { recursive: true });
  await mkdir(path.join(dir, 'traits'), { recursive: true });
  await writeFile(
    path.join(dir, 'quorum.yml'),
    [
      'warehouse:\n  type: duckdb\n  path: warehouse.duckdb',
      'source:\n  preset: segment\n  schema: app\n  event_time: timestamp',
      'state:\n  schema: quorum_state',
      'max_exit_fraction: 1',
      `schedule:\n  default: "${options.defaultSchedule ?? '0 * * * *'}"\n  timezone: ${options.timezone ?? 'UTC'}`,
      `destinations:\n  audit:\n${options.audit ?? '    type: file\n    path: out/calls.ndjson'}`,
      '',
    ].join('\n'),
  );
  await writeFile(
    path.join(dir, 'audiences', 'active_accounts.yml'),
    `audience: active_accounts\nlevel: account\ndescription: Accounts with a login in 3 days\nschedule: "${options.accountsSchedule ?? '*/10 * * * *'}"\nwhere:\n  all:\n    - { trait: plan, in: [trial, pro] }\n    - any_user:\n        performed: Logged In\n        within: 3d\nsync:\n  - to: audit\n    calls: [group, identify, track]\n`,
  );
  await writeFile(
    path.join(dir, 'audiences', 'active_admins.yml'),
    `audience: active_admins\nlevel: user\nschedule: "${options.adminsSchedule ?? '*/5 * * * *'}"\nwhere:\n  - { trait: role, equals: Admin }\n  - { performed: Logged In, within: 2d }\nsync:\n  - to: audit\n    calls: [identify, track]\n`,
  );
  await writeFile(
    path.join(dir, 'traits', 'logins_3d.yml'),
    `computed_trait: logins_3d\nlevel: account\ncompute: count\nevent: Logged In\nwithin: 3d\nsync:\n  - to: audit\n    calls: [group]\n`,
  );
  const instance = await DuckDBInstance.create(path.join(dir, 'warehouse.duckdb'));
  const connection = await instance.connect();
  try {
    await loadDataset(connection, makeDataset());
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** `work` on a connection to the project's warehouse, closed after it. */
export async function withConnection<T>(dir: string, work: (c: Awaited<ReturnType<typeof connect>>) => Promise<T>): Promise<T> {
  const { project } = await openProject(dir, dialectNamed);
  const connection = await connect(project, dialectNamed);
  try {
    return await work(connection);
  } finally {
    await connection.close();
  }
}

/** A destination that keeps every call; with a gate, each send waits until the gate opens. */
export class RecordingDestination implements Destination {
  readonly calls: SegmentCall[] = [];
  readonly limits: BatchLimits;
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;
  private onSend: (() => void) | null = null;
  sends = 0;

  constructor(
    readonly name: string,
    maxCalls = 2500,
  ) {
    this.limits = { maxCalls, maxBatchBytes: 500 * 1024, maxCallBytes: 32 * 1024 };
  }

  /** The next sends wait until open() is called; resolves when the first of them starts. */
  close_gate(): Promise<void> {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
    return new Promise((resolve) => (this.onSend = resolve));
  }

  open(): void {
    this.openGate?.();
    this.gate = null;
  }

  async send(calls: readonly SegmentCall[]): Promise<void> {
    this.sends += 1;
    this.onSend?.();
    this.onSend = null;
    if (this.gate) await this.gate;
    this.calls.push(...calls);
  }

  async close(): Promise<void> {}
}
