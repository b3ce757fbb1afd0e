// Every key of the published JSON Schema gets a description that links to its entry in
// docs/language.md, so that an editor's hover leads to the reference. The table is keyed by the
// object a key belongs to: the name of the key that holds the object (`sync`, `where`, `source`,
// ...) or, for an object that stands alone (a definition, quorum.yml, one shape of condition), its
// first key prefixed with '#'. A test checks that every key has a link and every link an anchor.
// A warehouse's own keys are described by its dialect (dialects/<name>/<name>-config.ts) and
// linked to the section of their object (OWNER_ANCHORS).

export const LANGUAGE_DOC = 'docs/language.md';

type Entry = readonly [anchor: string, text: string];
type Keys = Readonly<Record<string, Entry>>;

const OPERATORS: Keys = {
  equals: ['op-equals', 'equal to the value (null: false)'],
  not_equals: ['op-not-equals', 'not equal to the value, or null'],
  in: ['op-in', 'equal to one of the listed values (null: false)'],
  not_in: ['op-not-in', 'equal to none of the listed values, or null'],
  lt: ['op-lt', 'less than (numbers as numbers, text by code point)'],
  lte: ['op-lte', 'less than or equal'],
  gt: ['op-gt', 'greater than'],
  gte: ['op-gte', 'greater than or equal'],
  between: ['op-between', '[low, high], inclusive at both ends'],
  contains: ['op-contains', 'the text contains this substring (no wildcards)'],
  starts_with: ['op-starts-with', 'the text starts with this'],
  ends_with: ['op-ends-with', 'the text ends with this'],
  exists: ['op-exists', 'true: has a value; false: is null'],
  includes: ['op-includes', 'the list trait holds this value'],
  ignore_case: ['op-ignore-case', 'compare text case-insensitively (equals, not_equals, in, not_in, contains, starts_with, ends_with); default false'],
};

const LEVEL: Entry = ['key-level', 'user: one row per user_id; account: one row per group_id'];
const DESCRIPTION: Entry = ['key-description', 'text for people: what the definition is for'];
const SYNC: Entry = ['sync', 'the destinations this definition\'s changes are sent to'];
const WINDOW: Entry = ['windows', 'a duration such as 30d, meaning (as_of - 30d, as_of], or { between: [start, end] }; default all time up to as_of'];
const FILTERS: Entry = ['property-filters', 'event property filters, all must hold: - { property: p, <operator>: value }'];
const PAGE_NAME: Entry = ['event-page', 'with page / screen: only views with this name'];
const FUNNEL: Entry = ['funnels', 'a funnel step that must follow this one (docs/funnels.md)'];
const SOURCE: Entry = ['config-source', 'a table or column name of the source layout'];

/** The keys every definition has: its name, level, description and sync. */
const definitionKeys = (head: string, anchor: string): Keys => ({
  [head]: [anchor, `the ${head.replace('_', ' ')}'s name, unique across audiences and traits`],
  level: LEVEL,
  description: DESCRIPTION,
  sync: SYNC,
});

const performedKeys = (head: 'performed' | 'not_performed'): Keys => ({
  [head]: head === 'performed'
    ? ['leaf-performed', 'a track event name as sent (e.g. Logged In), or page / screen: the user performed it']
    : ['leaf-not-performed', 'a track event name as sent, or page / screen: the user did not perform it in the window'],
  name: PAGE_NAME,
  within: WINDOW,
  where: FILTERS,
  at_least: ['count-at-least', 'at least N matching events; default 1'],
  at_most: ['count-at-most', 'at most N matching events (includes users who never performed it)'],
  exactly: ['count-exactly', 'exactly N matching events (0 includes users who never performed it)'],
  then: FUNNEL,
});

const KEYS: Readonly<Record<string, Keys>> = {
  // quorum.yml
  '#warehouse': {
    warehouse: ['config-warehouse', 'where the data is and where the SQL runs; default an embedded DuckDB file warehouse.duckdb'],
    source: ['config-source', 'the tables and columns quorum reads; default the Segment layout in schema app'],
    state: ['config-state', 'where quorum keeps its own tables; default schema quorum'],
    destinations: ['config-destinations', 'where calls are sent, by name'],
    max_exit_fraction: ['config-max-exit-fraction', 'the guardrail: an audience losing more than this fraction of its members is held back; default 0.5'],
    personas: ['config-personas', 'namespace and space_id of context.personas; default "quorum"'],
    schedule: ['config-schedule', 'quorum schedule: the default cron and the time zone'],
    identity: ['identity-stitching', 'identity stitching (docs/identity.md)'],
    incremental: ['config-incremental', 'incremental runs: arrival_lag, full_every, verify_every (docs/operating.md)'],
  },
  // warehouse: its keys are described by the core's and each dialect's schema (OWNER_ANCHORS)
  source: {
    preset: ['config-source', 'segment (default) or rudderstack: the table and column names of the event data'],
    schema: ['config-source', 'the schema (dataset) the event tables live in; default app'],
    event_time: ['config-source', 'the column that is every row\'s event time; default timestamp'],
    arrival_time: ['config-source', 'the column that records when a row was loaded (incremental runs read rows by it); default uuid_ts where a table has it, else received_at'],
    tables: ['config-source', 'renamed tables: identifies, groups, tracks, pages, screens'],
    columns: ['config-source', 'renamed columns: id, user_id, anonymous_id, group_id, event, event_text, context_group_id, name'],
  },
  tables: Object.fromEntries(['identifies', 'groups', 'tracks', 'pages', 'screens'].map((key) => [key, SOURCE])),
  columns: Object.fromEntries(['id', 'user_id', 'anonymous_id', 'group_id', 'event', 'event_text', 'context_group_id', 'name'].map((key) => [key, SOURCE])),
  state: {
    schema: ['config-state', 'the schema quorum writes its snapshots, outbox, runs and lock to; default quorum'],
    outbox_retention_days: ['config-state', 'delivered outbox rows older than this many days are deleted at the end of a run; default 7'],
  },
  destinations: {
    type: ['config-destinations', 'segment, webhook, file or stdout'],
    write_key: ['dest-segment', 'segment: the write key, sent as Basic auth; use ${VAR}'],
    endpoint: ['dest-segment', 'segment: the HTTP Tracking API base URL; default https://api.segment.io'],
    group_identity: ['dest-segment', 'segment: anonymous (default; anonymousId "account:<id>") or member (the earliest user\'s userId)'],
    url: ['dest-webhook', 'webhook: the http(s) URL batches are POSTed to'],
    headers: ['dest-webhook', 'webhook: extra HTTP headers'],
    secret: ['dest-webhook', 'webhook: signs each batch with HMAC-SHA256 in X-Quorum-Signature'],
    path: ['dest-file', 'file: the NDJSON file calls are appended to, inside the project (relative to it, or absolute)'],
  },
  personas: {
    namespace: ['config-personas', 'context.personas.namespace of every call; default quorum'],
    space_id: ['config-personas', 'context.personas.space_id of every call; default quorum'],
  },
  schedule: {
    default: ['config-schedule', 'the cron of definitions without their own schedule, e.g. "0 * * * *"; none by default'],
    timezone: ['config-schedule', 'the IANA time zone every cron expression is read in; default UTC'],
  },
  incremental: {
    enabled: ['config-incremental', 'true: runs evaluate incrementally from the partials in the state; default false (every run is a full run)'],
    arrival_lag: ['config-incremental', 'rows may be loaded up to this long out of arrival-column order; default 1h'],
    full_every: ['config-incremental', 'a full, reconciling run at least this often; default only when needed'],
    verify_every: ['config-incremental', 'quorum state verify after a run when the last verification is older than this; default never'],
  },
  identity: {
    stitch: ['identity-stitching', 'off or anonymous_id (docs/identity.md)'],
    conflict: ['identity-stitching', 'first or last (docs/identity.md)'],
  },
  // definitions
  '#audience': {
    ...definitionKeys('audience', 'audiences'),
    schedule: ['audience-schedule', 'a cron expression for quorum schedule, e.g. "0 */1 * * *"'],
    where: ['audience-where', 'the condition every member satisfies'],
    max_exit_fraction: ['audience-max-exit-fraction', 'hold the audience back when it would lose more than this fraction of its members; default quorum.yml\'s, else 0.5'],
  },
  '#computed_trait': {
    ...definitionKeys('computed_trait', 'computed-traits'),
    compute: ['compute-kinds', 'count, sum, avg, min, max, most_frequent, first, last, unique_list or unique_count'],
    event: ['ct-event', 'a track event name as sent (e.g. Logged In), or page / screen'],
    name: PAGE_NAME,
    within: WINDOW,
    where: FILTERS,
    property: ['ct-property', 'the event property to aggregate; required by every compute kind but count'],
    min_frequency: ['ct-min-frequency', 'most_frequent only: a value must be seen this many times; default 2'],
    scope: ['scope-group-context', 'account level: users (default) or group_context (only events whose context_group_id is the account)'],
  },
  '#sql_trait': {
    ...definitionKeys('sql_trait', 'sql-traits'),
    sql: ['sql-templates', "one read-only SELECT; {{ source('name') }} and {{ as_of }} are the only template expressions"],
    columns: ['sql-columns', 'the trait columns the query returns (not user_id / group_id); default learnt from the warehouse'],
  },
  sync: {
    to: ['sync-to', 'a destination of quorum.yml'],
    calls: ['sync-calls', 'which of group, identify, track this destination gets; default every call the definition can send (traits: group or identify)'],
    track_events: ['sync-track-events', 'audiences: the names of the entered / exited track events'],
  },
  track_events: {
    entered: ['sync-track-events', 'the track event sent on entering; default Audience Entered'],
    exited: ['sync-track-events', 'the track event sent on exiting; default Audience Exited'],
  },
  within: { between: ['window-between', '[start, end): ISO-8601 dates (midnight UTC) or timestamps'] },
  where: { property: ['property-filters', 'an event property: a column of the event\'s table, in snake case'], ...OPERATORS },
  // conditions
  '#all': { all: ['cond-all', 'true when every condition of the list is'] },
  '#any': { any: ['cond-any', 'true when at least one condition of the list is'] },
  '#not': { not: ['cond-not', 'the exact complement of the condition'] },
  '#trait': { trait: ['leaf-trait', 'a computed, SQL (name.column) or custom trait of the same level'], ...OPERATORS },
  '#in_audience': { in_audience: ['leaf-in-audience', 'a member of this audience (user level: an account audience passes through to its users)'] },
  '#not_in_audience': { not_in_audience: ['leaf-not-in-audience', 'not a member of this audience'] },
  '#performed': performedKeys('performed'),
  '#not_performed': performedKeys('not_performed'),
  '#any_user': { any_user: ['q-any-user', 'at least one of the account\'s users satisfies the condition'] },
  '#all_users': { all_users: ['q-all-users', 'the account has users and every one satisfies the condition'] },
  '#no_user': { no_user: ['q-no-user', 'none of the account\'s users satisfies the condition (an account without users matches)'] },
  '#at_least_users': { at_least_users: ['q-at-least-users', '{ count: N, where: C } or { percent: P, where: C }'] },
  at_least_users: {
    count: ['q-at-least-users', 'at least this many users satisfy where'],
    percent: ['q-at-least-users', 'at least this percentage (0-100) of the account\'s users satisfy where'],
    where: ['q-at-least-users', 'the user-level condition'],
  },
  then: {
    ...performedKeys('performed'),
    not_performed: FUNNEL,
    performed: FUNNEL,
  },
};

/** Objects whose keys may bring their own description (from a dialect): the anchor they link to. */
const OWNER_ANCHORS: Readonly<Record<string, string>> = { warehouse: 'config-warehouse' };

/** Shared definitions of the schema ($defs), by name. */
const DEFS: Readonly<Record<string, string>> = { condition: 'conditions' };

type JsonObject = { [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A key that its own schema describes, in an object of OWNER_ANCHORS. */
function describedBy(owner: string, child: unknown): Entry | undefined {
  const anchor = OWNER_ANCHORS[owner];
  return anchor !== undefined && isObject(child) && typeof child.description === 'string' ? [anchor, child.description] : undefined;
}

export function docLink(anchor: string): string {
  return `${LANGUAGE_DOC}#${anchor}`;
}

/**
 * Adds a description with its docs/language.md link to every key of a JSON Schema (in place).
 * Returns the keys that the table does not know, as `scope.key`, so that a test can demand none.
 */
export function linkSchemaToDocs(schema: JsonObject): string[] {
  const unknown: string[] = [];
  const visit = (node: unknown, scope: string | null): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, scope);
      return;
    }
    if (!isObject(node)) return;
    const properties = node.properties;
    if (isObject(properties)) {
      const owner = scope ?? `#${Object.keys(properties)[0]}`;
      for (const [key, child] of Object.entries(properties)) {
        const entry = KEYS[owner]?.[key] ?? describedBy(owner, child);
        if (!entry) unknown.push(`${owner}.${key}`);
        else if (isObject(child)) child.description = `${entry[1]}. See ${docLink(entry[0])}`;
        visit(child, key);
      }
    }
    for (const [key, child] of Object.entries(node)) {
      if (key === 'properties') continue;
      // $defs start afresh: a definition there stands alone.
      if (key === '$defs' && isObject(child)) {
        for (const [name, def] of Object.entries(child)) {
          const anchor = DEFS[name];
          if (!anchor) unknown.push(`$defs.${name}`);
          else if (isObject(def)) def.description = `${String(def.description ?? name)}. See ${docLink(anchor)}`;
          visit(def, null);
        }
      } else visit(child, scope);
    }
  };
  visit(schema, null);
  return unknown;
}

/** Every docs/language.md anchor the table links to. */
export function linkedAnchors(): string[] {
  const anchors = [...Object.values(KEYS).flatMap((keys) => Object.values(keys).map(([anchor]) => anchor)), ...Object.values(DEFS)];
  return [...new Set(anchors)].sort();
}
