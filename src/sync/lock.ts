// The run lock (SPEC §6): one row in the state schema's `lock` table. A run takes it, renews it
// while it delivers, and deletes it at the end. A run that dies leaves the row behind; the next
// run takes over once it has expired, or at once when the holder was a process on this host
// that no longer exists.
import { hostname } from 'node:os';
import { and, bin, col, deleteFrom, inQuery, insertInto, not, select, str, tableOf, ts, update, type Expr } from '../sql/ast.js';
import { failure } from '../diagnostics/diagnostic.js';
import type { WarehouseConnection } from '../warehouse/connection.js';
import { processAlive } from '../warehouse/process-alive.js';
import { StateWriter, stateTable, toIso } from './state-sql.js';

const LOCK_NAME = 'run';

export interface LockHandle {
  readonly runId: string;
  /** Extends the lock when less than half its time is left; throws when another run took it. */
  renew(): Promise<void>;
  release(): Promise<void>;
}

/** QUORUM_LOCK_TTL_SECONDS, default 900: how long a lock outlives a run that died holding it. */
export function lockTtlFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.QUORUM_LOCK_TTL_SECONDS);
  return Number.isFinite(value) && value > 0 ? value : 900;
}

export interface LockOptions {
  readonly ttlSeconds: number;
  readonly now?: () => Date;
}

/** The holder string `host:pid`; a holder on this host whose pid is gone is stale. */
function staleHolder(holder: unknown): boolean {
  if (typeof holder !== 'string') return false;
  const at = holder.lastIndexOf(':');
  if (at < 0 || holder.slice(0, at) !== hostname()) return false;
  const pid = Number(holder.slice(at + 1));
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processAlive(pid);
}

export async function acquireLock(connection: WarehouseConnection, schema: string, runId: string, options: LockOptions): Promise<LockHandle> {
  const now = options.now ?? (() => new Date());
  const printer = connection.dialect.printer;
  const lock = stateTable(schema, 'lock');
  const writer = new StateWriter(printer, connection);
  const holder = `${hostname()}:${process.pid}`;
  const isLock: Expr = bin('=', col('name'), str(LOCK_NAME));
  const readHolder = async () =>
    (await writer.rows(select({ columns: ['run_id', 'holder', 'expires_at'].map((c) => ({ expr: col(c), alias: c })), from: tableOf(lock), where: isLock })))[0];

  const current = await readHolder();
  if (current && staleHolder(current.holder)) {
    await writer.run(deleteFrom(lock, and(isLock, bin('=', col('run_id'), str(String(current.run_id))))));
  }
  const expiresAt = () => new Date(now().getTime() + options.ttlSeconds * 1000).toISOString();
  try {
    await connection.transaction(async (tx) => {
      const w = new StateWriter(printer, tx);
      await w.run(deleteFrom(lock, and(isLock, bin('<', col('expires_at'), ts(now().toISOString())))));
      await w.run(insertInto(
        lock,
        ['name', 'run_id', 'acquired_at', 'expires_at', 'holder'],
        select({
          columns: [
            { expr: str(LOCK_NAME), alias: 'name' },
            { expr: str(runId), alias: 'run_id' },
            { expr: ts(now().toISOString()), alias: 'acquired_at' },
            { expr: ts(expiresAt()), alias: 'expires_at' },
            { expr: str(holder), alias: 'holder' },
          ],
          where: not(inQuery(str(LOCK_NAME), select({ columns: [{ expr: col('name', 'l'), alias: null }], from: tableOf(lock, 'l') }))),
        }),
      ));
    });
  } catch {
    // Two runs inserting at once: the primary key lets one win; the other reads the winner below.
  }
  const after = await readHolder();
  if (!after || String(after.run_id) !== runId) {
    const holder = `${after ? String(after.run_id) : 'unknown'}${after?.holder ? ` on ${String(after.holder)}` : ''}`;
    throw failure('state_locked', { rule: 'held', schema, holder, until: (after ? toIso(after.expires_at) : null) ?? 'it finishes' });
  }
  let expires = Date.parse(toIso(after.expires_at) ?? '') || now().getTime();
  const mine: Expr = and(isLock, bin('=', col('run_id'), str(runId)));
  return {
    runId,
    async renew() {
      if (expires - now().getTime() > (options.ttlSeconds * 1000) / 2) return;
      const next = expiresAt();
      await writer.run(update(lock, [{ column: 'expires_at', value: ts(next) }], mine));
      const row = await readHolder();
      if (!row || String(row.run_id) !== runId) {
        throw failure('state_locked', { rule: 'lost', schema, runId });
      }
      expires = Date.parse(next);
    },
    async release() {
      await writer.run(deleteFrom(lock, mine));
    },
  };
}
