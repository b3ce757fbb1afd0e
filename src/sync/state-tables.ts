// The tables quorum keeps in the state schema (SPEC §6), described once, warehouse-free. Each
// dialect's printer turns them into `CREATE SCHEMA IF NOT EXISTS` / `CREATE TABLE IF NOT EXISTS`
// (SqlPrinter.printDdl), so `quorum run` can set up its state on every warehouse.
//
// Payloads (values, calls, summaries) are JSON *text* in a string column: every warehouse stores
// and returns a string unchanged, whereas JSON / JSONB / VARIANT each normalise differently.
import type { ColumnDefinition, Ddl } from '../sql/ast.js';

export interface StateTable {
  readonly name: string;
  readonly description: string;
  readonly columns: readonly ColumnDefinition[];
  readonly primaryKey: readonly string[];
  /** Written and deleted in bulk by every run; the run keeps its key unique (Ddl `bulk`). */
  readonly bulk?: boolean;
  /** Empty outside a run's transaction: its absence says nothing about whether a state exists. */
  readonly scratch?: boolean;
  /** The state format that added it: a state of an earlier format lacks it, and its upgrade creates it. */
  readonly addedIn?: number;
}

const column = (name: string, type: ColumnDefinition['type'], nullable = false): ColumnDefinition => ({ name, type, nullable });

export const STATE_TABLES = {
  snapshots: {
    name: 'snapshots',
    description: 'the current membership (audiences) or value (traits) of every definition, one row per entity',
    columns: [
      column('definition', 'string'),
      column('entity_id', 'string'),
      column('value', 'string', true), // JSON text; null for audience members
      column('run_id', 'string'),
      column('as_of', 'timestamp'),
    ],
    primaryKey: ['definition', 'entity_id'],
    bulk: true,
  },
  snapshot_users: {
    name: 'snapshot_users',
    description: 'the users of every account in an account-level audience, so users who join or leave an account that stays in it enter or leave with it',
    columns: [
      column('definition', 'string'),
      column('entity_id', 'string'), // the account (group_id)
      column('user_id', 'string'),
      column('position', 'integer'), // 1 = the account's earliest user (group_identity: member)
      column('run_id', 'string'),
    ],
    primaryKey: ['definition', 'entity_id', 'user_id'],
    bulk: true,
  },
  snapshot_runs: {
    name: 'snapshot_runs',
    description:
      "for every definition, the run that committed its current snapshot, the snapshot's generation (part of each messageId) and its row counts (the consistency check compares them)",
    columns: [
      column('definition', 'string'),
      column('run_id', 'string'),
      column('as_of', 'timestamp'),
      // Added by state format 2 (nullable so that the upgrade can add them to existing rows).
      column('generation', 'integer', true), // snapshots committed so far, this one included; never reset
      column('row_count', 'integer', true), // rows of the definition in `snapshots`
      column('user_count', 'integer', true), // rows of the definition in `snapshot_users`
    ],
    primaryKey: ['definition'],
  },
  snapshot_targets: {
    name: 'snapshot_targets',
    description:
      "for every definition, the destinations its calls went to when its current snapshot was committed (state format 7): a destination a definition's sync names and this table does not is new to it, and its next run sends that destination every current member (or value) as entered, the others only the changes",
    columns: [
      column('definition', 'string'),
      column('destination', 'string'),
      column('run_id', 'string'), // the run that recorded it
    ],
    primaryKey: ['definition', 'destination'],
    addedIn: 7,
  },
  staging: {
    name: 'staging',
    description: "the new result of a run, written by the compiled statement inside the run's transaction and emptied before it commits",
    columns: [
      column('definition', 'string'),
      column('entity_id', 'string'),
      column('user_id', 'string', true), // null: the entity's own row; else one of an account's users
      column('value', 'string', true), // JSON text of a trait value; null for audience members
      column('position', 'integer', true),
    ],
    primaryKey: [],
    scratch: true,
  },
  changes: {
    name: 'changes',
    description: "the run's diff of staging against the snapshots, written once and read by the counts, the outbox and the snapshot writes; emptied before the run commits",
    columns: [
      column('definition', 'string'),
      column('transition', 'string'), // entered | exited | changed | user_entered | user_exited | user_moved
      column('entity_id', 'string'),
      column('user_id', 'string', true), // user_*: the account's user
      column('value', 'string', true), // entered / changed traits: the new value (JSON text)
      column('position', 'integer', true), // user_entered / user_moved: the user's new position
    ],
    primaryKey: [],
    scratch: true,
  },
  outbox: {
    name: 'outbox',
    description: 'every call to deliver, written in the same transaction as the snapshot it comes from',
    columns: [
      column('message_id', 'string', true), // null from format 5: delivery computes it (calls.ts, messageIdOfCall)
      column('destination', 'string'),
      column('run_id', 'string'),
      column('definition', 'string'),
      column('entity_id', 'string'),
      column('transition', 'string'), // entered | exited | changed
      column('call_type', 'string'), // group | identify | track
      column('payload', 'string'), // the call as JSON text, or (format 4) its per-row tail after an outbox_heads head
      column('created_at', 'timestamp'),
      column('attempts', 'integer'),
      column('last_error', 'string', true),
      column('delivered_at', 'timestamp', true),
      column('sequence', 'integer'), // delivery order, increasing across runs
      column('rejected_at', 'timestamp', true), // a call no destination can take (over 32 KB): never retried
    ],
    primaryKey: ['destination', 'sequence'],
    bulk: true,
  },
  outbox_heads: {
    name: 'outbox_heads',
    description:
      "the part of a call record every call of one outbox insert shares (type, definition, transition, run, context), written once; an outbox row of that run and destination whose sequence lies in [first_sequence, last_sequence] holds only the rest",
    columns: [
      column('run_id', 'string'),
      column('destination', 'string'),
      column('first_sequence', 'integer'),
      column('last_sequence', 'integer'),
      column('head', 'string'), // JSON text without its closing brace; head || payload is the call record
    ],
    primaryKey: ['run_id', 'destination', 'first_sequence'],
    addedIn: 4,
  },
  outbox_generations: {
    name: 'outbox_generations',
    description:
      "a first run's entered calls of one user-level definition to one destination, written as one row instead of one outbox row per call (state format 6): its calls are the snapshot rows of the definition that still carry the run's run_id, with the outbox rows in [first_sequence, last_sequence], numbered in entity order; a later run writes a call out as an ordinary outbox row before it changes that snapshot row",
    columns: [
      column('run_id', 'string'),
      column('destination', 'string'),
      column('first_sequence', 'integer'),
      column('last_sequence', 'integer'),
      column('definition', 'string'),
      column('transition', 'string'),
      column('call_type', 'string'),
      column('with_value', 'integer'), // 1: a trait's call, whose record carries the snapshot's value
      column('created_at', 'timestamp'),
      column('delivered_through', 'integer'), // its calls from the snapshot up to this sequence are delivered
      column('delivered_at', 'timestamp', true), // when delivered_through last moved
    ],
    primaryKey: ['destination', 'first_sequence'],
    addedIn: 6,
  },
  outbox_generation_rows: {
    name: 'outbox_generation_rows',
    description:
      "the snapshot rows a later run deleted or rewrote while a first run's record by generation still stood for their calls: copied as they were, so that the record's calls and their numbering stay what they were",
    columns: [
      column('definition', 'string'),
      column('entity_id', 'string'),
      column('value', 'string', true),
      column('run_id', 'string'), // the record's run: the run that wrote the snapshot row
    ],
    primaryKey: ['definition', 'run_id', 'entity_id'],
    bulk: true,
    addedIn: 6,
  },
  runs: {
    name: 'runs',
    description: 'one row per run: when, how long, sizes, entered / exited, delivered',
    columns: [
      column('run_id', 'string'),
      column('as_of', 'timestamp'),
      column('started_at', 'timestamp'),
      column('finished_at', 'timestamp', true),
      column('status', 'string'), // running | succeeded | failed
      column('summary', 'string', true), // JSON text
    ],
    primaryKey: ['run_id'],
  },
  meta: {
    name: 'meta',
    description: 'facts about the state itself, one row per key: format_version, outbox_sequence (the last sequence written), last_run (the last run that committed)',
    columns: [column('key', 'string'), column('value', 'string')],
    primaryKey: ['key'],
  },
  lock: {
    name: 'lock',
    description: 'at most one row: the run holding the state schema, until it finishes or expires',
    columns: [
      column('name', 'string'),
      column('run_id', 'string'),
      column('acquired_at', 'timestamp'),
      column('expires_at', 'timestamp'),
      column('holder', 'string', true), // host:pid, so a run on the same host can see that the holder died
    ],
    primaryKey: ['name'],
  },
  run_modes: {
    name: 'run_modes',
    description:
      "for every definition, how the run that committed its snapshot evaluated it (SPEC §6.1): full or incremental and why, its dependency hash, the rows it read, and the as_of of the definition's last full run",
    columns: [
      column('definition', 'string'),
      column('run_id', 'string'), // counts only while it is snapshot_runs.run_id: a repair makes the next run full
      column('as_of', 'timestamp'),
      column('mode', 'string'), // full | incremental
      column('reason', 'string'), // run-mode.ts RunModeReason
      column('dependency_hash', 'string'),
      column('full_as_of', 'timestamp', true),
      column('rows_read', 'integer', true), // null: not counted (counted for `run --json` and JSON logs)
    ],
    primaryKey: ['definition'],
    addedIn: 3,
  },
  verifications: {
    name: 'verifications',
    description: '`quorum state verify`: one row per verification of the committed snapshots against a full recomputation at their run\'s as_of, with the drift it found',
    columns: [
      column('verification_id', 'string'),
      column('run_id', 'string'), // the run whose snapshots were verified
      column('as_of', 'timestamp'),
      column('started_at', 'timestamp'),
      column('finished_at', 'timestamp', true),
      column('status', 'string'), // running | clean | drift | failed
      column('definitions', 'integer'), // definitions verified
      column('drifted_definitions', 'integer'),
      column('drifted_entities', 'integer'),
      column('summary', 'string', true), // JSON text: per definition, the counts and the first entity ids
    ],
    primaryKey: ['verification_id'],
    addedIn: 3,
  },
} as const satisfies Record<string, StateTable>;

/** The DDL that creates the state schema and every state table, in order; each is idempotent. */
export function stateDdl(schema: string): Ddl[] {
  return [
    { kind: 'create_schema', schema },
    ...Object.values(STATE_TABLES).map(
      (t): Ddl => ({
        kind: 'create_table',
        schema,
        name: t.name,
        columns: t.columns,
        primaryKey: t.primaryKey,
        bulk: 'bulk' in t && t.bulk,
        ...('scratch' in t && t.scratch ? { scratch: true as const } : {}),
      }),
    ),
  ];
}
