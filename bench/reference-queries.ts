// The six reference definitions (bench/project) and, for each, the hand-written SQL an expert
// would write for the same answer: several candidates per definition, of which the bench times
// every one and quotes the fastest. Every candidate's answer is checked against quorum's first.
// These are bench fixtures, written per engine on purpose (arg_max on DuckDB, DISTINCT ON on
// Postgres): they stand for the best a person can do on that engine, not for quorum's output.
import { formatTimestamp } from '../src/sql/printer.js';

export type BenchEngine = 'duckdb' | 'postgres';

export interface ReferenceDefinition {
  readonly name: string;
  readonly label: string;
  readonly kind: 'audience' | 'trait';
  /** Hand-written candidates: each returns `id` (and `value` for a trait). */
  readonly handWritten: (engine: BenchEngine, asOf: string) => readonly { readonly name: string; readonly sql: string }[];
}

function at(asOf: string): string {
  return `TIMESTAMP '${formatTimestamp(asOf)}'`;
}

function daysBefore(asOf: string, days: number): string {
  return `TIMESTAMP '${formatTimestamp(new Date(Date.parse(asOf) - days * 86_400_000).toISOString())}'`;
}

const memberships = (asOf: string) =>
  `SELECT DISTINCT group_id, user_id FROM app.groups WHERE "timestamp" <= ${at(asOf)} AND group_id IS NOT NULL AND user_id IS NOT NULL`;
const accounts = (asOf: string) => `SELECT DISTINCT group_id FROM app.groups WHERE "timestamp" <= ${at(asOf)} AND group_id IS NOT NULL`;
const inWindow = (asOf: string, days: number) => `"timestamp" > ${daysBefore(asOf, days)} AND "timestamp" <= ${at(asOf)}`;

/** Users whose latest non-null role (by time, then id) is Admin. */
function admins(engine: BenchEngine, asOf: string): string {
  if (engine === 'duckdb') {
    return `SELECT user_id FROM app.identifies WHERE "timestamp" <= ${at(asOf)} AND user_id IS NOT NULL AND role IS NOT NULL
      GROUP BY user_id HAVING arg_max(role, ("timestamp", id)) = 'Admin'`;
  }
  return `SELECT user_id FROM (
      SELECT DISTINCT ON (user_id) user_id, role FROM app.identifies
      WHERE "timestamp" <= ${at(asOf)} AND user_id IS NOT NULL AND role IS NOT NULL
      ORDER BY user_id, "timestamp" DESC, id DESC) latest WHERE role = 'Admin'`;
}

/**
 * Reports created in the last 30 days, each with the first invite strictly after it; the funnel
 * holds for a report whose 1-day window is over at as_of and holds no invite. Three ways to write
 * "no invite in (t, t + 1d]": NOT EXISTS, a LEFT JOIN anti-join, and the next invite per report
 * (DuckDB's ASOF join, Postgres's LATERAL min).
 */
function reportsWithoutInvite(engine: BenchEngine, asOf: string): { name: string; sql: string }[] {
  const day = engine === 'duckdb' ? 'INTERVAL 86400 SECOND' : "INTERVAL '86400 seconds'";
  const reports = `SELECT user_id, "timestamp" AS t FROM app.report_created
    WHERE event_text = 'Report Created' AND ${inWindow(asOf, 30)} AND user_id IS NOT NULL AND "timestamp" + ${day} <= ${at(asOf)}`;
  const invites = `SELECT user_id, "timestamp" AS t FROM app.invite_sent WHERE event_text = 'Invite Sent' AND user_id IS NOT NULL AND "timestamp" <= ${at(asOf)}`;
  const next =
    engine === 'duckdb'
      ? `SELECT DISTINCT r.user_id AS id FROM r ASOF LEFT JOIN i ON i.user_id = r.user_id AND i.t > r.t WHERE i.t IS NULL OR i.t > r.t + ${day}`
      : `SELECT DISTINCT r.user_id AS id FROM r LEFT JOIN LATERAL (SELECT min(i.t) AS t FROM i WHERE i.user_id = r.user_id AND i.t > r.t) n ON true
          WHERE n.t IS NULL OR n.t > r.t + ${day}`;
  return [
    {
      name: 'NOT EXISTS',
      sql: `WITH r AS (${reports}), i AS (${invites})
        SELECT DISTINCT r.user_id AS id FROM r WHERE NOT EXISTS (SELECT 1 FROM i WHERE i.user_id = r.user_id AND i.t > r.t AND i.t <= r.t + ${day})`,
    },
    {
      name: 'LEFT JOIN anti-join',
      sql: `WITH r AS (${reports}), i AS (${invites})
        SELECT DISTINCT r.user_id AS id FROM r LEFT JOIN i ON i.user_id = r.user_id AND i.t > r.t AND i.t <= r.t + ${day} WHERE i.user_id IS NULL`,
    },
    { name: engine === 'duckdb' ? 'next invite by ASOF join' : 'next invite by LATERAL min', sql: `WITH r AS (${reports}), i AS (${invites}) ${next}` },
  ];
}

export const REFERENCE_DEFINITIONS: readonly ReferenceDefinition[] = [
  {
    name: 'logins_past_30_days',
    label: 'account count within 30d',
    kind: 'trait',
    handWritten: (_engine, asOf) => [
      {
        name: 'pre-aggregate per user, then accounts',
        sql: `WITH m AS (${memberships(asOf)}), acc AS (${accounts(asOf)}),
          per_user AS (SELECT user_id, count(*) AS n FROM app.logged_in
            WHERE event_text = 'Logged In' AND ${inWindow(asOf, 30)} AND user_id IS NOT NULL GROUP BY user_id),
          per_account AS (SELECT m.group_id, sum(p.n) AS n FROM m JOIN per_user p ON p.user_id = m.user_id GROUP BY m.group_id)
          SELECT acc.group_id AS id, coalesce(pa.n, 0) AS value FROM acc LEFT JOIN per_account pa ON pa.group_id = acc.group_id`,
      },
      {
        name: 'join, then aggregate',
        sql: `WITH m AS (${memberships(asOf)}), acc AS (${accounts(asOf)}),
          per_account AS (SELECT m.group_id, count(*) AS n FROM m JOIN app.logged_in e ON e.user_id = m.user_id
            WHERE e.event_text = 'Logged In' AND e.${inWindow(asOf, 30)} GROUP BY m.group_id)
          SELECT acc.group_id AS id, coalesce(pa.n, 0) AS value FROM acc LEFT JOIN per_account pa ON pa.group_id = acc.group_id`,
      },
    ],
  },
  {
    name: 'admins_reporting_accounts',
    label: 'any_user: role = Admin and performed within 30d',
    kind: 'audience',
    handWritten: (engine, asOf) => [
      {
        name: 'semi-joins',
        sql: `WITH m AS (${memberships(asOf)}), admins AS (${admins(engine, asOf)}),
          reporters AS (SELECT DISTINCT user_id FROM app.report_created WHERE event_text = 'Report Created' AND ${inWindow(asOf, 30)})
          SELECT DISTINCT m.group_id AS id FROM m JOIN admins a ON a.user_id = m.user_id JOIN reporters r ON r.user_id = m.user_id`,
      },
      {
        name: 'reporters first, then latest role',
        sql: `WITH m AS (${memberships(asOf)}),
          reporters AS (SELECT DISTINCT user_id FROM app.report_created WHERE event_text = 'Report Created' AND ${inWindow(asOf, 30)}),
          admins AS (SELECT a.user_id FROM (${admins(engine, asOf)}) a WHERE a.user_id IN (SELECT user_id FROM reporters))
          SELECT DISTINCT m.group_id AS id FROM m WHERE m.user_id IN (SELECT user_id FROM admins)`,
      },
    ],
  },
  {
    name: 'fully_active_accounts',
    label: 'all_users: performed within 14d',
    kind: 'audience',
    handWritten: (_engine, asOf) => [
      {
        name: 'left join, every user matched',
        sql: `WITH m AS (${memberships(asOf)}),
          active AS (SELECT DISTINCT user_id FROM app.logged_in WHERE event_text = 'Logged In' AND ${inWindow(asOf, 14)})
          SELECT m.group_id AS id FROM m LEFT JOIN active a ON a.user_id = m.user_id
          GROUP BY m.group_id HAVING count(a.user_id) = count(*)`,
      },
      {
        name: 'accounts without an inactive user',
        sql: `WITH m AS (${memberships(asOf)}),
          active AS (SELECT DISTINCT user_id FROM app.logged_in WHERE event_text = 'Logged In' AND ${inWindow(asOf, 14)})
          SELECT DISTINCT m.group_id AS id FROM m WHERE m.group_id NOT IN (
            SELECT m2.group_id FROM m m2 WHERE m2.user_id NOT IN (SELECT user_id FROM active WHERE user_id IS NOT NULL))`,
      },
    ],
  },
  {
    name: 'features_adopted_30d',
    label: 'account unique_count within 30d',
    kind: 'trait',
    handWritten: (_engine, asOf) => [
      {
        name: 'distinct (user, value) first',
        sql: `WITH m AS (${memberships(asOf)}), acc AS (${accounts(asOf)}),
          uf AS (SELECT DISTINCT user_id, feature FROM app.feature_used
            WHERE event_text = 'Feature Used' AND ${inWindow(asOf, 30)} AND user_id IS NOT NULL AND feature IS NOT NULL),
          per_account AS (SELECT m.group_id, count(DISTINCT uf.feature) AS n FROM m JOIN uf ON uf.user_id = m.user_id GROUP BY m.group_id)
          SELECT acc.group_id AS id, coalesce(pa.n, 0) AS value FROM acc LEFT JOIN per_account pa ON pa.group_id = acc.group_id`,
      },
      {
        name: 'join, then count distinct',
        sql: `WITH m AS (${memberships(asOf)}), acc AS (${accounts(asOf)}),
          per_account AS (SELECT m.group_id, count(DISTINCT e.feature) AS n FROM m JOIN app.feature_used e ON e.user_id = m.user_id
            WHERE e.event_text = 'Feature Used' AND e.${inWindow(asOf, 30)} GROUP BY m.group_id)
          SELECT acc.group_id AS id, coalesce(pa.n, 0) AS value FROM acc LEFT JOIN per_account pa ON pa.group_id = acc.group_id`,
      },
    ],
  },
  {
    name: 'favourite_feature',
    label: 'user most_frequent within 90d',
    kind: 'trait',
    handWritten: (engine, asOf) => {
      // Every user of the universe has a value (null when nothing qualifies), as quorum answers.
      const users = `SELECT user_id FROM app.identifies WHERE "timestamp" <= ${at(asOf)} AND user_id IS NOT NULL
          UNION SELECT user_id FROM app.groups WHERE "timestamp" <= ${at(asOf)} AND user_id IS NOT NULL
          UNION SELECT user_id FROM app.tracks WHERE "timestamp" <= ${at(asOf)} AND user_id IS NOT NULL`;
      const counted = `SELECT user_id, feature, count(*) AS n FROM app.feature_used
          WHERE event_text = 'Feature Used' AND ${inWindow(asOf, 90)} AND user_id IS NOT NULL AND feature IS NOT NULL
          GROUP BY user_id, feature HAVING count(*) >= 2`;
      const best =
        engine === 'duckdb'
          ? `SELECT user_id, arg_min(feature, (-n, feature)) AS feature FROM c GROUP BY user_id`
          : `SELECT DISTINCT ON (user_id) user_id, feature FROM c ORDER BY user_id, n DESC, feature COLLATE "C"`;
      const ranked = `SELECT user_id, feature FROM (SELECT user_id, feature, row_number() OVER (PARTITION BY user_id ORDER BY n DESC, feature${engine === 'postgres' ? ' COLLATE "C"' : ''}) AS rank FROM c) r WHERE rank = 1`;
      return [
        { name: engine === 'duckdb' ? 'arg_min per user' : 'DISTINCT ON per user', sql: `WITH u AS (${users}), c AS (${counted}), b AS (${best}) SELECT u.user_id AS id, b.feature AS value FROM u LEFT JOIN b ON b.user_id = u.user_id` },
        { name: 'row_number per user', sql: `WITH u AS (${users}), c AS (${counted}), b AS (${ranked}) SELECT u.user_id AS id, b.feature AS value FROM u LEFT JOIN b ON b.user_id = u.user_id` },
      ];
    },
  },
  {
    name: 'reports_without_invite',
    label: 'funnel: performed within 30d, then not_performed within 1d',
    kind: 'audience',
    handWritten: reportsWithoutInvite,
  },
];
