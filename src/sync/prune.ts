// Outbox pruning: at the end of a run, delivered calls older than the retention
// (`state.outbox_retention_days` in quorum.yml, default 7 days) are deleted, so the outbox does not
// grow with every run. Only delivered rows go: undelivered ones wait for their destination however
// old they are, and calls set aside as too large stay as evidence. Within the retention the outbox
// still answers `quorum explain --history` about what was sent. The last call written always stays:
// the consistency check (state-check.ts) compares its sequence with the one `meta` recorded. The
// heads of runs none of whose calls remain go with them (outbox-heads.ts). A first run's record by
// generation goes once all its calls from the snapshot are delivered, the rows in its range with it
// (outbox-generations.ts).
import { pruneOutboxHeads } from './outbox-heads.js';
import { pruneWithGenerations } from './outbox-generations.js';
import { outboxHighWater } from './snapshot-records.js';
import { StateWriter } from './state-sql.js';

export const DEFAULT_OUTBOX_RETENTION_DAYS = 7;

export async function pruneOutbox(writer: StateWriter, schema: string, retentionDays: number = DEFAULT_OUTBOX_RETENTION_DAYS, now: Date = new Date()): Promise<void> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  const high = await outboxHighWater(writer, writer.printer, schema);
  if (high === null) return;
  await pruneWithGenerations(writer, schema, cutoff, high);
  await pruneOutboxHeads(writer, schema);
}
