// Pruning the incremental state (docs/incremental.md "Pruning"): a partial table is named by the
// signature of what it keeps, so a changed or removed definition leaves its old table behind unless
// the run drops it. After each `quorum run` here, the state holds exactly the tables the project's
// definitions keep, and a run of some definitions never prunes what the others keep.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DuckDbConnection } from '../../dialects/duckdb/duckdb-connector.js';
import { duckdb } from '../../dialects/duckdb/index.js';
import type { Definition, Project } from '../../src/definitions/model.js';
import { planFor, readCatalog } from '../../src/evaluation/evaluate.js';
import { liveStateKeys } from '../../src/incremental/evaluate-incremental.js';
import { incrementalSettings } from '../../src/incremental/incremental-settings.js';
import { run } from '../../src/sync/run.js';
import { makeProject } from '../support/arbitraries.js';
import { DEFINITIONS, datasetUpTo, history } from '../support/incremental-history.js';
import { loadDataset } from '../support/load-duckdb.js';

const named = (...names: string[]): Definition[] => names.map((n) => DEFINITIONS.find((d) => d.name === n)!);

describe('pruning the incremental state', () => {
  let connection: DuckDbConnection;
  beforeEach(async () => {
    connection = (await duckdb.connect({ type: 'duckdb', path: ':memory:' })) as DuckDbConnection;
    await loadDataset(connection.connection, datasetUpTo(history(), 2));
  });
  afterEach(async () => connection.close());

  const asOf = () => history()[2].asOf;
  async function runWith(project: Project, definitions = project.definitions.map((d) => d.name)) {
    const catalog = await readCatalog(connection, project);
    const output = await run({
      connection,
      project,
      catalog,
      asOf: asOf(),
      definitions,
      destinations: new Map(),
      allowMassExit: true,
      incremental: { settings: incrementalSettings(catalog) },
    });
    expect(output.errors).toEqual([]);
    return output;
  }
  async function expected(project: Project): Promise<{ keys: string[]; tables: string[] }> {
    const catalog = await readCatalog(connection, project);
    const keys = [
      ...liveStateKeys(
        planFor({ project, catalog, asOf: asOf(), targets: project.definitions.map((d) => d.name) }),
        incrementalSettings(catalog),
      ),
    ].sort();
    return { keys, tables: [...new Set(keys.map((k) => k.split(':')[0]))].sort() };
  }
  async function stored(): Promise<{ keys: string[]; tables: string[] }> {
    const keys = (await connection.query('SELECT partial_table FROM quorum.incremental_state')).map((r) => String(r.partial_table)).sort();
    const tables = [...(await connection.readTables('quorum')).keys()]
      .filter((t) => t.startsWith('inc_') && !['_v', '_new', '_o', '_on'].some((end) => t.endsWith(end)))
      .sort();
    return { keys, tables };
  }

  it('drops the tables of a changed or removed definition in the run, and keeps what the project still reads', async () => {
    const before = makeProject(named('logins_7d', 'methods_3d', 'account_logins_7d', 'usual_method'));
    await runWith(before);
    expect(await stored()).toEqual(await expected(before));
    const oldTables = (await stored()).tables;

    // methods_3d becomes a 5-day window (a new partial table), usual_method is removed.
    const methods5d = { ...named('methods_3d')[0], window: { kind: 'within' as const, seconds: 5 * 86_400, text: '5d' } } as Definition;
    const after = makeProject([...named('logins_7d', 'account_logins_7d'), methods5d]);
    const output = await runWith(after);
    const now = await stored();
    expect(now).toEqual(await expected(after));
    expect(oldTables.filter((t) => !now.tables.includes(t)).length).toBeGreaterThan(0);
    // ...and no per-value table of a dropped scan is left behind either.
    const all = [...(await connection.readTables('quorum')).keys()];
    for (const t of all.filter((x) => x.endsWith('_v'))) expect(now.tables).toContain(t.slice(0, -2));
    expect(output.definitions.map((d) => d.name).sort()).toEqual(['account_logins_7d', 'logins_7d', 'methods_3d']);
  }, 60_000);

  it('never prunes what the project keeps when a run selects some definitions only', async () => {
    const project = makeProject(named('logins_7d', 'methods_3d', 'usual_method'));
    await runWith(project);
    const kept = await stored();
    // The selected definition's scan is planned alone, so it may keep a table of its own; that one
    // goes at the next run of the whole project.
    await runWith(project, ['logins_7d']);
    const during = await stored();
    expect(during.keys).toEqual(expect.arrayContaining(kept.keys));
    expect(during.tables).toEqual(expect.arrayContaining(kept.tables));
    await runWith(project);
    expect(await stored()).toEqual(kept);
  }, 60_000);

  it("drops a removed funnel's answers and owner tables, and keeps a funnel the project still has", async () => {
    const loggedIn = { kind: 'track' as const, name: 'Logged In' };
    const funnel: Definition = {
      kind: 'audience',
      name: 'logged_in_twice',
      level: 'user',
      description: null,
      sync: [],
      schedule: null,
      maxExitFraction: null,
      loc: DEFINITIONS[0].loc,
      where: {
        kind: 'funnel',
        loc: DEFINITIONS[0].loc,
        steps: [
          {
            event: loggedIn,
            window: { kind: 'within', seconds: 7 * 86_400, text: '7d' },
            filters: [],
            negated: false,
            loc: DEFINITIONS[0].loc,
          },
          {
            event: loggedIn,
            window: { kind: 'within', seconds: 86_400, text: '1d' },
            filters: [],
            negated: false,
            loc: DEFINITIONS[0].loc,
          },
        ],
      },
    };
    const funnelTables = async () => [...(await connection.readTables('quorum')).keys()].filter((t) => t.startsWith('inc_funnel_')).sort();
    // With stitching, so that the funnel also keeps the owners its answers were computed with.
    const stitched = (p: Project): Project => ({ ...p, config: { ...p.config, identity: { stitch: 'anonymous_id', conflict: 'first' } } });
    const withFunnel = stitched(makeProject([...named('logins_7d'), funnel]));
    await runWith(withFunnel);
    const kept = await funnelTables();
    expect(kept.filter((t) => t.endsWith('_o') || t.endsWith('_on'))).toHaveLength(2);
    expect(kept).toHaveLength(3);
    expect(await stored()).toEqual(await expected(withFunnel));
    await runWith(withFunnel, ['logins_7d']);
    expect(await funnelTables()).toEqual(kept);

    const without = stitched(makeProject(named('logins_7d')));
    await runWith(without);
    expect(await funnelTables()).toEqual([]);
    expect(await stored()).toEqual(await expected(without));
  }, 60_000);
});
