// Two first runs started at once (postgres-wire.test.ts races two real processes; this pins the
// one interleaving that made the loser report state_damaged instead of state_locked). The loser
// reads the catalog while the winner is still creating the state tables; before it reads the
// facts, the winner has finished creating them, written the state's version and taken the lock.
// The loser must then see a state that exists and stop at the lock, on DuckDB and on PGlite.
import { describe, expect, it } from 'vitest';
import { DiagnosticsError } from '../../src/diagnostics/diagnostic.js';
import { acquireLock } from '../../src/sync/lock.js';
import { createState } from '../../src/sync/state-format.js';
import { openState } from '../../src/sync/state-guard.js';
import { ensureStateTables, stateTablesExist } from '../../src/sync/state-sql.js';
import { STATE_TABLES } from '../../src/sync/state-tables.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { duckAndPglite } from '../support/duck-and-pglite.js';

const TTL = { ttlSeconds: 900 };

/** `connection`, whose first catalog read lets `between` run before the read's answer is used. */
function pausedAfterFirstCatalogRead(connection: WarehouseConnection, between: () => Promise<void>): WarehouseConnection {
  let paused = false;
  return new Proxy(connection, {
    get(target, property) {
      if (property === 'readTables') {
        return async (schema: string) => {
          const tables = await target.readTables(schema);
          if (!paused) {
            paused = true;
            await between();
          }
          return tables;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('a first run that meets another first run creating the state', () => {
  const engines = duckAndPglite();

  for (const engine of ['duck', 'lite'] as const) {
    it(`${engine === 'duck' ? 'DuckDB' : 'PGlite'}: the loser stops at the lock with state_locked, not state_damaged`, async () => {
      const connection = engines[engine];
      const schema = `race_state_${engine}`;
      // the winner half-way through creating the state: the tables up to meta made (state-tables.ts
      // order), the rest not yet, and no version written
      await ensureStateTables(connection, schema);
      for (const table of ['lock', 'run_modes', 'verifications']) await connection.execute(`DROP TABLE ${schema}.${table}`);

      const winner = async () => {
        await createState(connection, schema);
        await acquireLock(connection, schema, 'winner', TTL);
      };
      const shape = await openState(pausedAfterFirstCatalogRead(connection, winner), schema);
      expect(shape.kind).toBe('current');

      const lost = await acquireLock(connection, schema, 'loser', TTL).catch((cause: unknown) => cause);
      expect(lost).toBeInstanceOf(DiagnosticsError);
      expect((lost as DiagnosticsError).diagnostics.map((d) => d.code)).toEqual(['state_locked']);
      expect((lost as DiagnosticsError).message).toContain('winner');
    });
  }

  // CI once saw the loser fail with missing_table: it met the winner before `meta` existed, when
  // the version reads as 1 and the tables of later formats are excused from the damage, yet it
  // still read them. Every point of the creation order is tried, with the winner finishing between
  // the loser's catalog read and its facts, and with no winner at all (one that died there).
  for (const engine of ['duck', 'lite'] as const) {
    it(`${engine === 'duck' ? 'DuckDB' : 'PGlite'}: a loser that meets the creation after any of its tables reaches the lock or finishes the creation`, async () => {
      const connection = engines[engine];
      // the tables of the schema, in creation order (DuckDB keeps the scratch tables in the session)
      const inSession = connection.dialect.printer.scratchTablesInSession;
      const creationOrder = Object.values(STATE_TABLES)
        .filter((t) => !(inSession && 'scratch' in t && t.scratch))
        .map((t) => t.name);
      for (let made = 1; made < creationOrder.length; made += 1) {
        for (const winnerFinishes of [true, false]) {
          const schema = `cut_${engine}_${made}_${winnerFinishes ? 'won' : 'died'}`;
          await ensureStateTables(connection, schema);
          for (const table of creationOrder.slice(made)) await connection.execute(`DROP TABLE ${schema}.${table}`);
          const between = winnerFinishes ? () => createState(connection, schema) : async () => undefined;
          const label = `${made} tables made (up to ${creationOrder[made - 1]}), winner ${winnerFinishes ? 'finishes' : 'died'}`;
          const shape = await openState(pausedAfterFirstCatalogRead(connection, between), schema).catch((cause: unknown) => cause);
          expect(shape, label).toMatchObject({ kind: 'current' });
          expect(shape, label).not.toHaveProperty('upgradeFrom');
          expect(await stateTablesExist(connection, schema), label).toBe(true);
        }
      }
    }, 120_000);
  }

  it('a table dropped from a state that was written is still damage on the second look', async () => {
    const connection = engines.duck;
    const schema = 'dropped_state';
    await createState(connection, schema);
    await connection.execute(`DROP TABLE ${schema}.runs`);
    const opened = await openState(connection, schema).catch((cause: unknown) => cause);
    expect(opened).toBeInstanceOf(DiagnosticsError);
    expect((opened as DiagnosticsError).diagnostics.map((d) => d.code)).toEqual(['state_damaged']);
    expect((opened as DiagnosticsError).message).toContain(`table ${schema}.runs is missing`);
  });
});
