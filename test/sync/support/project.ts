// A small project for the sync tests: a seeded dataset in the Segment layout whose memberships
// move over ten days (users join accounts, log in and stop), definitions that follow them with
// short windows, and a DuckDB warehouse file holding the data.
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SourceDataset, SourceRow, SourceTable } from '../../../src/reference/dataset.js';
import { loadDataset } from '../../support/load-duckdb.js';

export const WRITE_KEY = 'wk_test_s3cr3t_write_key';
export const AS_OFS = ['2024-06-02T00:00:00.000Z', '2024-06-03T12:00:00.000Z', '2024-06-05T00:00:00.000Z', '2024-06-06T00:00:00.000Z', '2024-06-08T06:00:00.000Z', '2024-06-10T00:00:00.000Z'];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CALL = { id: 'string', user_id: 'string', anonymous_id: 'string', timestamp: 'timestamp', received_at: 'timestamp' } as const;
const TRACK = { ...CALL, event: 'string', event_text: 'string', context_group_id: 'string' } as const;
const START = Date.parse('2024-05-25T00:00:00Z');
/** Ids that would break SQL built by concatenation, or a naive messageId. */
export const HOSTILE_USER = `u000'"; DROP TABLE x; --\\ 😀`;
const userName = (u: number) => (u === 0 ? HOSTILE_USER : `u${String(u).padStart(3, '0')}`);
const accountName = (g: number) => (g === 1 ? "acct-01 O'Brien ü" : `acct-${String(g).padStart(2, '0')}`);
const DAY = 86_400_000;

export interface DatasetOptions {
  readonly users?: number;
  readonly accounts?: number;
  readonly logins?: number;
  readonly seed?: number;
}

/** Users join accounts at random times; logins are spread over 2024-05-25 .. 2024-06-10. */
export function makeDataset(options: DatasetOptions = {}): SourceDataset {
  const random = mulberry32(options.seed ?? 11);
  const users = options.users ?? 40;
  const accounts = options.accounts ?? 8;
  const at = (days: number) => new Date(START + Math.floor(days * DAY)).toISOString();
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const identifies: SourceRow[] = [];
  const groups: SourceRow[] = [];
  const tracks: SourceRow[] = [];
  const loggedIn: SourceRow[] = [];
  for (let u = 0; u < users; u += 1) {
    const user = userName(u);
    const t = at(random() * 12);
    identifies.push({ id: `i${u}`, user_id: user, anonymous_id: null, timestamp: t, received_at: t, role: pick(['Admin', 'Member', 'Viewer']) });
    const memberships = 1 + Math.floor(random() * 2);
    for (let m = 0; m < memberships; m += 1) {
      const g = accountName(Math.floor(random() * accounts));
      const gt = at(random() * 14);
      groups.push({ id: `g${u}-${m}`, user_id: user, anonymous_id: null, group_id: g, timestamp: gt, received_at: gt, plan: pick(['trial', 'pro']) });
    }
  }
  for (let e = 0; e < (options.logins ?? 220); e += 1) {
    const user = userName(Math.floor(random() * users));
    const t = at(random() * 16);
    const row: SourceRow = { id: `e${e}`, user_id: user, anonymous_id: null, event: 'logged_in', event_text: 'Logged In', timestamp: t, received_at: t, context_group_id: null };
    tracks.push(row);
    loggedIn.push({ ...row, method: pick(['sso', 'password', "it's"]) });
  }
  const table = (columns: SourceTable['columns'], rows: SourceRow[]): SourceTable => ({ columns, rows });
  return {
    tables: {
      identifies: table({ ...CALL, role: 'string' }, identifies),
      groups: table({ ...CALL, group_id: 'string', plan: 'string' }, groups),
      tracks: table(TRACK, tracks),
      logged_in: table({ ...TRACK, method: 'string' }, loggedIn),
      pages: table({ ...CALL, name: 'string', context_group_id: 'string' }, []),
      screens: table({ ...CALL, name: 'string', context_group_id: 'string' }, []),
    },
  };
}

export interface ProjectOptions {
  /** base URL of the Segment-speaking receiver, e.g. http://127.0.0.1:1234/case1 */
  readonly endpoint: string;
  readonly groupIdentity?: 'anonymous' | 'member';
  readonly maxExitFraction?: number;
  /** extra destination blocks for quorum.yml, by name (YAML flow maps) */
  readonly extraDestinations?: Readonly<Record<string, string>>;
  /** extra sync targets added to every definition, e.g. "- { to: audit }" */
  readonly extraTargets?: readonly string[];
  readonly dataset?: SourceDataset;
  /** skip writing warehouse.duckdb (the caller loads another warehouse) */
  readonly noWarehouse?: boolean;
}

export const DEFINITIONS = ['active_accounts', 'active_admins', 'logins_3d', 'recent_method'] as const;

export async function writeProject(dir: string, options: ProjectOptions): Promise<void> {
  await mkdir(path.join(dir, 'audiences'), { recursive: true });
  await mkdir(path.join(dir, 'traits'), { recursive: true });
  const destinations = [
    `  hook:\n    type: segment\n    write_key: \${QUORUM_TEST_WRITE_KEY}\n    endpoint: ${options.endpoint}\n    group_identity: ${options.groupIdentity ?? 'anonymous'}`,
    ...Object.entries(options.extraDestinations ?? {}).map(([name, body]) => `  ${name}: ${body}`),
  ];
  await writeFile(
    path.join(dir, 'quorum.yml'),
    [
      'warehouse:\n  type: duckdb\n  path: warehouse.duckdb',
      'source:\n  preset: segment\n  schema: app\n  event_time: timestamp',
      'state:\n  schema: quorum_state',
      `max_exit_fraction: ${options.maxExitFraction ?? 1}`,
      `destinations:\n${destinations.join('\n')}`,
      '',
    ].join('\n'),
  );
  const extra = (options.extraTargets ?? []).map((t) => `  ${t}\n`).join('');
  await writeFile(
    path.join(dir, 'audiences', 'active_accounts.yml'),
    `audience: active_accounts\nlevel: account\nwhere:\n  any_user:\n    performed: Logged In\n    within: 3d\nsync:\n  - to: hook\n    calls: [group, identify, track]\n${extra}`,
  );
  await writeFile(
    path.join(dir, 'audiences', 'active_admins.yml'),
    `audience: active_admins\nlevel: user\nwhere:\n  - { trait: role, equals: Admin }\n  - { performed: Logged In, within: 2d }\nsync:\n  - to: hook\n    calls: [identify, track]\n    track_events: { entered: Admin Active, exited: Admin Gone }\n${extra}`,
  );
  await writeFile(
    path.join(dir, 'traits', 'logins_3d.yml'),
    `computed_trait: logins_3d\nlevel: account\ncompute: count\nevent: Logged In\nwithin: 3d\nsync:\n  - to: hook\n    calls: [group, track]\n${extra}`,
  );
  await writeFile(
    path.join(dir, 'traits', 'recent_method.yml'),
    [
      'sql_trait: recent_method',
      'level: user',
      'sql: |',
      "  select user_id, max(method) as recent_method from {{ source('logged_in') }}",
      "  where timestamp <= {{ as_of }} and timestamp > {{ as_of }} - interval '2 days'",
      '  group by 1',
      'sync:',
      '  - to: hook',
      '    calls: [identify, track]',
      extra,
    ].join('\n'),
  );
  if (options.noWarehouse) return;
  const instance = await DuckDBInstance.create(path.join(dir, 'warehouse.duckdb'));
  const connection = await instance.connect();
  try {
    await loadDataset(connection, options.dataset ?? makeDataset());
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Incremental evaluation is opt-in (docs/operating.md): a project written above turns it on. */
export async function enableIncremental(project: string): Promise<void> {
  const config = path.join(project, 'quorum.yml');
  await writeFile(config, `${await readFile(config, 'utf8')}incremental:\n  enabled: true\n`);
}
