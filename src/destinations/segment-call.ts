// What a destination takes: a call in the Segment spec's shape. Destinations sit below sync (sync
// builds the calls and hands them down), so the shape lives here and sync/calls.ts builds it.
export type CallType = 'group' | 'identify' | 'track';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A Segment-spec call (https://segment.com/docs/connections/spec/common/). */
export interface SegmentCall {
  readonly type: CallType;
  readonly messageId: string;
  readonly timestamp: string;
  readonly userId?: string;
  readonly anonymousId?: string;
  readonly groupId?: string;
  readonly event?: string;
  readonly traits?: Record<string, JsonValue>;
  readonly properties?: Record<string, JsonValue>;
  readonly context: Record<string, JsonValue>;
  readonly integrations: Record<string, JsonValue>;
}
