import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  DEMO_AS_OF,
  DEMO_EVENTS,
  DEMO_TABLES,
  generateDemoWarehouse,
  type DemoStats,
} from '../../fixtures/demo/generate-warehouse.js';
import { snakeCase } from '../../src/definitions/snake-case.js';

const AS_OF = `TIMESTAMP '2024-06-01 00:00:00'`;

async function open(): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(':memory:');
  return { instance, connection: await instance.connect() };
}

async function rows(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}

async function one(connection: DuckDBConnection, sql: string): Promise<number> {
  const [row] = await rows(connection, sql);
  return Number(Object.values(row!)[0]);
}

/** count and an order-independent checksum of every table of the schema. */
async function checksums(connection: DuckDBConnection, schema = 'app'): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of DEMO_TABLES) {
    const [row] = await rows(connection, `SELECT count(*)::VARCHAR || ':' || coalesce(sum(hash(t))::VARCHAR, '') AS c FROM "${schema}"."${table}" t`);
    out[table] = String(row!.c);
  }
  return out;
}

describe('generateDemoWarehouse', () => {
  let db: { instance: DuckDBInstance; connection: DuckDBConnection };
  let c: DuckDBConnection;
  let stats: DemoStats;

  beforeAll(async () => {
    db = await open();
    c = db.connection;
    const started = process.cpuUsage();
    stats = await generateDemoWarehouse(c);
    // "fast": a few seconds in memory (generous bound for slow CI machines). CPU time, DuckDB's
    // threads included: writing the demo project took 50 s of wall time but 12 s of CPU at load 9
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(30_000);
  });

  afterAll(() => {
    db.connection.closeSync();
    db.instance.closeSync();
  });

  it('reports the row count of every table and the default as_of', async () => {
    expect(DEMO_AS_OF).toBe('2024-06-01T00:00:00Z');
    expect(stats.asOf).toBe(DEMO_AS_OF);
    expect(stats.schema).toBe('app');
    expect(Object.keys(stats.tables).sort()).toEqual([...DEMO_TABLES].sort());
    for (const table of DEMO_TABLES) {
      expect(stats.tables[table]).toBe(await one(c, `SELECT count(*) FROM app.${table}`));
    }
    expect(stats.events).toBe(stats.tables.tracks);
    expect(stats.accounts).toBe(await one(c, `SELECT count(DISTINCT group_id) FROM app.groups`));
  });

  it('is deterministic: the same seed gives the same rows, another seed other rows', async () => {
    const first = await checksums(c);
    const again = await open();
    try {
      // another seed first, then the same seed over it: regenerating replaces the tables
      await generateDemoWarehouse(again.connection, { seed: 7 });
      const changed = await checksums(again.connection);
      for (const table of DEMO_TABLES) expect(changed[table]).not.toBe(first[table]);
      await generateDemoWarehouse(again.connection, { seed: 42 });
      expect(await checksums(again.connection)).toEqual(first);
    } finally {
      for (const d of [again]) {
        d.connection.closeSync();
        d.instance.closeSync();
      }
    }
  });

  it('honours schema and asOf, and leaves no temporary objects behind', async () => {
    const d = await open();
    try {
      const s = await generateDemoWarehouse(d.connection, { schema: 'segment_demo', asOf: '2025-01-15T12:00:00Z' });
      expect(s.schema).toBe('segment_demo');
      const [range] = await rows(
        d.connection,
        `SELECT min("timestamp")::VARCHAR AS lo, max("timestamp")::VARCHAR AS hi FROM segment_demo.tracks`,
      );
      expect(String(range!.lo) >= '2024-07-17').toBe(true);
      expect(String(range!.hi) > '2025-01-15 12:00:00').toBe(true);
      expect(String(range!.hi) < '2025-01-19 12:00:01').toBe(true);
      expect(await one(d.connection, `SELECT count(*) FROM duckdb_tables() WHERE temporary`)).toBe(0);
      expect(await one(d.connection, `SELECT count(*) FROM duckdb_functions() WHERE function_name LIKE '__qd%'`)).toBe(0);
      await expect(generateDemoWarehouse(d.connection, { schema: 'x"; DROP TABLE y; --' })).rejects.toThrow(/identifier/);
      await expect(generateDemoWarehouse(d.connection, { asOf: 'yesterday' })).rejects.toThrow(/ISO-8601/);
    } finally {
      d.connection.closeSync();
      d.instance.closeSync();
    }
  });

  it('uses the column types of Segment warehouses', async () => {
    const cols = await rows(
      c,
      `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'app'`,
    );
    const type = (t: string, col: string) => cols.find((r) => r.table_name === t && r.column_name === col)?.data_type;
    for (const t of DEMO_TABLES) {
      expect(type(t, 'id')).toBe('VARCHAR');
      expect(type(t, 'user_id')).toBe('VARCHAR');
      expect(type(t, 'anonymous_id')).toBe('VARCHAR');
      expect(type(t, 'timestamp')).toBe('TIMESTAMP');
      expect(type(t, 'received_at')).toBe('TIMESTAMP');
    }
    for (const t of ['tracks', ...DEMO_EVENTS.map((e) => e.table)]) {
      expect(type(t, 'event')).toBe('VARCHAR');
      expect(type(t, 'event_text')).toBe('VARCHAR');
      expect(type(t, 'context_group_id')).toBe('VARCHAR');
    }
    for (const col of ['email', 'name', 'role', 'title']) expect(type('identifies', col)).toBe('VARCHAR');
    expect(type('identifies', 'created_at')).toBe('TIMESTAMP');
    expect(type('identifies', 'email_verified')).toBe('BOOLEAN');
    for (const col of ['group_id', 'name', 'industry', 'plan', 'website']) expect(type('groups', col)).toBe('VARCHAR');
    expect(type('groups', 'employees')).toBe('BIGINT');
    expect(type('groups', 'mrr')).toBe('DOUBLE');
    expect(type('groups', 'sso_enabled')).toBe('BOOLEAN');
    expect(type('groups', 'created_at')).toBe('TIMESTAMP');
    for (const col of ['name', 'path', 'url', 'title', 'referrer', 'context_group_id']) expect(type('pages', col)).toBe('VARCHAR');
    expect(type('logged_in', 'method')).toBe('VARCHAR');
    expect(type('report_created', 'report_type')).toBe('VARCHAR');
    expect(type('report_created', 'widgets')).toBe('BIGINT');
    expect(type('report_created', 'shared')).toBe('BOOLEAN');
    expect(type('feature_used', 'feature')).toBe('VARCHAR');
    expect(type('feature_used', 'duration_seconds')).toBe('DOUBLE');
    expect(type('subscription_upgraded', 'mrr')).toBe('DOUBLE');
  });

  it('has at least 500 accounts and 5,000 users, some in several accounts, some accounts without users', async () => {
    expect(await one(c, `SELECT count(DISTINCT group_id) FROM app.groups WHERE "timestamp" <= ${AS_OF}`)).toBeGreaterThanOrEqual(500);
    expect(
      await one(
        c,
        `SELECT count(DISTINCT user_id) FROM (
           SELECT user_id, "timestamp" FROM app.identifies UNION ALL SELECT user_id, "timestamp" FROM app.groups
           UNION ALL SELECT user_id, "timestamp" FROM app.tracks UNION ALL SELECT user_id, "timestamp" FROM app.pages)
         WHERE "timestamp" <= ${AS_OF}`,
      ),
    ).toBeGreaterThanOrEqual(5000);
    expect(
      await one(
        c,
        `SELECT count(*) FROM (SELECT user_id FROM app.groups WHERE user_id IS NOT NULL AND "timestamp" <= ${AS_OF}
                               GROUP BY 1 HAVING count(DISTINCT group_id) >= 2)`,
      ),
    ).toBeGreaterThanOrEqual(100);
    // accounts with group calls, every one of them without a user_id
    expect(
      await one(c, `SELECT count(*) FROM (SELECT group_id FROM app.groups GROUP BY 1 HAVING count(user_id) = 0 AND count(*) > 0)`),
    ).toBeGreaterThanOrEqual(10);
    // users in no account at all
    expect(
      await one(c, `SELECT count(DISTINCT user_id) FROM app.identifies WHERE user_id NOT IN (SELECT user_id FROM app.groups WHERE user_id IS NOT NULL)`),
    ).toBeGreaterThan(0);
  });

  it('has account sizes with a heavy tail', async () => {
    const [row] = await rows(
      c,
      `WITH m AS (SELECT DISTINCT user_id, group_id FROM app.groups WHERE user_id IS NOT NULL AND "timestamp" <= ${AS_OF}),
            s AS (SELECT group_id, count(*) AS n FROM m GROUP BY 1)
       SELECT median(n)::DOUBLE AS med, max(n)::DOUBLE AS mx, count(*) FILTER (WHERE n = 1)::DOUBLE AS singles FROM s`,
    );
    expect(Number(row!.mx)).toBeGreaterThanOrEqual(10 * Number(row!.med));
    expect(Number(row!.singles)).toBeGreaterThan(10);
  });

  it('has at least 200,000 events over several event tables with properties', async () => {
    expect(stats.tables.tracks).toBeGreaterThanOrEqual(200_000);
    const withRows = DEMO_EVENTS.filter((e) => (stats.tables[e.table] ?? 0) > 0);
    expect(withRows.length).toBeGreaterThanOrEqual(6);
    const props = await rows(
      c,
      `SELECT table_name, count(*)::INTEGER AS n FROM information_schema.columns
       WHERE table_schema = 'app' AND column_name NOT IN ('id','user_id','anonymous_id','event','event_text','timestamp','received_at','context_group_id')
       GROUP BY 1`,
    );
    for (const { table } of DEMO_EVENTS) expect(props.find((p) => p.table_name === table)?.n).toBeGreaterThanOrEqual(1);
    // properties are filled in
    expect(await one(c, `SELECT count(*) FROM app.feature_used WHERE feature IS NULL`)).toBe(0);
    expect(await one(c, `SELECT count(DISTINCT feature) FROM app.feature_used`)).toBeGreaterThanOrEqual(5);
    expect(await one(c, `SELECT count(DISTINCT method) FROM app.logged_in`)).toBe(3);
  });

  it('writes every event table as the subset of tracks with its event name', async () => {
    for (const { name, table } of DEMO_EVENTS) {
      expect(snakeCase(name)).toBe(table);
      const cols = `id, user_id, anonymous_id, event, event_text, "timestamp", received_at, context_group_id`;
      expect(await one(c, `SELECT count(*) FROM app.${table} WHERE event <> '${table}' OR event_text <> '${name}'`)).toBe(0);
      expect(await one(c, `SELECT count(*) FROM app.tracks WHERE event = '${table}'`)).toBe(stats.tables[table]);
      // the same rows: equal counts and equal order-independent checksums of the shared columns
      const sum = async (from: string) => (await rows(c, `SELECT sum(hash(${cols}))::VARCHAR AS h FROM ${from}`))[0]!.h;
      expect(await sum(`app.${table}`)).toBe(await sum(`app.tracks WHERE event = '${table}'`));
    }
    expect(DEMO_EVENTS.reduce((sum, e) => sum + (stats.tables[e.table] ?? 0), 0)).toBe(stats.tables.tracks);
    // ids are unique across all calls
    expect(await one(c, `SELECT count(*) - count(DISTINCT id) FROM (SELECT id FROM app.tracks UNION ALL SELECT id FROM app.pages UNION ALL SELECT id FROM app.identifies UNION ALL SELECT id FROM app.groups)`)).toBe(0);
    expect(await one(c, `SELECT count(*) FROM app.tracks WHERE id IS NULL OR "timestamp" IS NULL OR received_at IS NULL OR received_at < "timestamp"`)).toBe(0);
  });

  it('has identify and group traits that change over time, with later nulls', async () => {
    // a user whose role changed
    expect(
      await one(c, `SELECT count(*) FROM (SELECT user_id FROM app.identifies WHERE role IS NOT NULL GROUP BY 1 HAVING count(DISTINCT role) >= 2)`),
    ).toBeGreaterThanOrEqual(50);
    // a later identify with role null after one with a role (must not erase it)
    expect(
      await one(
        c,
        `SELECT count(DISTINCT a.user_id) FROM app.identifies a JOIN app.identifies b ON a.user_id = b.user_id
         WHERE a.role IS NOT NULL AND b.role IS NULL AND b."timestamp" > a."timestamp" AND b."timestamp" <= ${AS_OF}`,
      ),
    ).toBeGreaterThanOrEqual(100);
    // accounts whose plan changed, and later group calls with plan / industry null
    expect(
      await one(c, `SELECT count(*) FROM (SELECT group_id FROM app.groups WHERE plan IS NOT NULL AND "timestamp" <= ${AS_OF} GROUP BY 1 HAVING count(DISTINCT plan) >= 2)`),
    ).toBeGreaterThanOrEqual(50);
    expect(
      await one(
        c,
        `SELECT count(DISTINCT a.group_id) FROM app.groups a JOIN app.groups b ON a.group_id = b.group_id
         WHERE a.industry IS NOT NULL AND b.industry IS NULL AND b.plan IS NOT NULL AND b."timestamp" > a."timestamp" AND b."timestamp" <= ${AS_OF}`,
      ),
    ).toBeGreaterThanOrEqual(50);
    // a plan change that lands after as_of
    expect(
      await one(
        c,
        `SELECT count(*) FROM app.groups g WHERE g."timestamp" > ${AS_OF} AND g.plan IS NOT NULL AND g.plan <> (
           SELECT arg_max(p.plan, p."timestamp") FROM app.groups p WHERE p.group_id = g.group_id AND p.plan IS NOT NULL AND p."timestamp" <= ${AS_OF})`,
      ),
    ).toBeGreaterThan(0);
  });

  it('has events after as_of, anonymous events, and context_group_id set, null and foreign', async () => {
    for (const t of ['tracks', 'pages', 'identifies', 'groups']) {
      expect(await one(c, `SELECT count(*) FROM app.${t} WHERE "timestamp" > ${AS_OF}`)).toBeGreaterThan(0);
    }
    const [span] = await rows(c, `SELECT (${AS_OF} - min("timestamp"))::VARCHAR AS before, (max("timestamp") - ${AS_OF})::VARCHAR AS after FROM app.tracks`);
    expect(String(span!.before)).toMatch(/^18\d days/);
    expect(String(span!.after)).toMatch(/^3 days/);
    expect(await one(c, `SELECT count(*) FROM app.tracks WHERE user_id IS NULL AND anonymous_id IS NOT NULL`)).toBeGreaterThan(1000);
    expect(await one(c, `SELECT count(*) FROM app.pages WHERE user_id IS NULL AND anonymous_id IS NOT NULL`)).toBeGreaterThan(1000);
    expect(await one(c, `SELECT count(*) FROM app.identifies WHERE user_id IS NULL`)).toBeGreaterThan(0);
    const [ctx] = await rows(
      c,
      `WITH m AS (SELECT DISTINCT user_id, group_id FROM app.groups WHERE user_id IS NOT NULL)
       SELECT count(*) FILTER (WHERE t.context_group_id IS NULL)::DOUBLE AS none,
              count(*) FILTER (WHERE t.context_group_id IS NOT NULL AND m.user_id IS NULL)::DOUBLE AS foreign_ctx,
              count(*) FILTER (WHERE m.user_id IS NOT NULL)::DOUBLE AS own
       FROM app.tracks t LEFT JOIN m ON m.user_id = t.user_id AND m.group_id = t.context_group_id
       WHERE t.user_id IS NOT NULL`,
    );
    expect(Number(ctx!.none)).toBeGreaterThan(1000);
    expect(Number(ctx!.foreign_ctx)).toBeGreaterThan(1000);
    expect(Number(ctx!.own)).toBeGreaterThan(Number(ctx!.none) + Number(ctx!.foreign_ctx));
    // a user in several accounts acts in more than one of them
    expect(
      await one(c, `SELECT count(*) FROM (SELECT user_id FROM app.tracks WHERE user_id IS NOT NULL AND context_group_id IS NOT NULL GROUP BY 1 HAVING count(DISTINCT context_group_id) >= 2)`),
    ).toBeGreaterThan(100);
  });

  it('has active and dormant users, heavy trials and accounts whose logins dropped', async () => {
    const [users] = await rows(
      c,
      `WITH last AS (SELECT user_id, max("timestamp") AS last FROM app.tracks WHERE user_id IS NOT NULL AND "timestamp" <= ${AS_OF} GROUP BY 1)
       SELECT count(*) FILTER (WHERE last > ${AS_OF} - INTERVAL 30 DAY)::DOUBLE AS active,
              count(*) FILTER (WHERE last <= ${AS_OF} - INTERVAL 60 DAY)::DOUBLE AS dormant FROM last`,
    );
    expect(Number(users!.active)).toBeGreaterThan(2000);
    expect(Number(users!.dormant)).toBeGreaterThan(300);

    // feature use per member in the last 14 days: trials use features more than paying accounts
    const perPlan = await rows(
      c,
      `WITH m AS (SELECT DISTINCT user_id, group_id FROM app.groups WHERE user_id IS NOT NULL AND "timestamp" <= ${AS_OF}),
            p AS (SELECT group_id, arg_max(plan, ("timestamp", id)) AS plan FROM app.groups WHERE plan IS NOT NULL AND "timestamp" <= ${AS_OF} GROUP BY 1),
            f AS (SELECT user_id, count(*) AS n FROM app.feature_used WHERE "timestamp" > ${AS_OF} - INTERVAL 14 DAY AND "timestamp" <= ${AS_OF} GROUP BY 1)
       SELECT p.plan, avg(coalesce(f.n, 0))::DOUBLE AS per_user FROM m JOIN p USING (group_id) LEFT JOIN f USING (user_id) GROUP BY 1`,
    );
    const per = (plan: string) => Number(perPlan.find((r) => r.plan === plan)?.per_user);
    expect(per('trial')).toBeGreaterThan(1.5 * Math.max(per('starter'), per('pro'), per('enterprise')));

    // accounts that were busy 60-90 days ago and quiet in the last 30
    expect(
      await one(
        c,
        `WITH m AS (SELECT DISTINCT user_id, group_id FROM app.groups WHERE user_id IS NOT NULL AND "timestamp" <= ${AS_OF})
         SELECT count(*) FROM (
           SELECT m.group_id,
             count(*) FILTER (WHERE l."timestamp" > ${AS_OF} - INTERVAL 90 DAY AND l."timestamp" <= ${AS_OF} - INTERVAL 60 DAY) AS before,
             count(*) FILTER (WHERE l."timestamp" > ${AS_OF} - INTERVAL 30 DAY AND l."timestamp" <= ${AS_OF}) AS recent
           FROM m JOIN app.logged_in l USING (user_id) GROUP BY 1)
         WHERE before >= 20 AND recent * 4 < before`,
      ),
    ).toBeGreaterThanOrEqual(20);
  });
});
