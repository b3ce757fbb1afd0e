// The definition language and quorum.yml as zod schemas: the source of the published JSON
// Schema (schema/quorum.schema.json) that editors use for completion and inline checks.
// Validation with positions and fix-it hints is done by the parse-*.ts readers; a test keeps the
// two in agreement on the fixtures.
import { z } from 'zod';
import { COMPARISON_OPS, COMPUTE_KINDS } from './model.js';
import type { WarehouseKey, WarehouseTypes } from './parse-warehouse.js';
import { linkSchemaToDocs } from './schema-doc-links.js';

const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).describe('a snake_case name');
const level = z.enum(['user', 'account']).describe('user: one row per user_id; account: one row per group_id');
const scalar = z.union([z.string(), z.number(), z.boolean()]);
const duration = z.string().regex(/^[1-9][0-9]*[smhdw]$/).describe('a positive whole number and a unit: s, m, h, d, w (e.g. 30d)');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/).describe('an ISO-8601 date or timestamp');
const window = z
  .union([duration, z.strictObject({ between: z.tuple([isoDate, isoDate]) })])
  .describe('(as_of - duration, as_of], or [start, end)');
const count = z.number().int().min(0);

const operators = {
  equals: scalar.optional(),
  not_equals: scalar.optional(),
  in: z.array(scalar).min(1).optional(),
  not_in: z.array(scalar).min(1).optional(),
  lt: z.union([z.string(), z.number()]).optional(),
  lte: z.union([z.string(), z.number()]).optional(),
  gt: z.union([z.string(), z.number()]).optional(),
  gte: z.union([z.string(), z.number()]).optional(),
  between: z.tuple([scalar, scalar]).optional(),
  contains: z.string().optional(),
  starts_with: z.string().optional(),
  ends_with: z.string().optional(),
  exists: z.boolean().optional(),
  includes: scalar.optional(),
  ignore_case: z.boolean().optional(),
} satisfies Record<(typeof COMPARISON_OPS)[number] | 'ignore_case', z.ZodType>;

export const propertyFilterSchema = z.strictObject({ property: name, ...operators }).describe('{ property: p, <operator>: value }');

const eventName = z.string().min(1).describe('a track event name as sent (e.g. Logged In), or page / screen');

const filters = z.array(propertyFilterSchema).optional();

/** A later step of a funnel: its window is a duration after the previous step; not_performed ends the chain. */
const funnelStepSchema: z.ZodType = z.lazy(() =>
  z.union([
    z.strictObject({ performed: eventName, name: z.string().optional(), within: duration, where: filters, then: funnelStepSchema.optional() }),
    z.strictObject({ not_performed: eventName, name: z.string().optional(), within: duration, where: filters }),
  ]),
).meta({ id: 'funnel_step', description: 'the next step of a funnel: { performed: E, within: 1d } (may hold another then) or { not_performed: E, within: 1d } (the last step)' });

export const conditionSchema: z.ZodType = z.lazy(() =>
  z.union([
    z.array(conditionSchema).min(1).describe('all of these'),
    z.strictObject({ all: z.array(conditionSchema).min(1) }),
    z.strictObject({ any: z.array(conditionSchema).min(1) }),
    z.strictObject({ not: conditionSchema }),
    z.strictObject({ trait: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/), ...operators }),
    z.strictObject({ in_audience: name }),
    z.strictObject({ not_in_audience: name }),
    z.strictObject({
      performed: eventName,
      name: z.string().optional(),
      within: window.optional(),
      where: z.array(propertyFilterSchema).optional(),
      at_least: count.optional(),
      at_most: count.optional(),
      exactly: count.optional(),
    }),
    z.strictObject({ performed: eventName, name: z.string().optional(), within: window.optional(), where: filters, then: funnelStepSchema })
      .describe('a funnel: an instance of this event, then the next step within its window of it'),
    z.strictObject({ not_performed: eventName, name: z.string().optional(), within: window.optional(), where: z.array(propertyFilterSchema).optional() }),
    z.strictObject({ any_user: conditionSchema }),
    z.strictObject({ all_users: conditionSchema }),
    z.strictObject({ no_user: conditionSchema }),
    z.strictObject({
      at_least_users: z.union([
        z.strictObject({ count, where: conditionSchema }),
        z.strictObject({ percent: z.number().min(0).max(100), where: conditionSchema }),
      ]),
    }),
  ]),
).meta({ id: 'condition', description: 'a condition: a list (all of them) or one of all, any, not, trait, in_audience, not_in_audience, performed, not_performed, any_user, all_users, no_user, at_least_users' });

const calls = z.array(z.enum(['group', 'identify', 'track'])).min(1);
const audienceSync = z.array(
  z.strictObject({
    to: z.string().describe('a destination of quorum.yml'),
    calls: calls.optional(),
    track_events: z.strictObject({ entered: z.string().optional(), exited: z.string().optional() }).optional(),
  }),
);
const traitSync = z.array(z.strictObject({ to: z.string(), calls: calls.optional() }));

export const audienceSchema = z.strictObject({
  audience: name,
  level,
  description: z.string().optional(),
  schedule: z.string().optional().describe('a cron expression, e.g. "0 */1 * * *"'),
  where: conditionSchema,
  max_exit_fraction: z.number().min(0).max(1).optional(),
  sync: audienceSync.optional(),
});

export const computedTraitSchema = z.strictObject({
  computed_trait: name,
  level,
  description: z.string().optional(),
  compute: z.enum(COMPUTE_KINDS as [string, ...string[]]),
  event: eventName,
  name: z.string().optional().describe('page / screen name (with event: page or screen)'),
  within: window.optional(),
  where: z.array(propertyFilterSchema).optional(),
  property: name.optional().describe('required by every compute kind but count'),
  min_frequency: z.number().int().min(1).optional(),
  scope: z.enum(['users', 'group_context']).optional(),
  sync: traitSync.optional(),
});

export const sqlTraitSchema = z.strictObject({
  sql_trait: name,
  level,
  description: z.string().optional(),
  sql: z.string().describe("one read-only SELECT; {{ source('name') }} and {{ as_of }} are the only template expressions"),
  columns: z.array(name).min(1).optional(),
  sync: traitSync.optional(),
});

export const definitionSchema = z.union([audienceSchema, computedTraitSchema, sqlTraitSchema]);
export const definitionFileSchema = z.union([definitionSchema, z.array(definitionSchema)]).describe('audiences/*.yml, traits/*.yml');

const text = z.string().min(1);
const destinationSchema = z.union([
  z.strictObject({ type: z.literal('segment'), write_key: text, endpoint: text.optional(), group_identity: z.enum(['anonymous', 'member']).optional() }),
  z.strictObject({ type: z.literal('webhook'), url: text, headers: z.record(z.string(), z.string()).optional(), secret: text.optional() }),
  z.strictObject({ type: z.literal('file'), path: text }),
  z.strictObject({ type: z.literal('stdout') }),
]);

const warehouseText = z.string().min(1);
const warehouseValue = (key: WarehouseKey): z.ZodType => {
  if (key.form === 'whole_number') return z.union([z.number().int().min(1), z.string().regex(/^\s*\d+\s*$/)]);
  // dialects/duckdb/duckdb-config.ts's size units
  if (key.form === 'size') return z.string().regex(/^\s*\d+(\.\d+)?\s*[A-Za-z]+\s*$/);
  return warehouseText;
};
const warehouseKey = (key: WarehouseKey) => (key.optional ? warehouseValue(key).optional() : warehouseValue(key)).describe(key.description);

/** The JSON Schema of `warehouse:`: one shape per dialect; the default's `type` may be left out. */
function warehouseSchema(types: WarehouseTypes): z.ZodType {
  const names = types.names.map((name) => (name === types.defaultName ? `${name} (default)` : name));
  const described = `${names.slice(0, -1).join(', ')}${names.length > 1 ? ' or ' : ''}${names.at(-1) ?? ''}`;
  // parse-warehouse.ts's COMMON_WAREHOUSE_KEYS, read by parse-config.ts
  const common = {
    connect_timeout: z
      .union([z.number().positive(), z.string().regex(/^\s*\d+(\.\d+)?\s*(ms|s|m)?\s*$/)])
      .optional()
      .describe('how long connecting may take before quorum names the cause and gives up: seconds, or 30s, 500ms, 2m (default 30s; browser sign-in is exempt)'),
  };
  const shapes = types.names.map((name) => {
    const literal = z.literal(name).describe(described);
    const keys = Object.entries(types(name)?.config.keys ?? {}).map(([key, spec]) => [key, warehouseKey(spec)] as const);
    return z.strictObject({ type: name === types.defaultName ? literal.optional() : literal, ...common, ...Object.fromEntries(keys) });
  });
  return z.union(shapes);
}

/** quorum.yml; `warehouse:` takes the shapes of the dialects of this build. */
export const configSchema = (warehouses: WarehouseTypes) => z
  .strictObject({
    warehouse: warehouseSchema(warehouses).optional(),
    source: z
      .strictObject({
        preset: z.enum(['segment', 'rudderstack']).optional(),
        schema: name.optional(),
        event_time: name.optional(),
        arrival_time: name.optional().describe('the column that records when a row was loaded; default uuid_ts where a table has it, else received_at'),
        tables: z.strictObject({ identifies: name, groups: name, tracks: name, pages: name, screens: name }).partial().optional(),
        columns: z
          .strictObject({
            id: name, user_id: name, anonymous_id: name, group_id: name, event: name, event_text: name,
            context_group_id: name, name,
          })
          .partial()
          .optional(),
      })
      .optional(),
    state: z
      .strictObject({
        schema: name.optional(),
        outbox_retention_days: z.number().min(0).max(36_500).optional().describe('delivered outbox rows older than this many days are deleted at the end of a run; default 7'),
      })
      .optional(),
    identity: z
      .strictObject({
        stitch: z.enum(['off', 'anonymous_id']).optional().describe('anonymous_id: rows with only an anonymous_id count for the user it was identified as (SPEC §2.1); default off'),
        conflict: z.enum(['first', 'last']).optional().describe('an anonymous_id seen with several user_ids belongs to the user of its earliest (first) or latest (last) edge; default first'),
      })
      .optional()
      .describe('identity stitching; off unless set'),
    incremental: z
      .strictObject({
        enabled: z.boolean().optional().describe('true: runs evaluate incrementally from the partials in the state; default false (every run is a full run)'),
        arrival_lag: z.union([duration, z.literal(0), z.literal('0')]).optional().describe('rows may be loaded up to this long out of arrival-column order; default 1h'),
        full_every: duration.optional().describe('a full, reconciling run at least this often; default only when needed'),
        verify_every: duration.optional().describe('quorum state verify after a run when the last verification is older than this; default never'),
      })
      .optional()
      .describe('incremental runs (docs/operating.md)'),
    destinations: z.record(z.string(), destinationSchema).optional(),
    max_exit_fraction: z.number().min(0).max(1).optional(),
    personas: z.strictObject({ namespace: text.optional(), space_id: text.optional() }).optional(),
    schedule: z
      .strictObject({
        default: z.string().optional().describe('the cron of definitions without their own schedule, e.g. "0 * * * *"'),
        timezone: z.string().optional().describe('the IANA time zone every cron expression is read in; default UTC'),
      })
      .optional()
      .describe('quorum schedule'),
  })
  .describe('quorum.yml; ${VAR} in any string is read from the environment');

/** The published schema: a quorum.yml or a definition file. */
export function quorumJsonSchema(warehouses: WarehouseTypes): Record<string, unknown> {
  const schema = z.toJSONSchema(z.union([configSchema(warehouses), definitionFileSchema]), { target: 'draft-2020-12', unrepresentable: 'any' });
  linkSchemaToDocs(schema);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'quorum project files (quorum.yml, audiences/*.yml, traits/*.yml)',
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  };
}
