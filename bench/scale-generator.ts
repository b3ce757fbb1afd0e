// The benchmark's warehouse: Segment-layout data (SPEC §2) at a scale factor, written inside
// DuckDB with set-based SQL (`range`, `hash`), never a JavaScript loop over rows. Every random
// choice is `hash(key, salt, seed)` of the row's own identity, so one (sf, seed) always gives the
// same rows, whatever the thread count.
//
// SF1: 10,000 accounts, 100,000 users, 10,000,000 track events over 5 event tables (plus the
// same events in `tracks`). SF10 is ten times that; SF0.01 is the CI smoke size.
// - Account sizes have a heavy tail: a user's home account is `A * r^2.5` (account 1 has ~2.5%
//   of all users; the last ones a handful or none). 8% of users belong to no account, 20% are in
//   a second account and 5% in a third.
// - Users join over the year before as_of; 35% go dormant 10-70 days after joining. Event
//   activity is heavy-tailed too (`U * r^1.8`: a few users send most events).
// - Traits change: a later identify carries only `email` (role and title null, which must not
//   erase them), 20% of users get a new role later; monthly server-side group calls (null
//   user_id) move accounts from trial to paid plans. 1% of events have no user_id; events run
//   until 5 days after as_of (rows a run must not see).
// Postgres gets the same rows: `copyToPglite` exports each table from DuckDB as CSV and COPYs it in.
import type { DuckDBConnection } from '@duckdb/node-api';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const SCALE_AS_OF = '2024-06-01T00:00:00Z';
export const SCALE_SEED = 7;
export const SCALE_SCHEMA = 'app';

/** The five event tables, their share of the events and their properties. */
export const SCALE_EVENTS = [
  { name: 'Logged In', table: 'logged_in', share: 0.35 },
  { name: 'Feature Used', table: 'feature_used', share: 0.3 },
  { name: 'Dashboard Viewed', table: 'dashboard_viewed', share: 0.2 },
  { name: 'Report Created', table: 'report_created', share: 0.1 },
  { name: 'Invite Sent', table: 'invite_sent', share: 0.05 },
] as const;

export const SCALE_TABLES = ['identifies', 'groups', 'tracks', ...SCALE_EVENTS.map((e) => e.table)] as const;

export interface ScaleSizes {
  readonly accounts: number;
  readonly users: number;
  readonly events: number;
}

export function scaleSizes(sf: number): ScaleSizes {
  if (!(sf > 0) || !Number.isFinite(sf)) throw new Error(`scale factor must be a positive number, got ${sf}`);
  return {
    accounts: Math.max(20, Math.round(10_000 * sf)),
    users: Math.max(200, Math.round(100_000 * sf)),
    events: Math.max(2_000, Math.round(10_000_000 * sf)),
  };
}

const DAY = 86_400;
const HISTORY_DAYS = 365;
const FUTURE_DAYS = 5;
const ROLES = ['Admin', 'Member', 'Member', 'Member', 'Viewer', 'Viewer', 'Billing'];
const TITLES = ['Engineer', 'Product Manager', 'Analyst', 'Designer', 'Founder', 'Sales', 'Support', 'Marketing'];
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'IN', 'BR', 'JP', 'CA', 'AU', 'NL'];
const INDUSTRIES = ['Software', 'Finance', 'Healthcare', 'Retail', 'Manufacturing', 'Media', 'Education', 'Logistics'];
const PLANS = ['trial', 'starter', 'pro', 'enterprise'];
// Zipf-ish: earlier features are picked more often (index = n * r^2).
const FEATURES = ['search', 'exports', 'alerts', 'api', 'workflows', 'integrations', 'sharing', 'ai_assistant', 'comments', 'templates', 'audit_log', 'sso_setup'];
const REPORT_TYPES = ['trend', 'funnel', 'retention', 'cohort', 'table'];
const METHODS = ['password', 'google', 'sso'];

function lit(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function list(values: readonly string[]): string {
  return `[${values.map(lit).join(', ')}]`;
}

/** `[v1, ...][1 + floor(r^skew * n)]`: a pick from a constant list, skewed to the front when skew > 1. */
function pick(values: readonly string[], r: string, skew = 1): string {
  const x = skew === 1 ? `(${r})` : `pow(${r}, ${skew})`;
  return `${list(values)}[1 + floor(${x} * ${values.length})::INTEGER]`;
}

function ident(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a plain identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

export interface ScaleOptions {
  readonly sf: number;
  readonly seed?: number;
  readonly asOf?: string;
  readonly schema?: string;
}

/** The statements that write the data; exported for inspection. */
export function scaleWarehouseSql(options: ScaleOptions): string[] {
  const { accounts: A, users: U, events: E } = scaleSizes(options.sf);
  const seed = options.seed ?? SCALE_SEED;
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  const asOf = Math.floor(Date.parse(options.asOf ?? SCALE_AS_OF) / 1000);
  if (Number.isNaN(asOf)) throw new Error(`not an ISO-8601 instant: ${options.asOf}`);
  const s = ident(options.schema ?? SCALE_SCHEMA);
  const start = asOf - HISTORY_DAYS * DAY;
  const end = asOf + FUTURE_DAYS * DAY;

  const r = (key: string, salt: string) => `__qs_r(${key}, ${lit(salt)})`;
  const ts = (sec: string) => `make_timestamp(round((${sec}) * 1000000)::BIGINT)`;
  const out: string[] = [];
  const add = (sql: string) => out.push(sql);

  add(`CREATE OR REPLACE TEMP MACRO __qs_r(k, salt) AS ((hash(k, salt, ${seed}::BIGINT) % 1000003)::DOUBLE / 1000003.0)`);

  // ---- accounts: creation time, plan history (trial -> paid at a random month), traits -----------
  add(`CREATE OR REPLACE TEMP TABLE __qs_acc AS
    SELECT a, 'acc_' || a::VARCHAR AS group_id,
      ${start} - 30 * ${DAY} + ${r('a', 'created')} * 300 * ${DAY} AS created_s,
      ${pick(PLANS.slice(1), r('a', 'plan'), 1.5)} AS paid_plan,
      floor(${r('a', 'upgrade')} * 14)::INTEGER AS upgrade_month,
      ${pick(INDUSTRIES, r('a', 'industry'))} AS industry,
      greatest(1, round(exp(3 + 1.5 * ${r('a', 'employees')})))::BIGINT AS employees
    FROM range(1, ${A + 1}) t(a)`);

  // ---- users and memberships ------------------------------------------------------------------
  add(`CREATE OR REPLACE TEMP TABLE __qs_usr AS
    SELECT u, 'usr_' || u::VARCHAR AS user_id,
      CASE WHEN ${r('u', 'unattached')} < 0.08 THEN NULL ELSE 1 + floor(${A} * pow(${r('u', 'home')}, 2.5))::BIGINT END AS home,
      CASE WHEN ${r('u', 'x1')} < 0.20 THEN 1 + floor(${A} * ${r('u', 'x1a')})::BIGINT END AS extra1,
      CASE WHEN ${r('u', 'x2')} < 0.05 THEN 1 + floor(${A} * ${r('u', 'x2a')})::BIGINT END AS extra2,
      ${start} + ${r('u', 'join')} * ${HISTORY_DAYS - 7} * ${DAY} AS join_s,
      ${r('u', 'dormant')} < 0.35 AS dormant,
      ${pick(ROLES, r('u', 'role'))} AS role0,
      ${pick(ROLES, r('u', 'role1'))} AS role1,
      ${r('u', 'promoted')} < 0.20 AS promoted,
      ${pick(TITLES, r('u', 'title'))} AS title,
      ${pick(COUNTRIES, r('u', 'country'), 1.6)} AS country
    FROM range(1, ${U + 1}) t(u)`);
  add(`CREATE OR REPLACE TEMP TABLE __qs_usr2 AS
    SELECT *, CASE WHEN dormant THEN join_s + (10 + ${r('u', 'stop')} * 60) * ${DAY} ELSE ${end} END AS stop_s FROM __qs_usr`);
  add(`CREATE OR REPLACE TEMP TABLE __qs_mem AS
    SELECT u, a, join_s, k FROM (
      SELECT u, home AS a, join_s, 0 AS k FROM __qs_usr2
      UNION ALL SELECT u, extra1, join_s + ${r('u', 'x1at')} * 90 * ${DAY}, 1 FROM __qs_usr2 WHERE extra1 IS NOT NULL AND home IS NOT NULL
      UNION ALL SELECT u, extra2, join_s + ${r('u', 'x2at')} * 90 * ${DAY}, 2 FROM __qs_usr2 WHERE extra2 IS NOT NULL AND home IS NOT NULL
    ) WHERE a IS NOT NULL`);

  // ---- events: one statement per event table; the user is heavy-tailed, the time uniform in the
  // user's active span, the context group usually the home account --------------------------------
  add(`CREATE SCHEMA IF NOT EXISTS ${s}`);
  const common = (table: string, name: string) => `
      '${table.slice(0, 2)}_' || e.e::VARCHAR AS id,
      CASE WHEN ${r('e.e', `${table}.anon`)} < 0.01 THEN NULL ELSE usr.user_id END AS user_id,
      'anon_' || (usr.u * 7 + 3)::VARCHAR AS anonymous_id,
      ${lit(table)} AS event, ${lit(name)} AS event_text,
      ${ts(`usr.join_s + ${r('e.e', `${table}.at`)} * (usr.stop_s - usr.join_s)`)} AS "timestamp",
      ${ts(`usr.join_s + ${r('e.e', `${table}.at`)} * (usr.stop_s - usr.join_s) + 0.5 + ${r('e.e', `${table}.late`)} * 5`)} AS received_at,
      CASE WHEN ${r('e.e', `${table}.ctx`)} < 0.1 OR usr.home IS NULL THEN NULL ELSE 'acc_' || usr.home::VARCHAR END AS context_group_id`;
  const props: Record<(typeof SCALE_EVENTS)[number]['table'], string> = {
    logged_in: `${pick(METHODS, r('e.e', 'method'), 1.3)} AS method`,
    feature_used: `${pick(FEATURES, r('e.e', 'feature'), 2)} AS feature, round(1 + ${r('e.e', 'duration')} * 600, 1)::DOUBLE AS duration_seconds`,
    dashboard_viewed: `'dash_' || (1 + floor(pow(${r('e.e', 'dash')}, 1.5) * 50))::BIGINT::VARCHAR AS dashboard_id, round(100 + ${r('e.e', 'load')} * 2000, 1)::DOUBLE AS load_time_ms`,
    report_created: `${pick(REPORT_TYPES, r('e.e', 'rtype'))} AS report_type, (1 + floor(${r('e.e', 'widgets')} * 12))::BIGINT AS widgets`,
    invite_sent: `CASE WHEN ${r('e.e', 'irole')} < 0.7 THEN 'Member' ELSE 'Viewer' END AS invitee_role`,
  };
  for (const { table, name, share } of SCALE_EVENTS) {
    const n = Math.max(1, Math.round(E * share));
    add(`CREATE OR REPLACE TABLE ${s}.${ident(table)} AS
      SELECT ${common(table, name)}, ${props[table]}
      FROM range(1, ${n + 1}) e(e)
      JOIN __qs_usr2 usr ON usr.u = 1 + floor(${U} * pow(${r('e.e', `${table}.user`)}, 1.8))::BIGINT
      ORDER BY "timestamp"`);
  }
  const commonColumns = 'id, user_id, anonymous_id, event, event_text, "timestamp", received_at, context_group_id';
  // Not re-sorted: each event table's rows are in time order already, and a run reads `tracks`
  // only for the user universe.
  add(`CREATE OR REPLACE TABLE ${s}.tracks AS
    ${SCALE_EVENTS.map((e) => `SELECT ${commonColumns} FROM ${s}.${ident(e.table)}`).join(' UNION ALL ')}`);

  // ---- identifies: signup with every trait; a later email-only call; a promotion for some ------
  add(`CREATE OR REPLACE TABLE ${s}.identifies AS
    SELECT id::VARCHAR AS id, user_id::VARCHAR AS user_id, ('anon_' || (u * 7 + 3)::VARCHAR) AS anonymous_id,
      ${ts('ts_s')} AS "timestamp", ${ts('ts_s + 1')} AS received_at,
      email::VARCHAR AS email, role::VARCHAR AS role, title::VARCHAR AS title, country::VARCHAR AS country
    FROM (
      SELECT 'id0_' || u::VARCHAR AS id, user_id, u, join_s AS ts_s, 'user' || u::VARCHAR || '@example.com' AS email, role0 AS role, title, country FROM __qs_usr2
      UNION ALL
      SELECT 'id1_' || u::VARCHAR, user_id, u, join_s + (1 + ${r('u', 'id1at')} * 200) * ${DAY}, 'user' || u::VARCHAR || '@mail.example.com', NULL, NULL, NULL
      FROM __qs_usr2 WHERE ${r('u', 'id1')} < 0.6
      UNION ALL
      SELECT 'id2_' || u::VARCHAR, user_id, u, join_s + (5 + ${r('u', 'id2at')} * 300) * ${DAY}, NULL, role1, NULL, NULL
      FROM __qs_usr2 WHERE promoted
    ) WHERE ts_s < ${end}
    ORDER BY "timestamp", id`);

  // ---- groups: a group call per membership; monthly server-side syncs moving the plan ----------
  const planAt = (t: string) => `CASE WHEN ${t} >= acc.created_s + acc.upgrade_month * 30 * ${DAY} THEN acc.paid_plan ELSE 'trial' END`;
  add(`CREATE OR REPLACE TABLE ${s}.groups AS
    SELECT id::VARCHAR AS id, user_id::VARCHAR AS user_id, anonymous_id::VARCHAR AS anonymous_id, group_id::VARCHAR AS group_id,
      ${ts('ts_s')} AS "timestamp", ${ts('ts_s + 1')} AS received_at,
      name::VARCHAR AS name, plan::VARCHAR AS plan, industry::VARCHAR AS industry, employees::BIGINT AS employees
    FROM (
      SELECT 'g_' || m.u::VARCHAR || '_' || m.k::VARCHAR AS id, usr.user_id, 'anon_' || (m.u * 7 + 3)::VARCHAR AS anonymous_id, acc.group_id,
        m.join_s AS ts_s, 'Account ' || acc.a::VARCHAR AS name,
        CASE WHEN ${r('m.u * 3 + m.k', 'full')} < 0.5 THEN ${planAt('m.join_s')} END AS plan,
        CASE WHEN ${r('m.u * 3 + m.k', 'full')} < 0.5 THEN acc.industry END AS industry,
        CASE WHEN ${r('m.u * 3 + m.k', 'full')} < 0.5 THEN acc.employees END AS employees
      FROM __qs_mem m JOIN __qs_usr2 usr ON usr.u = m.u JOIN __qs_acc acc ON acc.a = m.a
      UNION ALL
      SELECT 'gs_' || acc.a::VARCHAR || '_' || k.k::VARCHAR, NULL, 'server-sync', acc.group_id,
        acc.created_s + 3600 + k.k * 30 * ${DAY}, 'Account ' || acc.a::VARCHAR, ${planAt(`acc.created_s + 3600 + k.k * 30 * ${DAY}`)},
        CASE WHEN k.k = 0 THEN acc.industry END, round(acc.employees * (1 + 0.02 * k.k))::BIGINT
      FROM __qs_acc acc CROSS JOIN range(0, 14) k(k)
    ) WHERE ts_s < ${end}
    ORDER BY "timestamp", id`);
  return out;
}

export interface ScaleStats {
  readonly sf: number;
  readonly tables: Readonly<Record<string, number>>;
  readonly accounts: number;
  readonly users: number;
  readonly memberships: number;
}

/** Writes the scale dataset into `schema` (default `app`), replacing its tables. */
export async function generateScaleWarehouse(connection: DuckDBConnection, options: ScaleOptions): Promise<ScaleStats> {
  const schema = options.schema ?? SCALE_SCHEMA;
  try {
    for (const sql of scaleWarehouseSql(options)) await connection.run(sql);
  } finally {
    for (const t of ['__qs_acc', '__qs_usr', '__qs_usr2', '__qs_mem']) await connection.run(`DROP TABLE IF EXISTS temp.main.${t}`);
    await connection.run('DROP MACRO IF EXISTS temp.main.__qs_r');
  }
  return scaleStats(connection, options.sf, schema);
}

export async function scaleStats(connection: DuckDBConnection, sf: number, schema = SCALE_SCHEMA): Promise<ScaleStats> {
  const s = ident(schema);
  const tables: Record<string, number> = {};
  for (const table of SCALE_TABLES) {
    const reader = await connection.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${s}.${ident(table)}`);
    tables[table] = Number(reader.getRowObjectsJS()[0]!.n);
  }
  const reader = await connection.runAndReadAll(`
    SELECT (SELECT count(DISTINCT group_id) FROM ${s}.groups)::BIGINT AS accounts,
      (SELECT count(DISTINCT user_id) FROM (SELECT user_id FROM ${s}.identifies UNION ALL SELECT user_id FROM ${s}.groups UNION ALL SELECT user_id FROM ${s}.tracks))::BIGINT AS users,
      (SELECT count(*) FROM (SELECT DISTINCT group_id, user_id FROM ${s}.groups WHERE user_id IS NOT NULL))::BIGINT AS memberships`);
  const row = reader.getRowObjectsJS()[0]!;
  return { sf, tables, accounts: Number(row.accounts), users: Number(row.users), memberships: Number(row.memberships) };
}

/** Minimal structural type of a PGlite instance (the package is a dev dependency). */
export interface PgliteLike {
  exec(sql: string): Promise<unknown>;
  query(sql: string, params?: unknown[], options?: { blob?: Blob }): Promise<unknown>;
}

/**
 * Copies the scale tables from DuckDB into Postgres (PGlite): the same rows, so ratios on both
 * engines measure the same question. CSV through a temporary file, `COPY ... FROM '/dev/blob'`.
 */
export async function copyToPglite(duck: DuckDBConnection, pg: PgliteLike, schema = SCALE_SCHEMA): Promise<void> {
  const s = ident(schema);
  await pg.exec(`CREATE SCHEMA IF NOT EXISTS ${s}`);
  const types: Record<string, string> = { VARCHAR: 'TEXT', TIMESTAMP: 'TIMESTAMP', BIGINT: 'BIGINT', DOUBLE: 'DOUBLE PRECISION', INTEGER: 'INTEGER', BOOLEAN: 'BOOLEAN' };
  for (const table of SCALE_TABLES) {
    const reader = await duck.runAndReadAll(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ${lit(schema)} AND table_name = ${lit(table)} ORDER BY ordinal_position`,
    );
    const columns = reader.getRowObjectsJS().map((row) => ({ name: String(row.column_name), type: types[String(row.data_type)] ?? 'TEXT' }));
    await pg.exec(`DROP TABLE IF EXISTS ${s}.${ident(table)}; CREATE TABLE ${s}.${ident(table)} (${columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ')})`);
    await copyRows(duck, pg, schema, table, null);
  }
}

/** Adds to PGlite's copy of the scale tables the rows bench/append-rows.ts appended in DuckDB (batch `batch`). */
export async function appendToPglite(duck: DuckDBConnection, pg: PgliteLike, batch: number, schema = SCALE_SCHEMA): Promise<void> {
  if (!Number.isSafeInteger(batch)) throw new Error(`batch must be an integer, got ${batch}`);
  for (const table of SCALE_TABLES) await copyRows(duck, pg, schema, table, `id LIKE 'b${batch}-%'`);
}

/** `table`'s rows (those of `where`, a condition of this file's own making) from DuckDB into PGlite through a CSV file, then ANALYZE. */
async function copyRows(duck: DuckDBConnection, pg: PgliteLike, schema: string, table: string, where: string | null): Promise<void> {
  const s = ident(schema);
  const file = path.join(tmpdir(), `quorum-bench-${process.pid}-${table}.csv`);
  const rows = where === null ? `${s}.${ident(table)}` : `(SELECT * FROM ${s}.${ident(table)} WHERE ${where})`;
  try {
    await duck.run(`COPY ${rows} TO ${lit(file)} (FORMAT csv, HEADER false, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S.%f')`);
    const blob = new Blob([await readFile(file)]);
    await pg.query(`COPY ${s}.${ident(table)} FROM '/dev/blob' WITH (FORMAT csv)`, [], { blob });
  } finally {
    await rm(file, { force: true });
  }
  await pg.exec(`ANALYZE ${s}.${ident(table)}`);
}

/** Bump when the generator's output changes: cached warehouse files carry it in their name. */
export const SCALE_GENERATOR_VERSION = 1;

/** Where `npm run bench` keeps the generated warehouse of a scale factor between runs. */
export function scaleWarehouseFile(sf: number, seed = SCALE_SEED): string {
  return path.join(tmpdir(), 'quorum-bench', `sf${sf}-seed${seed}-v${SCALE_GENERATOR_VERSION}.duckdb`);
}
