// A first run's outbox by generation (state format 6, src/sync/outbox-generations.ts) against the
// outbox of one row per call it replaces: the same project run with each, side by side on copies of
// one warehouse with the same run ids, must deliver the same calls byte for byte in the same order,
// keep the same sequences, and answer `explain --history` alike, also when delivery fails midway
// and a later run changes the answers before the first run's calls went out.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { col, select, TRUE } from '../../src/sql/ast.js';
import { outboxCalls, writeOutSequences } from '../../src/sync/outbox-generations.js';
import { countPendingCalls, transitionsByRun, waitingByDestination } from '../../src/sync/outbox-reader.js';
import { pruneOutbox } from '../../src/sync/prune.js';
import { diagnoseState } from '../../src/sync/state-repair.js';
import { StateWriter } from '../../src/sync/state-sql.js';
import { expectedCalls, keyOfReceived } from './support/expected.js';
import { Reference, runAt, removeTempDirs, tempDir, withSession } from './support/harness.js';
import { AS_OFS, DEFINITIONS, makeDataset, WRITE_KEY, writeProject } from './support/project.js';
import { startReceiver, type ReceivedCall, type Receiver } from './support/receiver.js';

const SCHEMA = 'quorum_state';
const dataset = makeDataset({ users: 40, logins: 260, seed: 5 });
let receiver: Receiver;
let reference: Reference;

beforeAll(async () => {
  receiver = await startReceiver({ writeKey: WRITE_KEY });
  reference = await Reference.open(dataset);
});

afterAll(async () => {
  removeTempDirs();
  await receiver?.close();
  reference?.close();
});

type Side = 'rows' | 'generations';

/** A project delivering to the receiver under `prefix` and to a file, with or without records by generation. */
async function project(prefix: string, endpoint = `${receiver.url}/${prefix}`): Promise<string> {
  const dir = await tempDir(`generations-${prefix}`);
  await writeProject(dir, { endpoint, dataset, extraDestinations: { audit: '{ type: file, path: out/calls.ndjson }' }, extraTargets: ['- to: audit'] });
  return dir;
}

// pages of 7 calls: records are read a page at a time, from wherever a failed delivery left them
const runAs = (dir: string, side: Side, asOf: string, runId: string) => runAt(dir, asOf, { runId, outboxByGeneration: side === 'generations', outboxPageSize: 7 });

/** Every call the outbox holds, as readers see it: sequence, identity, record text and delivery state. */
async function calls(dir: string): Promise<string[]> {
  return withSession(dir, async (s) => {
    // not created_at: the clock time of the run that wrote the call
    const columns = ['destination', 'sequence', 'run_id', 'definition', 'entity_id', 'transition', 'call_type', 'payload', 'attempts', 'last_error'];
    const query = select({
      columns: [...columns.map((c) => ({ expr: col(c), alias: c })), { expr: col('delivered_at'), alias: 'delivered_at' }, { expr: col('rejected_at'), alias: 'rejected_at' }],
      from: outboxCalls(SCHEMA, 'o', TRUE),
      orderBy: [
        { expr: col('destination'), direction: 'ASC' },
        { expr: col('sequence'), direction: 'ASC' },
      ],
    });
    const rows = await s.connection.query(s.connection.dialect.printer.print(query));
    return rows.map((r) => [...columns.map((c) => String(r[c])), r.delivered_at === null ? 'pending' : 'delivered', r.rejected_at === null ? '' : 'rejected'].join(' | '));
  });
}

async function generationRows(dir: string): Promise<number> {
  return withSession(dir, async (s) => Number((await s.connection.query(`SELECT COUNT(*) AS n FROM ${SCHEMA}.outbox_generations`))[0].n));
}

async function plainRows(dir: string): Promise<number> {
  return withSession(dir, async (s) => Number((await s.connection.query(`SELECT COUNT(*) AS n FROM ${SCHEMA}.outbox`))[0].n));
}

async function plainRowsIn(dir: string, low: number, high: number): Promise<number> {
  return withSession(dir, async (s) => Number((await s.connection.query(`SELECT COUNT(*) AS n FROM ${SCHEMA}.outbox WHERE destination = 'hook' AND sequence BETWEEN ${low} AND ${high}`))[0].n));
}

const fileLines = async (dir: string) => (await readFile(path.join(dir, 'out', 'calls.ndjson'), 'utf8')).split('\n').filter((l) => l.length > 0);

/** `explain --history`'s record of every entity of every definition, by run. */
async function histories(dir: string, entities: readonly string[]): Promise<string[]> {
  return withSession(dir, async (s) => {
    const w = new StateWriter(s.connection.dialect.printer, s.connection);
    const out: string[] = [];
    for (const name of DEFINITIONS) {
      for (const entity of entities) {
        const byRun = await transitionsByRun(w, SCHEMA, name, entity);
        for (const [run, transitions] of [...byRun].sort()) out.push(`${name} ${entity} ${run} ${transitions.join(',')}`);
      }
    }
    return out;
  });
}

/**
 * The pending calls per destination as delivery counts them (arithmetic on each record's watermark,
 * no numbering), and as the expanded outbox shows them: they must agree.
 */
async function expectPendingCountsAgree(dir: string, when: string): Promise<number> {
  const expanded = new Map<string, number>();
  for (const line of await calls(dir)) {
    const fields = line.split(' | ');
    if (fields[10] === 'pending' && fields[11] === '') expanded.set(fields[0], (expanded.get(fields[0]) ?? 0) + 1);
  }
  const counted = await withSession(dir, async (s) => {
    const w = new StateWriter(s.connection.dialect.printer, s.connection);
    return { byDestination: await waitingByDestination(w, SCHEMA), total: await countPendingCalls(w, SCHEMA) };
  });
  const expected = [...expanded.keys()].sort().map((destination) => ({ destination, waiting: expanded.get(destination)! }));
  expect(counted.byDestination, when).toEqual(expected);
  const total = [...expanded.values()].reduce((a, b) => a + b, 0);
  expect(counted.total, when).toBe(total);
  return total;
}

/** Calls by messageId; a repeated id must repeat the same call. */
function byMessageId(received: readonly ReceivedCall[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const call of received) {
    const json = JSON.stringify(call);
    const first = out.get(call.messageId);
    if (first !== undefined) expect(json, `duplicate ${call.messageId} differs`).toBe(first);
    out.set(call.messageId, json);
  }
  return out;
}

describe('a first run written by generation', () => {
  it('delivers the same calls, byte for byte and in the same order, as one outbox row per call, run after run', async () => {
    const dirs = { rows: await project('same-rows'), generations: await project('same-generations') };
    for (const [i, asOf] of [AS_OFS[1], AS_OFS[2], AS_OFS[4]].entries()) {
      for (const side of ['rows', 'generations'] as const) {
        const out = await runAs(dirs[side], side, asOf, `run-${i}`);
        expect(out.errors, side).toEqual([]);
      }
      if (i === 0) {
        expect(await generationRows(dirs.rows)).toBe(0);
        // active_admins (identify, track) and the two user-level traits, to each destination
        expect(await generationRows(dirs.generations)).toBeGreaterThanOrEqual(6);
        expect(await plainRows(dirs.generations)).toBeLessThan(await plainRows(dirs.rows));
      }
      expect(await calls(dirs.generations), `outbox after run ${i}`).toEqual(await calls(dirs.rows));
      expect(await fileLines(dirs.generations), `file after run ${i}`).toEqual(await fileLines(dirs.rows));
    }
    const lines = await fileLines(dirs.generations);
    expect(new Set(lines).size).toBe(lines.length);
    expect(byMessageId(receiver.calls('same-generations'))).toEqual(byMessageId(receiver.calls('same-rows')));
    const project0 = await withSession(dirs.rows, async (s) => s.project);
    const [r1, r2, r4] = await Promise.all([reference.at(project0, AS_OFS[1]), reference.at(project0, AS_OFS[2]), reference.at(project0, AS_OFS[4])]);
    const expected = [
      ...expectedCalls(project0, dataset, null, { asOf: AS_OFS[1], results: r1 }),
      ...expectedCalls(project0, dataset, { asOf: AS_OFS[1], results: r1 }, { asOf: AS_OFS[2], results: r2 }),
      ...expectedCalls(project0, dataset, { asOf: AS_OFS[2], results: r2 }, { asOf: AS_OFS[4], results: r4 }),
    ].sort();
    expect(receiver.calls('same-generations').map(keyOfReceived).sort()).toEqual(expected);
    expect(receiver.invalid).toEqual([]);
  }, 180_000);

  it('delivery failing midway, then a run that changes answers, then delivery: every call goes out as written, and explain --history agrees', async () => {
    const down: Record<Side, Receiver> = {
      rows: await startReceiver({ writeKey: WRITE_KEY, faults: { failAfter: 1 } }),
      generations: await startReceiver({ writeKey: WRITE_KEY, faults: { failAfter: 1 } }),
    };
    try {
      const dirs = { rows: await project('mid-rows', down.rows.url), generations: await project('mid-generations', down.generations.url) };
      for (const side of ['rows', 'generations'] as const) {
        const first = await runAs(dirs[side], side, AS_OFS[1], 'first');
        expect(first.failed.hook, side).toBeGreaterThan(0);
        expect(first.delivered.hook, side).toBeGreaterThan(0);
        expect(first.errors.join('\n')).toMatch(/HTTP 500/);
        // the next instant changes answers while the destination is still down
        down[side].faults = { always: 500 };
        const second = await runAs(dirs[side], side, AS_OFS[2], 'second');
        expect(second.failed.hook, side).toBeGreaterThan(first.failed.hook);
        if (side === 'generations') {
          const { problems } = await withSession(dirs[side], (s) => diagnoseState(s.connection, SCHEMA));
          expect(problems).toEqual([]);
          // records part delivered, with calls written out by the failed batches
          expect(await expectPendingCountsAgree(dirs[side], 'after the second run')).toBeGreaterThan(0);
        }
        down[side].faults = {};
        const third = await runAs(dirs[side], side, AS_OFS[4], 'third');
        expect(third.failed, side).toEqual({});
        if (side === 'generations') expect(await expectPendingCountsAgree(dirs[side], 'after the third run')).toBe(0);
      }
      expect(await generationRows(dirs.generations)).toBeGreaterThan(0);
      const rows = byMessageId(down.rows.calls());
      const generations = byMessageId(down.generations.calls());
      expect([...generations.keys()].sort()).toEqual([...rows.keys()].sort());
      for (const [id, json] of rows) expect(generations.get(id), id).toBe(json);
      // each entity's calls in the order of its instants
      for (const side of ['rows', 'generations'] as const) {
        const perEntity = new Map<string, string[]>();
        for (const c of down[side].calls()) {
          const context = c.context as { groupId?: string; quorum: { as_of: string }; personas: { computation_key: string } };
          const key = [c.type, context.personas.computation_key, c.userId ?? c.anonymousId, c.groupId ?? context.groupId ?? ''].join('|');
          perEntity.set(key, [...(perEntity.get(key) ?? []), context.quorum.as_of]);
        }
        for (const [key, asOfs] of perEntity) expect(asOfs, `${side}: ${key}`).toEqual([...asOfs].sort());
      }
      // the same calls, sequences and states in the outbox (delivery times and attempts aside: the
      // two destinations failed at different batches), and the same history per entity
      const strip = (lines: string[]) => lines.map((l) => l.split(' | ').slice(0, 8).join(' | '));
      expect(strip(await calls(dirs.generations))).toEqual(strip(await calls(dirs.rows)));
      expect((await calls(dirs.generations)).every((l) => l.includes('| delivered |'))).toBe(true);
      const entities = [...new Set(down.rows.calls().map((c) => String(c.userId ?? c.anonymousId ?? c.groupId)))];
      const history = await histories(dirs.generations, entities);
      expect(history.some((l) => l.includes(' first ') && l.endsWith('entered'))).toBe(true);
      expect(history).toEqual(await histories(dirs.rows, entities));
      expect(down.generations.invalid).toEqual([]);
    } finally {
      await down.rows.close();
      await down.generations.close();
    }
  }, 180_000);

  it('counts pending calls from the records\' watermarks, calls written out as ordinary rows once', async () => {
    const down = await startReceiver({ writeKey: WRITE_KEY, faults: { always: 500 } });
    try {
      const dir = await project('counts', down.url);
      const first = await runAs(dir, 'generations', AS_OFS[1], 'first');
      expect(first.failed.hook).toBeGreaterThan(0);
      const before = await expectPendingCountsAgree(dir, 'nothing delivered to hook');
      const record = await withSession(dir, async (s) => (await s.connection.query(`SELECT first_sequence, last_sequence FROM ${SCHEMA}.outbox_generations WHERE destination = 'hook' ORDER BY first_sequence LIMIT 1`))[0]);
      const [low, high] = [Number(record.first_sequence), Number(record.last_sequence)];
      expect(high).toBeGreaterThan(low);
      // what a failed batch or a call set aside does first: two of the record's calls become ordinary rows
      await withSession(dir, (s) => writeOutSequences(new StateWriter(s.connection.dialect.printer, s.connection), SCHEMA, 'hook', [low, high]));
      expect(await plainRowsIn(dir, low, high)).toBe(2);
      expect(await expectPendingCountsAgree(dir, 'two calls written out')).toBe(before);
    } finally {
      await down.close();
    }
  }, 120_000);

  it('pruning deletes a record only once its calls are delivered and old, with the rows in its range', async () => {
    const dir = await project('prune');
    const first = await runAs(dir, 'generations', AS_OFS[1], 'first');
    expect(first.errors).toEqual([]);
    await runAs(dir, 'generations', AS_OFS[2], 'second');
    const before = await calls(dir);
    const records = await generationRows(dir);
    expect(records).toBeGreaterThan(0);
    const prune = (now: Date) => withSession(dir, (s) => pruneOutbox(new StateWriter(s.connection.dialect.printer, s.connection), SCHEMA, 7, now));
    // within the retention nothing goes
    await prune(new Date());
    expect(await calls(dir)).toEqual(before);
    expect(await generationRows(dir)).toBe(records);
    // a week later the delivered calls go, records and written-out rows alike; the last call written stays
    await prune(new Date(Date.now() + 8 * 86_400_000));
    const after = await calls(dir);
    expect(await generationRows(dir)).toBe(0);
    const sequenceOf = (line: string) => Number(line.split(' | ')[1]);
    const last = before.reduce((a, b) => (sequenceOf(b) > sequenceOf(a) ? b : a));
    expect(after).toEqual([last]);
    const heads = await withSession(dir, (s) => s.connection.query(`SELECT DISTINCT run_id FROM ${SCHEMA}.outbox_heads`));
    expect(heads.map((h) => String(h.run_id)).every((run) => after.some((l) => l.includes(` | ${run} | `)))).toBe(true);
    const { problems } = await withSession(dir, (s) => diagnoseState(s.connection, SCHEMA));
    expect(problems).toEqual([]);
  }, 120_000);
});
