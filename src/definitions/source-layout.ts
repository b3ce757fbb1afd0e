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
