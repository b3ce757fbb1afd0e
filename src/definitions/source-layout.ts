import type { SourceLayout } from './model.js';

// Segment's warehouse destinations and RudderStack's write the same table and column names for
// everything quorum reads (both keep `event_text`, `context_group_id`, snake-cased per-event
// tables); the preset is kept so that a future difference has a home.
export function presetLayout(preset: SourceLayout['preset'], schema: string, eventTime = 'timestamp'): SourceLayout {
  return {
    preset,
    schema,
    eventTime,
    tables: { identifies: 'identifies', groups: 'groups', tracks: 'tracks', pages: 'pages', screens: 'screens' },
    columns: {
      id: 'id',
      userId: 'user_id',
      anonymousId: 'anonymous_id',
      groupId: 'group_id',
      event: 'event',
      eventText: 'event_text',
      contextGroupId: 'context_group_id',
      name: 'name',
    },
  };
}

/**
 * The arrival column of a preset's tables, in order of preference (SPEC §6.1): Segment's and
 * RudderStack's warehouse loaders both stamp each row with `uuid_ts` when they load it; a table
 * without it (loaded by other means) falls back to `received_at`, when the collecting API got it.
 */
export const PRESET_ARRIVAL_COLUMNS: Readonly<Record<SourceLayout['preset'], readonly string[]>> = {
  segment: ['uuid_ts', 'received_at'],
  rudderstack: ['uuid_ts', 'received_at'],
};

/** The arrival column of one table with these columns (lower case), or null when it has none. */
export function arrivalColumn(layout: SourceLayout, columns: ReadonlySet<string>): string | null {
  const candidates = layout.arrivalTime === undefined ? PRESET_ARRIVAL_COLUMNS[layout.preset] : [layout.arrivalTime];
  return candidates.find((c) => columns.has(c.toLowerCase())) ?? null;
}

/** When a call was made and sent, which the loaders also write on every row. */
const CALL_TIMES = ['sent_at', 'original_timestamp'];

/**
 * The columns of an identifies or groups row that say which call it is, who made it and when,
 * rather than a trait of the user or account: `quorum members --columns` lists only the others.
 */
export function callColumns(layout: SourceLayout): ReadonlySet<string> {
  const { id, userId, anonymousId, groupId, contextGroupId } = layout.columns;
  const arrival = layout.arrivalTime === undefined ? PRESET_ARRIVAL_COLUMNS[layout.preset] : [layout.arrivalTime];
  return new Set([id, userId, anonymousId, groupId, contextGroupId, layout.eventTime, ...arrival, ...CALL_TIMES]);
}
