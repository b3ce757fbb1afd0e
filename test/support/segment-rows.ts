// Rows of Segment's tables for the small hand-written datasets of the engine tests.
import type { ComputedTraitDefinition, ComputeKind, Level, SourceLocation } from '../../src/definitions/model.js';
import type { SourceRow } from '../../src/reference/dataset.js';

/** The columns every Segment table has. */
export const SEGMENT_COLUMNS = { id: 'string', user_id: 'string', anonymous_id: 'string', timestamp: 'timestamp', received_at: 'timestamp' } as const;

/** One group call per (account, user), all at `at`: the memberships the accounts list. */
export function membershipRows(accounts: Readonly<Record<string, readonly string[]>>, at: string): SourceRow[] {
  return Object.entries(accounts).flatMap(([account, users]) =>
    users.map((user) => ({ id: `g_${account}_${user}`, user_id: user, anonymous_id: null, group_id: account, timestamp: at, received_at: at })),
  );
}

/** A computed trait over one track event's property, across all history, every user's events. */
export function eventTrait(name: string, level: Level, compute: ComputeKind, event: string, property: string, loc: SourceLocation): ComputedTraitDefinition {
  return {
    kind: 'computed_trait',
    name,
    level,
    compute,
    event: { kind: 'track', name: event },
    window: null,
    filters: [],
    property,
    minFrequency: 1,
    scope: 'users',
    description: null,
    sync: [],
    loc,
  };
}
