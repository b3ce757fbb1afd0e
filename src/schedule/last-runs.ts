// The catch-up policy needs, for each definition, the latest slot it was evaluated for: the as_of
// of the newest run whose summary lists it (a run records its definitions when it commits).
import { history } from '../sync/history.js';
import type { WarehouseConnection } from '../warehouse/connection.js';

export async function lastRuns(connection: WarehouseConnection, schema: string): Promise<Map<string, string>> {
  const latest = new Map<string, string>();
  for (const entry of await history(connection, schema)) {
    if (entry.status === 'running' || entry.as_of === null) continue;
    for (const d of entry.definitions) {
      const seen = latest.get(d.name);
      if (seen === undefined || Date.parse(seen) < Date.parse(entry.as_of)) latest.set(d.name, entry.as_of);
    }
  }
  return latest;
}
