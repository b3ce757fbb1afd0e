// Identity stitching in the reference evaluator, straight from SPEC §2.1 and independent of the
// SQL path: which user each anonymous_id belongs to at as_of, and the source rows as they look
// once every row without a user_id is given its anonymous_id's owner.
import type { IdentityConfig, SourceLayout } from '../definitions/model.js';
import type { SourceDataset, SourceRow } from './dataset.js';
import { compareCodePoints, toInstant } from './values.js';

/** The user an anonymous_id belongs to, and the time of the edge that decided it. */
export interface Owner {
  readonly user: string;
  readonly since: number; // epoch ms
}

function text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** The tables that users and identity edges are read from, as Segment writes them (docs/semantics.md, "Entities"). */
export function userTables(layout: SourceLayout): string[] {
  const { identifies, groups, tracks, pages, screens } = layout.tables;
  return [identifies, groups, tracks, pages, screens];
}

/**
 * Each anonymous_id's owner at `asOfMs`. An identity edge is a row of identifies, groups, tracks,
 * pages or screens with both ids present and its time at or before as_of: Segment writes every
 * track call to `tracks` as well as to its event's table, so an event table holds no edge of its
 * own, and an edge that a hand-edited one alone holds links nobody (docs/semantics.md, "Entities").
 * `first`: the user of the earliest edge; `last`: of the latest; at equal times the smallest
 * user_id (by code point).
 */
export function owners(dataset: SourceDataset, layout: SourceLayout, conflict: IdentityConfig['conflict'], asOfMs: number): Map<string, Owner> {
  const { anonymousId, userId } = layout.columns;
  const result = new Map<string, Owner>();
  for (const name of userTables(layout)) {
    const table = dataset.tables[name];
    if (table === undefined) continue;
    if (!(anonymousId in table.columns) || !(userId in table.columns) || !(layout.eventTime in table.columns)) continue;
    for (const row of table.rows) {
      const anonymous = text(row[anonymousId]);
      const user = text(row[userId]);
      const rawTime = row[layout.eventTime];
      if (anonymous === null || user === null || rawTime === null || rawTime === undefined) continue;
      const time = toInstant(rawTime);
      if (time > asOfMs) continue;
      const current = result.get(anonymous);
      const wins =
        current === undefined ||
        (conflict === 'first' ? time < current.since : time > current.since) ||
        (time === current.since && compareCodePoints(user, current.user) < 0);
      if (wins) result.set(anonymous, { user, since: time });
    }
  }
  return result;
}

/** A row as stitching sees it: its own user_id, else its anonymous_id's owner, else unchanged. */
export function stitchRow(row: SourceRow, layout: SourceLayout, owned: ReadonlyMap<string, Owner>): SourceRow {
  const { anonymousId, userId } = layout.columns;
  if (text(row[userId]) !== null) return row;
  const anonymous = text(row[anonymousId]);
  const owner = anonymous === null ? undefined : owned.get(anonymous);
  return owner === undefined ? row : { ...row, [userId]: owner.user };
}

/**
 * When each user became a member of each account, as of `asOfMs`: the earliest group call of the
 * pair. A group call without a user_id counts for its anonymous_id's owner from the later of the
 * call's time and the time of the edge that made the owner (SPEC §2.1). Account -> user -> ms.
 */
export function membershipSince(
  dataset: SourceDataset,
  layout: SourceLayout,
  identity: IdentityConfig | undefined,
  asOfMs: number,
): Map<string, Map<string, number>> {
  const owned = identity?.stitch === 'anonymous_id' ? owners(dataset, layout, identity.conflict, asOfMs) : new Map<string, Owner>();
  const { anonymousId, groupId, userId } = layout.columns;
  const result = new Map<string, Map<string, number>>();
  for (const row of dataset.tables[layout.tables.groups]?.rows ?? []) {
    const account = text(row[groupId]);
    const rawTime = row[layout.eventTime];
    if (account === null || rawTime === null || rawTime === undefined) continue;
    const time = toInstant(rawTime);
    if (time > asOfMs) continue;
    let user = text(row[userId]);
    let since = time;
    if (user === null) {
      const anonymous = text(row[anonymousId]);
      const owner = anonymous === null ? undefined : owned.get(anonymous);
      if (owner === undefined) continue;
      user = owner.user;
      since = Math.max(time, owner.since);
    }
    if (!result.has(account)) result.set(account, new Map());
    const users = result.get(account)!;
    users.set(user, Math.min(users.get(user) ?? Infinity, since));
  }
  return result;
}
