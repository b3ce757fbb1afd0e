// Reading an outbox row's payload back (SPEC §6: "a corrupt outbox row is set aside and named").
// The payload is JSON text quorum wrote itself, but it lives in a table anyone with access can edit;
// a row that does not hold a call record is reported by name, never passed on as a malformed call.
import { CallTemplate, callJson, messageIdOfCall, OWN_FIELDS, type CallRecord, type CallType, type JsonValue, type OwnFields } from './calls.js';

const CALL_TYPES = new Set(['group', 'identify', 'track']);
const TRANSITIONS = new Set(['entered', 'exited', 'changed']);
const CLASSES = new Set(['audience', 'trait']);
const STRINGS = ['key', 'computation_id', 'as_of', 'run_id', 'namespace', 'space_id'] as const;
const NULLABLE_STRINGS = ['user_id', 'anonymous_id', 'group_id', 'event', 'value'] as const;

/**
 * The call record, or why the payload is not one. `head` is the shared part of the record when the
 * payload holds only the row's own part (outbox-heads.ts): the record is the two texts joined.
 */
export function readCallRecord(payload: unknown, head?: string): CallRecord | string {
  if (typeof payload !== 'string') return 'its payload is empty';
  let value: unknown;
  try {
    value = JSON.parse(head === undefined ? payload : head + payload);
  } catch {
    return 'its payload is not JSON';
  }
  return recordOrReason(value);
}

function recordOrReason(value: unknown): CallRecord | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'its payload is not a JSON object';
  const r = value as Record<string, unknown>;
  if (!CALL_TYPES.has(r.type as string)) return `its payload's type ${JSON.stringify(r.type)} is not group, identify or track`;
  if (!CLASSES.has(r.class as string)) return `its payload's class ${JSON.stringify(r.class)} is not audience or trait`;
  if (!TRANSITIONS.has(r.transition as string)) return `its payload's transition ${JSON.stringify(r.transition)} is not entered, exited or changed`;
  for (const key of STRINGS) if (typeof r[key] !== 'string') return `its payload's ${key} is not a string`;
  for (const key of NULLABLE_STRINGS) if (r[key] !== null && typeof r[key] !== 'string') return `its payload's ${key} is not a string or null`;
  if (typeof r.columns !== 'boolean') return "its payload's columns is not true or false";
  if (r.generation !== undefined && typeof r.generation !== 'string') return "its payload's generation is not a string";
  if (r.column_names !== undefined && !(Array.isArray(r.column_names) && r.column_names.every((name) => typeof name === 'string'))) {
    return "its payload's column_names is not a list of strings";
  }
  if (r.value !== null && r.class === 'trait') {
    try {
      JSON.parse(r.value as string);
    } catch {
      return "its payload's value is not JSON";
    }
  }
  return r as unknown as CallRecord;
}

export type OutboxRow = Readonly<Record<string, unknown>> & {
  readonly message_id?: unknown;
  readonly destination?: unknown;
  readonly entity_id?: unknown;
  readonly sequence?: unknown;
  readonly payload?: unknown;
};

/**
 * The row's messageId: the one it stores (state format 4 and older), else the one its record's
 * generation gives (format 5 computes it here rather than in the run's transaction). Null: neither.
 */
export function messageIdOfRow(row: OutboxRow, record: CallRecord): string | null {
  if (typeof row.message_id === 'string' && row.message_id.length > 0) return row.message_id;
  if (row.message_id !== null && row.message_id !== undefined) return null;
  if (record.generation === undefined || typeof row.destination !== 'string' || typeof row.entity_id !== 'string') return null;
  return messageIdOfCall(row.destination, row.entity_id, record, record.generation);
}

/** A call ready to send; its definition and type name it when it cannot be sent (over the call limit). */
type Serialised = { json: string; bytes: number; messageId: string; definition: string; callType: CallType };

/**
 * A call as JSON text, its size and messageId; the record is the outbox's compact payload (after
 * `head`, its shared part, when the payload holds only the row's own). A corrupt one: why.
 */
export function serialiseRow(row: OutboxRow, head?: string): Serialised | { corrupt: string } {
  const underHead = head === undefined ? null : serialisedUnderHead(row, head);
  if (underHead !== null) return underHead;
  const record = readCallRecord(row.payload, head);
  if (typeof record === 'string') return { corrupt: record };
  const messageId = messageIdOfRow(row, record);
  if (messageId === null) return { corrupt: 'it has no messageId' };
  const json = callJson(record, messageId);
  return { json, bytes: Buffer.byteLength(json, 'utf8'), messageId, definition: record.key, callType: record.type };
}

/** A head's calls: its template, the own fields where a row's part leaves them out, its generation. */
interface HeadCalls {
  readonly template: CallTemplate;
  /** as the head has them: a field it leaves out is undefined, and a row must hold it */
  readonly defaults: Record<(typeof OWN_FIELDS)[number], unknown>;
  readonly generation: string;
}
/** By the head's text: a delivery serialises thousands of calls under each. */
const headCalls = new Map<string, HeadCalls | null>();
const OWN = new Set<string>(OWN_FIELDS);

/**
 * What `serialiseRow` gives for the record `head + payload`, without parsing the head for every
 * call, or null where that takes reading the record whole (which then says what is wrong, if
 * anything). When the head closed by "}" and the payload opened by "{" in place of its leading
 * comma are both objects with members, their concatenation is one object of the head's members
 * followed by the payload's, a later duplicate winning. Only a payload of own fields (OWN_FIELDS),
 * in a row that stores no messageId, is taken here; its fields are checked as `recordOrReason`
 * checks them, and the head's were checked once, when its template was made.
 */
export function serialisedUnderHead(row: OutboxRow, head: string): Serialised | null {
  const calls = headCallsOf(head);
  const payload = row.payload;
  if (calls === null || typeof payload !== 'string' || payload.charCodeAt(0) !== 0x2c) return null;
  if ((row.message_id !== null && row.message_id !== undefined) || typeof row.destination !== 'string' || typeof row.entity_id !== 'string') return null;
  let part: unknown;
  try {
    part = JSON.parse(`{${payload.slice(1)}`);
  } catch {
    return null;
  }
  if (part === null || typeof part !== 'object' || Array.isArray(part)) return null;
  const d = calls.defaults;
  const own: Record<string, unknown> = { user_id: d.user_id, anonymous_id: d.anonymous_id, group_id: d.group_id, value: d.value };
  let members = 0;
  for (const key in part) {
    const value = (part as Record<string, unknown>)[key];
    if (!OWN.has(key) || (value !== null && typeof value !== 'string')) return null;
    own[key] = value;
    members += 1;
  }
  if (members === 0) return null;
  for (const key of OWN_FIELDS) if (own[key] !== null && typeof own[key] !== 'string') return null;
  const fields = own as unknown as OwnFields;
  let value: JsonValue = null;
  if (calls.template.shared.class === 'trait' && fields.value !== null) {
    try {
      value = JSON.parse(fields.value) as JsonValue;
    } catch {
      return null;
    }
  }
  const messageId = calls.template.messageId(row.destination, row.entity_id, fields, calls.generation);
  const json = calls.template.json(fields, value, messageId);
  return { json, bytes: Buffer.byteLength(json, 'utf8'), messageId, definition: calls.template.shared.key, callType: calls.template.shared.type };
}

function headCallsOf(head: string): HeadCalls | null {
  let calls = headCalls.get(head);
  if (calls === undefined) {
    calls = null;
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(`${head}}`);
    } catch {
      // not a head that closes into an object: each call under it is read whole
    }
    if (parsed !== null && typeof parsed === 'object' && Object.keys(parsed).length > 0) {
      // a head leaves out the own fields its rows hold: checked with them null, as each call's are checked after
      const shared = parsed as Record<string, unknown>;
      const record = recordOrReason({ ...shared, user_id: null, anonymous_id: null, group_id: null, value: null });
      if (typeof record !== 'string' && record.generation !== undefined) {
        const defaults = { user_id: shared.user_id, anonymous_id: shared.anonymous_id, group_id: shared.group_id, value: shared.value };
        calls = { template: new CallTemplate(record), defaults, generation: record.generation };
      }
    }
    if (headCalls.size >= 1000) headCalls.clear();
    headCalls.set(head, calls);
  }
  return calls;
}

/** How a report names a row's call: its messageId where it has one. */
function callName(row: OutboxRow, head: string | undefined): string {
  const record = readCallRecord(row.payload, head);
  const messageId = typeof record === 'string' ? (typeof row.message_id === 'string' ? row.message_id : null) : messageIdOfRow(row, record);
  return messageId ?? 'without a messageId';
}

/** FNV-1a over the entity id: which lane an entity's calls take. */
export function laneOf(entity: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < entity.length; i += 1) {
    h ^= entity.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % lanes;
}

/**
 * One destination's corrupt calls in one delivery, and the calls that wait behind them: once an
 * entity has a corrupt call, its later calls are held too (per-entity order is kept). Nothing held
 * is marked, so every later delivery finds the corrupt call again until someone fixes or deletes it.
 */
export class HeldCalls {
  private readonly byEntity = new Map<string, { messageId: string; sequence: number; waiting: number }>();
  private readonly sequences: number[] = [];

  /** The call's JSON, or null when it is held (`corrupt` says why when it is the corrupt one). */
  admit(row: OutboxRow, sequence: number, head?: string): Serialised | { held: true; corrupt: string | null } {
    const entity = String(row.entity_id);
    const first = this.byEntity.get(entity);
    const serialised = first === undefined ? serialiseRow(row, head) : null;
    if (serialised !== null && !('corrupt' in serialised)) return serialised;
    this.sequences.push(sequence);
    if (first !== undefined) first.waiting += 1;
    else this.byEntity.set(entity, { messageId: callName(row, head), sequence, waiting: 0 });
    return { held: true, corrupt: serialised === null ? null : serialised.corrupt };
  }

  /** Held sequences in (after, through]: a range mark must leave them alone. */
  within(after: number | null, through: number): number[] {
    return this.sequences.filter((n) => (after === null || n > after) && n <= through);
  }

  /** Into the delivery report: each corrupt call named, with what waits behind it. */
  report(destination: string, report: { failed: Record<string, number>; errors: string[]; corrupt: Record<string, string> }): void {
    for (const [entity, h] of this.byEntity) {
      report.failed[destination] = (report.failed[destination] ?? 0) + 1 + h.waiting;
      const message =
        `destination "${destination}": outbox call ${h.messageId} (sequence ${h.sequence}, entity ${JSON.stringify(entity)}) is corrupt and set aside; ` +
        `${h.waiting} later calls of that entity wait behind it. Its last_error says why; fix or delete the row (docs/operating.md, "State integrity")`;
      report.errors.push(message);
      report.corrupt[`${destination} ${h.sequence}`] = message;
    }
  }
}
