// Ids become text in the state: a floating-point id as JavaScript spells the number (2.0 is "2",
// 10^21 is "1e+21"), on DuckDB through a type test that costs its statement's planning. The
// staging statement keeps that test only where an id can be floating-point: it is gone when every
// id column the plan reads holds text or integers, and stays for DOUBLE ids and for a SQL trait,
// whose result's types are its own. Either way the state holds the reference evaluator's ids.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceDataset, SourceRow, SourceTable } from '../../src/reference/dataset.js';
import { selectDefinitions } from '../../src/sync/select.js';
import { run } from '../../src/sync/run.js';
import { FAST_RETRY, Reference, removeTempDirs, tempDir, withSession } from './support/harness.js';
import { membershipsAt } from './support/expected.js';
import { AS_OFS, makeDataset, writeProject } from './support/project.js';
import { startReceiver, type Receiver } from './support/receiver.js';

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  removeTempDirs();
  await receiver.close();
});

/** Doubles whose DuckDB text differs from JavaScript's, and some whose text is the same. */
const FLOAT_USERS = [2, 2.25, 1e21, 1.5e-7, 1e15, -0.5, 0.1, 123456789012345678, 1e-7, 2.5e-8, 1e300, 7];
const FLOAT_ACCOUNTS = [3, 0.25, 4e21, 1e15, -2];
const INTEGER_USERS = [7, -3, 0, 1_000_000_000_000, 42, 9, 10, 11, 12, 13, 14, 15];
const INTEGER_ACCOUNTS = [5, -1, 0, 2_000_000_000_000, 8];

/** makeDataset's rows with its user and account names replaced by numbers of the given type. */
function numericIds(type: 'number' | 'integer', users: readonly number[], accounts: readonly number[]): SourceDataset {
  const base = makeDataset({ users: users.length, accounts: accounts.length, logins: 160 });
  const rename = (names: Map<string, number>, list: readonly number[], name: unknown) => {
    if (name === null) return null;
    if (!names.has(String(name))) names.set(String(name), list[names.size]);
    return names.get(String(name))!;
  };
  const userIds = new Map<string, number>();
  const accountIds = new Map<string, number>();
  const tables: Record<string, SourceTable> = {};
  for (const [name, t] of Object.entries(base.tables)) {
    const columns = { ...t.columns, user_id: type, ...('group_id' in t.columns ? { group_id: type } : {}) };
    const rows = t.rows.map((row): SourceRow => ({
      ...row,
      user_id: rename(userIds, users, row.user_id),
      ...('group_id' in row ? { group_id: rename(accountIds, accounts, row.group_id) } : {}),
    }));
    tables[name] = { columns, rows };
  }
  expect(userIds.size).toBe(users.length);
  return { tables };
}

interface Staged {
  /** Every statement the run sent, for the staging statement's text. */
  readonly statements: string[];
  /** definition -> entity ids in the snapshots */
  readonly entities: Map<string, string[]>;
  /** account audience -> "account user" pairs in the snapshots */
  readonly users: Map<string, string[]>;
}

async function runAndRead(dir: string, asOf: string): Promise<Staged> {
  return withSession(dir, async (session) => {
    const statements: string[] = [];
    const connection = session.connection;
    const execute = connection.execute.bind(connection);
    connection.execute = async (sql: string) => {
      statements.push(sql);
      return execute(sql);
    };
    const output = await run({ ...session, asOf, definitions: selectDefinitions(session.project, []), destinationOptions: { retry: FAST_RETRY, maxCalls: 40 } });
    expect({ failed: output.failed, errors: output.errors }).toEqual({ failed: {}, errors: [] });
    const entities = new Map<string, string[]>();
    for (const row of await connection.query('SELECT definition, entity_id FROM quorum_state.snapshots ORDER BY definition, entity_id')) {
      entities.set(String(row.definition), [...(entities.get(String(row.definition)) ?? []), String(row.entity_id)]);
    }
    const users = new Map<string, string[]>();
    for (const row of await connection.query('SELECT definition, entity_id, user_id FROM quorum_state.snapshot_users ORDER BY definition, entity_id, user_id')) {
      users.set(String(row.definition), [...(users.get(String(row.definition)) ?? []), `${row.entity_id} ${row.user_id}`]);
    }
    return { statements, entities, users };
  });
}

/** What the reference evaluator holds at `asOf`, in runAndRead's shape. */
async function expected(dir: string, dataset: SourceDataset, asOf: string): Promise<Pick<Staged, 'entities' | 'users'>> {
  const project = await withSession(dir, async (s) => s.project);
  const reference = await Reference.open(dataset);
  try {
    const results = await reference.at(project, asOf);
    const entities = new Map<string, string[]>();
    const users = new Map<string, string[]>();
    const memberships = membershipsAt(dataset, asOf);
    for (const d of project.definitions) {
      const r = results.get(d.name)!;
      const ids = r.kind === 'audience' ? [...r.members].map(String) : [...r.values].filter(([, v]) => v !== null).map(([id]) => String(id));
      if (ids.length > 0) entities.set(d.name, ids.sort());
      if (r.kind === 'audience' && d.level === 'account') {
        const pairs = ids.flatMap((g) => [...(memberships.get(g) ?? [])].map((u) => `${g} ${u}`)).sort();
        if (pairs.length > 0) users.set(d.name, pairs);
      }
    }
    return { entities, users };
  } finally {
    reference.close();
  }
}

const stagingStatement = (statements: readonly string[]): string => {
  const found = statements.filter((sql) => sql.startsWith('INSERT INTO "temp"."main"."staging"'));
  expect(found).toHaveLength(1);
  return found[0];
};

/** A project of the sync tests on `dataset`; `sqlTrait: false` drops its SQL trait. */
async function project(name: string, dataset: SourceDataset, sqlTrait: boolean): Promise<string> {
  const dir = await tempDir(name);
  await writeProject(dir, { endpoint: `${receiver.url}/${name}`, dataset });
  if (!sqlTrait) await rm(path.join(dir, 'traits', 'recent_method.yml'));
  return dir;
}

describe('ids as text in the staging statement (DuckDB)', () => {
  const asOfs = [AS_OFS[1], AS_OFS[3]];

  it('spells floating-point ids as JavaScript does, run after run, with the type test kept', async () => {
    const dataset = numericIds('number', FLOAT_USERS, FLOAT_ACCOUNTS);
    const dir = await project('float-ids', dataset, false);
    for (const asOf of asOfs) {
      const staged = await runAndRead(dir, asOf);
      const want = await expected(dir, dataset, asOf);
      expect(staged.entities).toEqual(want.entities);
      expect(staged.users).toEqual(want.users);
      expect(want.users.size).toBeGreaterThan(0);
      expect(stagingStatement(staged.statements)).toContain('typeof(');
    }
  });

  it('casts text and integer ids plainly, and keeps the type test for a SQL trait', async () => {
    const cases = [
      { name: 'text-ids', dataset: makeDataset({ users: 12, accounts: 5, logins: 160 }), sqlTrait: false, typeTest: false },
      { name: 'integer-ids', dataset: numericIds('integer', INTEGER_USERS, INTEGER_ACCOUNTS), sqlTrait: false, typeTest: false },
      { name: 'sql-trait-ids', dataset: makeDataset({ users: 12, accounts: 5, logins: 160 }), sqlTrait: true, typeTest: true },
    ];
    for (const c of cases) {
      const dir = await project(c.name, c.dataset, c.sqlTrait);
      for (const asOf of asOfs) {
        const staged = await runAndRead(dir, asOf);
        expect(stagingStatement(staged.statements).includes('typeof('), c.name).toBe(c.typeTest);
        const want = await expected(dir, c.dataset, asOf);
        expect(staged.entities, c.name).toEqual(want.entities);
        expect(staged.users, c.name).toEqual(want.users);
      }
    }
  });
});
