// Reading an outbox row's payload back (SPEC §6: "a corrupt outbox row is set aside and named").
// The payload is JSON text quorum wrote itself, but it lives in a table anyone with access can edit;
// a row that does not hold a call record is reported by name, never passed on as a malformed call.
import { callJson, messageIdOfCall, type CallRecord } from './calls.js';

const CALL_TYPES = new Set(['group', 'identify', 'track']);
const TRANSITIONS = new Set(['entered', 'exited', 'changed']);
const CLASSES = new Set(['audience', 'trait']);
const STRINGS = ['key', 'computation_id', 'as_of', 'run_id', 'namespace', 'space_id'] as const;
const NULLABLE_STRINGS = ['user_id', 'anonymous_id', 'group_id', 'event', 'value'] as const;

/** The call record, or why the payload is not one. */
export function readCallRecord(payload: unknown): CallRecord | string {
  if (typeof payload !== 'string') return 'its payload is empty';
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return 'its payload is not JSON';
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'its payload is not a JSON object';
  const r = value as Record<string, unknown>;
  if (!CALL_TYPES.has(r.type as string)) return `its payload's type ${JSON.stringify(r.type)} is not group, identify or track`;
  if (!CLASSES.has(r.class as string)) return `its payload's class ${JSON.stringify(r.class)} is not audience or trait`;
  if (!TRANSITIONS.has(r.transition as string)) return `its payload's transition ${JSON.stringify(r.transition)} is not entered, exited or changed`;
  for (const key of STRINGS) if (typeof r[key] !== 'string') return `its payload's ${key} is not a string`;
  for (const key of NULLABLE_STRINGS) if (r[key] !== null && typeof r[key] !== 'string') return `its payload's ${key} is not a string or null`;
  if (typeof r.columns !== 'boolean') return "its payload's columns is not true or false";
  if (r.generation !== undefined && typeof r.generation !== 'string') return "its payload's generation is not a string";
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

/** A call as JSON text, its size and messageId; the record is the outbox's compact payload. A corrupt one: why. */
export function serialiseRow(row: OutboxRow): { json: string; bytes: number; messageId: string } | { corrupt: string } {
  const record = readCallRecord(row.payload);
  if (typeof record === 'string') return { corrupt: record };
  const messageId = messageIdOfRow(row, record);
  if (messageId === null) return { corrupt: 'it has no messageId' };
  const json = callJson(record, messageId);
  return { json, bytes: Buffer.byteLength(json, 'utf8'), messageId };
}

/** How a report names a row's call: its messageId where it has one. */
function callName(row: OutboxRow): string {
  const record = readCallRecord(row.payload);
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
  admit(row: OutboxRow, sequence: number): { json: string; bytes: number; messageId: string } | { held: true; corrupt: string | null } {
    const entity = String(row.entity_id);
    const first = this.byEntity.get(entity);
    const serialised = first === undefined ? serialiseRow(row) : null;
    if (serialised !== null && !('corrupt' in serialised)) return serialised;
    this.sequences.push(sequence);
    if (first !== undefined) first.waiting += 1;
    else this.byEntity.set(entity, { messageId: callName(row), sequence, waiting: 0 });
    return { held: true, corrupt: serialised === null ? null : serialised.corrupt };
  }

  /** Held sequences in (after, through]: a range mark must leave them alone. */
  within(after: number | null, through: number): number[] {
    return this.sequences.filter((n) => (after === null || n > after) && n <= through);
  }

  /** Into the delivery report: each corrupt call named, with what waits behind it. */
  report(destination: string, report: { failed: Record<string, number>; errors: string[] }): void {
    for (const [entity, h] of this.byEntity) {
      report.failed[destination] = (report.failed[destination] ?? 0) + 1 + h.waiting;
      report.errors.push(
        `destination "${destination}": outbox call ${h.messageId} (sequence ${h.sequence}, entity ${JSON.stringify(entity)}) is corrupt and set aside; ` +
          `${h.waiting} later calls of that entity wait behind it. Its last_error says why; fix or delete the row (docs/operating.md, "State integrity")`,
      );
    }
  }
}
