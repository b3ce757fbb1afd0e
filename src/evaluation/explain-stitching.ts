// `explain` with identity stitching on (SPEC §2.1): how many of the events each count reads came
// through stitching. The same explain statement is run a second time with the event tables
// narrowed to the rows that have no user_id of their own; memberships and custom traits are read
// as always, so an account's counts are still over its users. Counts of other kinds (sums, lists,
// rankings) are not split: only "how many events" has a stitched part that adds up.
import type { Feature, Plan } from '../plan/plan.js';
import { lowerPlan } from '../sql/lower.js';
import type { WarehouseConnection } from '../warehouse/connection.js';
import { runQuery } from './evaluate.js';

/** Features that count events, by column: performed counts and `count` traits. */
function eventCounts(plan: Plan, features: readonly Feature[]): Feature[] {
  return features.filter((f) => {
    const s = f.source;
    if (s.kind !== 'measure') return false;
    const scan = plan.scans.find((x) => x.name === s.scan);
    return scan?.measures.find((m) => m.column === s.measure)?.aggregate === 'count';
  });
}

/** Label -> events that came through stitching, for the features of `features` that count events; null when stitching is off. */
export async function stitchedEventCounts(
  connection: WarehouseConnection,
  plan: Plan,
  audience: string,
  id: string,
  features: readonly Feature[],
): Promise<Record<string, number> | null> {
  if (plan.identity === null) return null;
  const counts = eventCounts(plan, features);
  if (counts.length === 0) return null;
  const stitchedOnly: Plan = { ...plan, identity: { ...plan.identity, onlyStitchedEvents: true } };
  const sql = connection.dialect.printer.print(lowerPlan(stitchedOnly, { kind: 'explain', audience, id }));
  const [row] = await runQuery(connection, sql);
  const out: Record<string, number> = {};
  for (const f of counts) out[f.label] = row ? Number(JSON.parse(String(row[f.column] ?? '0'))) : 0;
  return out;
}
