// The calls quorum emits (SPEC §6), in the shape Segment Engage sends. The outbox holds a compact
// record of each call (built in SQL, see diff-sql.ts); `expandCall` turns it into the Segment-spec
// call at delivery. Both are pure and deterministic, so a retried call is byte-for-byte the same
// call with the same messageId.
import * as crypto from 'node:crypto';
import type { Definition } from '../definitions/model.js';
import type { CallType, JsonValue, SegmentCall } from '../destinations/segment-call.js';
import { VERSION } from '../version.js';

export type { CallType, JsonValue, SegmentCall } from '../destinations/segment-call.js';
export type Transition = 'entered' | 'exited' | 'changed';

/** The outbox's `payload` column: everything needed to build the call, nothing from the project. */
export interface CallRecord {
  readonly type: CallType;
  readonly class: 'audience' | 'trait';
  readonly key: string; // the definition's name
  readonly computation_id: string;
  readonly transition: Transition;
  readonly user_id: string | null;
  readonly anonymous_id: string | null;
  /** group: the groupId; identify / track: context.groupId (null at user level). */
  readonly group_id: string | null;
  readonly event: string | null; // track only
  /** traits: the new value as JSON text (null when the entity dropped out) */
  readonly value: string | null;
  /** a multi-column SQL trait: `value` is an object of columns, each its own trait */
  readonly columns: boolean;
  /**
   * A multi-column SQL trait's columns, each nulled when the entity drops out (SPEC §6): its
   * `value` is then null, and the column names are nowhere else. Absent in records written before
   * it was added, which null the definition's name alone.
   */
  readonly column_names?: readonly string[];
  readonly as_of: string;
  readonly run_id: string;
  readonly namespace: string;
  readonly space_id: string;
  /**
   * State format 5: the generation of the snapshot the call comes from, the last part of its
   * messageId, which delivery computes (`messageIdOfCall`); absent where the outbox row stores its
   * messageId (rows of format 4 and older).
   */
  readonly generation?: string;
}

/**
 * Engage's `computation_id`: stable for a definition across edits of its conditions (so a
 * destination keeps one list per audience), different between an audience and a trait of one name.
 */
export function computationId(definition: Pick<Definition, 'kind' | 'name'>): string {
  const prefix = definition.kind === 'audience' ? 'aud' : 'trt';
  return `${prefix}_${crypto.createHash('sha256').update(`${definition.kind}\u0000${definition.name}`).digest('hex').slice(0, 24)}`;
}

/**
 * The messageId: "quorum-" + MD5 hex over length-prefixed parts (destination, definition, call,
 * entity, user, transition, as_of, generation), 39 characters. Delivery computes it
 * (`messageIdOfCall`); outbox rows of state format 4 and older hold the same value, computed by the
 * warehouse when they were written.
 * Lengths count code points, as SQL's LENGTH does.
 */
export function messageIdOf(parts: readonly string[]): string {
  let text = '';
  for (const part of parts) text += `${codePoints(part)}:${part}`;
  return `quorum-${md5Hex(text)}`;
}

/**
 * Delivery hashes every call it sends: the one-shot `crypto.hash` (Node 20.12+) and a counting loop
 * took 0.36 s for 200,000 ids where `createHash` and `[...part].length` took 0.9 s.
 */
const md5Hex: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('md5', text, 'hex') : (text) => crypto.createHash('md5').update(text, 'utf8').digest('hex');

/** The string's length in code points (a surrogate pair is one; a lone surrogate is one too). */
function codePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i + 1 < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) continue;
    const next = text.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) {
      n -= 1;
      i += 1;
    }
  }
  return n;
}

/**
 * The messageId of an outbox row's call, from the row and its record: the same parts, in the same
 * order, as the warehouse hashed into the stored messageId before state format 5, so a call keeps
 * its id whichever format wrote it. Only the identify and track calls of an account-level audience
 * name a user in the id (one call per user of the account); they are the audience calls that carry
 * the account in context.groupId.
 */
export function messageIdOfCall(destination: string, entity: string, record: CallRecord, generation: string): string {
  return messageIdOfParts(destination, entity, record, record, generation);
}

function messageIdOfParts(destination: string, entity: string, shared: SharedFields, own: OwnFields, generation: string): string {
  const perUser = shared.class === 'audience' && shared.type !== 'group' && own.group_id !== null;
  return messageIdOf([destination, shared.key, shared.type, entity, perUser ? own.user_id ?? '' : '', shared.transition, shared.as_of, generation]);
}

/** The fields each outbox row holds itself (its payload); a head holds every other field of its rows' records. */
export const OWN_FIELDS = ['user_id', 'anonymous_id', 'group_id', 'value'] as const;
export type OwnFields = Pick<CallRecord, (typeof OWN_FIELDS)[number]>;
type SharedFields = Omit<CallRecord, (typeof OWN_FIELDS)[number]>;

/** A trait call's traits (and a track call's properties but its key), from its value parsed. */
function traitValues(shared: Pick<CallRecord, 'key' | 'columns' | 'column_names'>, value: JsonValue): Record<string, JsonValue> {
  if (!shared.columns) return { [shared.key]: value };
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return { ...value };
  if (value === null && shared.column_names !== undefined && shared.column_names.length > 0) return Object.fromEntries(shared.column_names.map((name) => [name, null]));
  return { [shared.key]: value };
}

/** The record's value parsed (a trait's value is JSON text; an audience's is null). */
export function parsedValue(record: Pick<CallRecord, 'class' | 'value'>): JsonValue {
  return record.class === 'trait' && record.value !== null ? (JSON.parse(record.value) as JsonValue) : null;
}

/**
 * The call as JSON text, byte for byte `JSON.stringify(expandCall(record, messageId))` (a test
 * holds them equal), built without the intermediate object.
 */
export function callJson(record: CallRecord, messageId: string): string {
  return new CallTemplate(record).json(record, parsedValue(record), messageId);
}

/**
 * The calls that share every field but their own (OWN_FIELDS), serialised from text made once:
 * delivery builds one per outbox head and reuses it for every call the head covers, where parsing
 * and building each call whole cost most of its serialisation (BENCHMARKS.md, "Delivery: one
 * template per head, and chunks of snapshot rows"). `callJson` builds every call through one too,
 * so the two cannot differ.
 */
export class CallTemplate {
  /** `{"type":...,"messageId":` */
  private readonly opening: string;
  /** `,"timestamp":...,` */
  private readonly timestamp: string;
  /** `,"context":{...` without the closing brace */
  private readonly context: string;
  /** an audience's traits (group, identify) or properties (track); null for a trait */
  private readonly audienceValues: string | null;
  /** a track call's event */
  private readonly event: string;

  constructor(readonly shared: SharedFields) {
    const q = JSON.stringify;
    this.opening = `{"type":${q(shared.type)},"messageId":`;
    this.timestamp = `,"timestamp":${q(shared.as_of)},`;
    this.context = `,"context":${contextPrefix(shared)}`;
    this.event = q(shared.event ?? '');
    if (shared.class === 'audience') {
      const values = { [shared.key]: shared.transition === 'entered' };
      this.audienceValues = shared.type === 'track' ? q({ audience_key: shared.key, ...values }) : q(values);
    } else {
      this.audienceValues = null;
    }
  }

  /** One call: its own fields, its value parsed (`parsedValue`), its messageId. */
  json(own: OwnFields, value: JsonValue, messageId: string): string {
    const q = JSON.stringify;
    const shared = this.shared;
    const identity = own.user_id !== null ? `"userId":${q(own.user_id)}` : `"anonymousId":${q(own.anonymous_id ?? '')}`;
    const head = `${this.opening}${q(messageId)}${this.timestamp}${identity}`;
    const groupContext = shared.type !== 'group' && own.group_id !== null ? `,"groupId":${q(own.group_id)}` : '';
    const tail = `${this.context}${groupContext}},"integrations":{}}`;
    switch (shared.type) {
      case 'group':
        return `${head},"groupId":${q(own.group_id ?? '')},"traits":${this.audienceValues ?? q(traitValues(shared, value))}${tail}`;
      case 'identify':
        return `${head},"traits":${this.audienceValues ?? q(traitValues(shared, value))}${tail}`;
      case 'track': {
        const properties = this.audienceValues ?? q({ trait_key: shared.key, ...traitValues(shared, value) });
        return `${head},"event":${this.event},"properties":${properties}${tail}`;
      }
      default: {
        const never: never = shared.type;
        throw new Error(`unknown call type ${String(never)}`);
      }
    }
  }

  /** A call's messageId (`messageIdOfCall`). */
  messageId(destination: string, entity: string, own: OwnFields, generation: string): string {
    return messageIdOfParts(destination, entity, this.shared, own, generation);
  }
}

const contextPrefixes = new Map<string, string>();

/** `{"library":...,"personas":{...},"quorum":{...}` without the closing brace, cached. */
function contextPrefix(record: SharedFields): string {
  const key = [record.class, record.key, record.computation_id, record.namespace, record.space_id, record.run_id, record.as_of].join('\u0000');
  let prefix = contextPrefixes.get(key);
  if (prefix === undefined) {
    const q = JSON.stringify;
    prefix =
      `{"library":${q({ name: 'quorum', version: VERSION })},"personas":${q({
        computation_class: record.class,
        computation_key: record.key,
        computation_id: record.computation_id,
        namespace: record.namespace,
        space_id: record.space_id,
      })},"quorum":${q({ run_id: record.run_id, as_of: record.as_of })}`;
    if (contextPrefixes.size >= 1000) contextPrefixes.clear();
    contextPrefixes.set(key, prefix);
  }
  return prefix;
}

export function expandCall(record: CallRecord, messageId: string): SegmentCall {
  const context: Record<string, JsonValue> = {
    library: { name: 'quorum', version: VERSION },
    personas: {
      computation_class: record.class,
      computation_key: record.key,
      computation_id: record.computation_id,
      namespace: record.namespace,
      space_id: record.space_id,
    },
    quorum: { run_id: record.run_id, as_of: record.as_of },
  };
  if (record.type !== 'group' && record.group_id !== null) context.groupId = record.group_id;
  const identity = record.user_id !== null ? { userId: record.user_id } : { anonymousId: record.anonymous_id ?? '' };
  const envelope = { messageId, timestamp: record.as_of, ...identity };
  const values: Record<string, JsonValue> = record.class === 'audience' ? { [record.key]: record.transition === 'entered' } : traitValues(record, parsedValue(record));
  switch (record.type) {
    case 'group':
      return { type: 'group', ...envelope, groupId: record.group_id ?? '', traits: values, context, integrations: {} };
    case 'identify':
      return { type: 'identify', ...envelope, traits: values, context, integrations: {} };
    case 'track': {
      const properties = record.class === 'audience' ? { audience_key: record.key, ...values } : { trait_key: record.key, ...values };
      return { type: 'track', ...envelope, event: record.event ?? '', properties, context, integrations: {} };
    }
    default: {
      const never: never = record.type;
      throw new Error(`unknown call type ${String(never)}`);
    }
  }
}
