// The example project that `quorum init` writes: its files are well-formed, every name it uses
// exists in the demo warehouse, and every audience has a non-trivial size at the default as_of
// on the demo data, computed here with plain SQL of our own (independent of the compiler).

import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

import { DEMO_EVENTS, generateDemoWarehouse } from '../../fixtures/demo/generate-warehouse.js';
import { demoProjectTemplateDir, writeDemoProject } from '../../fixtures/demo/write-project.js';
import { DiagnosticsError } from '../../src/diagnostics/diagnostic.js';

const TEMPLATE = demoProjectTemplateDir();

async function yamlFiles(sub: string): Promise<{ file: string; doc: unknown }[]> {
  const dir = join(TEMPLATE, sub);
  const names = (await readdir(dir)).filter((n) => n.endsWith('.yml')).sort();
  const out: { file: string; doc: unknown }[] = [];
  for (const name of names) {
    const text = await readFile(join(dir, name), 'utf8');
    const docs = parseAllDocuments(text);
    expect(docs.length, name).toBe(1);
    expect(docs[0]!.errors, name).toEqual([]);
    out.push({ file: `${sub}/${name}`, doc: parse(text) });
  }
  return out;
}

/** Every leaf of a condition tree (objects without all / any / not / quantifier keys). */
function leaves(node: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(node)) {
    for (const n of node) leaves(n, out);
    return out;
  }
  if (node === null || typeof node !== 'object') throw new Error(`not a condition: ${JSON.stringify(node)}`);
  const obj = node as Record<string, unknown>;
  if ('all' in obj) return leaves(obj.all, out);
  if ('any' in obj) return leaves(obj.any, out);
  if ('not' in obj) return leaves(obj.not, out);
  for (const q of ['any_user', 'all_users', 'no_user']) if (q in obj) return leaves(obj[q], out);
  if ('at_least_users' in obj) return leaves((obj.at_least_users as Record<string, unknown>).where, out);
  out.push(obj);
  return out;
}

describe('the demo project template', () => {
  it('has quorum.yml with the demo warehouse, the segment source and a file destination', async () => {
    const config = parse(await readFile(join(TEMPLATE, 'quorum.yml'), 'utf8')) as Record<string, any>;
    expect(config.warehouse).toEqual({ type: 'duckdb', path: 'warehouse.duckdb' });
    expect(config.source).toEqual({ preset: 'segment', schema: 'app', event_time: 'timestamp' });
    expect(config.state).toEqual({ schema: 'quorum' });
    expect(config.destinations).toEqual({ audit: { type: 'file', path: 'out/calls.ndjson' } });
    expect(await readFile(join(TEMPLATE, 'quorum.yml'), 'utf8')).toMatch(/#\s+type: segment/);
  });

  it('names every definition after its file, once, and references only what exists', async () => {
    const audiences = await yamlFiles('audiences');
    const traits = await yamlFiles('traits');
    const names = new Map<string, { level: string; kind: string }>();
    for (const { file, doc } of [...audiences, ...traits]) {
      const d = doc as Record<string, unknown>;
      const name = (d.audience ?? d.computed_trait ?? d.sql_trait) as string;
      expect(file.endsWith(`/${name}.yml`), file).toBe(true);
      expect(names.has(name), name).toBe(false);
      expect(['user', 'account']).toContain(d.level);
      names.set(name, { level: d.level as string, kind: 'audience' in d ? 'audience' : 'trait' });
      if ('event' in d && d.event !== 'page') expect(DEMO_EVENTS.map((e) => e.name)).toContain(d.event);
    }
    for (const name of ['at_risk_accounts', 'trial_upgrade_candidates', 'high_workflow_adoption', 'users_in_high_adoption_accounts',
      'power_users', 'churned_accounts', 'fully_active_accounts', 'logins_past_30_days', 'features_adopted', 'favourite_feature',
      'active_users_past_month', 'reports_created_in_workspace']) {
      expect(names.has(name), name).toBe(true);
    }
    const userColumns = ['email', 'name', 'role', 'title', 'created_at', 'first_name', 'last_name', 'email_verified'];
    const accountColumns = ['name', 'industry', 'plan', 'employees', 'website', 'created_at', 'mrr', 'sso_enabled'];
    for (const { file, doc } of audiences) {
      for (const leaf of leaves((doc as Record<string, unknown>).where)) {
        if ('in_audience' in leaf || 'not_in_audience' in leaf) {
          const target = (leaf.in_audience ?? leaf.not_in_audience) as string;
          expect(names.get(target)?.kind, `${file}: ${target}`).toBe('audience');
        } else if ('trait' in leaf) {
          const t = leaf.trait as string;
          if (!names.has(t)) expect([...userColumns, ...accountColumns], `${file}: ${t}`).toContain(t);
        } else {
          expect(DEMO_EVENTS.map((e) => e.name), `${file}`).toContain(leaf.performed ?? leaf.not_performed);
        }
      }
    }
    for (const { file, doc } of await yamlFiles('tests')) {
      const cases = Array.isArray(doc) ? doc : [doc];
      for (const c of cases as Record<string, any>[]) {
        // A case is one evaluation, or a list of time-travel steps (given more data, then `at`).
        const steps: Record<string, any>[] = c.steps ?? [c];
        expect(Object.keys(c).sort(), file).toEqual(c.steps ? ['given', 'steps', 'test'].filter((k) => k in c) : ['as_of', 'expect', 'given', 'test']);
        for (const step of [c, ...steps]) {
          for (const key of ['expect', 'expect_entered', 'expect_exited']) {
            for (const name of Object.keys(step[key] ?? {})) expect(names.has(name), `${file}: ${name}`).toBe(true);
          }
          for (const e of step.given?.events ?? []) expect(DEMO_EVENTS.map((x) => x.name), file).toContain(e.event);
        }
      }
    }
  });
});

// Plain SQL for each audience of the project at the default as_of; the compiler's answers on the
// demo warehouse should match these numbers.
const SIZES_SQL = `
CREATE OR REPLACE TEMP TABLE mem AS SELECT DISTINCT user_id, group_id FROM app.groups
  WHERE "timestamp" <= $asof AND user_id IS NOT NULL AND group_id IS NOT NULL;
CREATE OR REPLACE TEMP TABLE accts AS SELECT DISTINCT group_id FROM app.groups WHERE "timestamp" <= $asof AND group_id IS NOT NULL;
CREATE OR REPLACE TEMP TABLE users AS
  SELECT user_id FROM app.identifies WHERE "timestamp" <= $asof AND user_id IS NOT NULL
  UNION SELECT user_id FROM app.groups WHERE "timestamp" <= $asof AND user_id IS NOT NULL
  UNION SELECT user_id FROM app.tracks WHERE "timestamp" <= $asof AND user_id IS NOT NULL
  UNION SELECT user_id FROM app.pages WHERE "timestamp" <= $asof AND user_id IS NOT NULL;
CREATE OR REPLACE TEMP TABLE aplan AS SELECT group_id, arg_max(plan, ("timestamp", id)) AS plan FROM app.groups
  WHERE plan IS NOT NULL AND "timestamp" <= $asof GROUP BY 1;
CREATE OR REPLACE TEMP TABLE urole AS SELECT user_id, arg_max(role, ("timestamp", id)) AS role FROM app.identifies
  WHERE role IS NOT NULL AND user_id IS NOT NULL AND "timestamp" <= $asof GROUP BY 1;
CREATE OR REPLACE TEMP TABLE li AS SELECT user_id, "timestamp" FROM app.logged_in
  WHERE event_text = 'Logged In' AND user_id IS NOT NULL AND "timestamp" <= $asof;
CREATE OR REPLACE TEMP TABLE fu AS SELECT user_id, "timestamp", feature FROM app.feature_used
  WHERE event_text = 'Feature Used' AND user_id IS NOT NULL AND "timestamp" <= $asof;
CREATE OR REPLACE TEMP TABLE rc AS SELECT user_id, "timestamp" FROM app.report_created
  WHERE event_text = 'Report Created' AND user_id IS NOT NULL AND "timestamp" <= $asof;
CREATE OR REPLACE TEMP TABLE logins30 AS SELECT a.group_id, count(li.user_id) AS n FROM accts a
  LEFT JOIN mem m USING (group_id) LEFT JOIN li ON li.user_id = m.user_id AND li."timestamp" > $asof - INTERVAL 30 DAY GROUP BY 1;
CREATE OR REPLACE TEMP TABLE churned_accounts AS SELECT a.group_id AS id FROM accts a WHERE NOT EXISTS (
  SELECT 1 FROM mem m JOIN li USING (user_id) WHERE m.group_id = a.group_id AND li."timestamp" > $asof - INTERVAL 60 DAY);
CREATE OR REPLACE TEMP TABLE at_risk_accounts AS SELECT l.group_id AS id FROM logins30 l JOIN aplan p USING (group_id)
  WHERE l.n < 10 AND p.plan IN ('starter', 'pro', 'enterprise')
    AND EXISTS (SELECT 1 FROM mem m JOIN urole r USING (user_id) WHERE m.group_id = l.group_id AND r.role = 'Admin'
                AND EXISTS (SELECT 1 FROM rc WHERE rc.user_id = m.user_id AND rc."timestamp" > $asof - INTERVAL 60 DAY))
    AND l.group_id NOT IN (SELECT id FROM churned_accounts);
CREATE OR REPLACE TEMP TABLE feat30 AS SELECT a.group_id, count(DISTINCT fu.feature) AS n FROM accts a
  LEFT JOIN mem m USING (group_id) LEFT JOIN fu ON fu.user_id = m.user_id AND fu."timestamp" > $asof - INTERVAL 30 DAY GROUP BY 1;
CREATE OR REPLACE TEMP TABLE heavy AS SELECT user_id FROM fu WHERE "timestamp" > $asof - INTERVAL 14 DAY GROUP BY 1 HAVING count(*) >= 5;
CREATE OR REPLACE TEMP TABLE trial_upgrade_candidates AS SELECT p.group_id AS id FROM aplan p JOIN feat30 f USING (group_id)
  WHERE p.plan = 'trial' AND f.n >= 3 AND (SELECT count(*) FROM mem m JOIN heavy h USING (user_id) WHERE m.group_id = p.group_id) >= 3;
CREATE OR REPLACE TEMP TABLE wf AS SELECT DISTINCT user_id FROM fu WHERE feature = 'workflows' AND "timestamp" > $asof - INTERVAL 30 DAY;
CREATE OR REPLACE TEMP TABLE high_workflow_adoption AS SELECT m.group_id AS id FROM mem m LEFT JOIN wf USING (user_id)
  GROUP BY 1 HAVING 100 * count(wf.user_id) >= 50 * count(*);
CREATE OR REPLACE TEMP TABLE users_in_high_adoption_accounts AS SELECT DISTINCT user_id AS id FROM mem
  WHERE group_id IN (SELECT id FROM high_workflow_adoption);
CREATE OR REPLACE TEMP TABLE power_users AS SELECT u.user_id AS id FROM users u
  WHERE (SELECT count(*) FROM li WHERE li.user_id = u.user_id AND li."timestamp" > $asof - INTERVAL 30 DAY) >= 20
    AND (SELECT count(*) FROM rc WHERE rc.user_id = u.user_id AND rc."timestamp" > $asof - INTERVAL 30 DAY) >= 2;
CREATE OR REPLACE TEMP TABLE fully_active_accounts AS SELECT m.group_id AS id FROM mem m
  LEFT JOIN (SELECT DISTINCT user_id FROM li WHERE "timestamp" > $asof - INTERVAL 14 DAY) a USING (user_id)
  GROUP BY 1 HAVING count(a.user_id) = count(*);
CREATE OR REPLACE TEMP TABLE active_users_past_month AS
  SELECT g.group_id, count(DISTINCT t.user_id) AS n FROM app.tracks t JOIN app.groups g USING (user_id)
  WHERE t."timestamp" > $asof - INTERVAL 30 DAY AND t."timestamp" <= $asof AND g."timestamp" <= $asof GROUP BY 1;
CREATE OR REPLACE TEMP TABLE expansion_ready_accounts AS SELECT group_id AS id FROM active_users_past_month
  JOIN aplan USING (group_id) WHERE plan = 'starter' AND n >= 10;
CREATE OR REPLACE TEMP TABLE su AS SELECT user_id, "timestamp" FROM app.signed_up
  WHERE event_text = 'Signed Up' AND user_id IS NOT NULL AND plan = 'trial' AND "timestamp" <= $asof AND "timestamp" > $asof - INTERVAL 30 DAY;
CREATE OR REPLACE TEMP TABLE stalled_trials AS SELECT DISTINCT su.user_id AS id FROM su
  WHERE su."timestamp" + INTERVAL 3 DAY <= $asof AND NOT EXISTS (
    SELECT 1 FROM app.invite_sent i WHERE i.user_id = su.user_id AND i.event_text = 'Invite Sent'
      AND i."timestamp" > su."timestamp" AND i."timestamp" <= su."timestamp" + INTERVAL 3 DAY);
CREATE OR REPLACE TEMP TABLE stalled_trial_accounts AS SELECT DISTINCT group_id AS id FROM mem WHERE user_id IN (SELECT id FROM stalled_trials)
`;

const DEMO_AUDIENCES = {
  at_risk_accounts: 'account',
  churned_accounts: 'account',
  trial_upgrade_candidates: 'account',
  high_workflow_adoption: 'account',
  users_in_high_adoption_accounts: 'user',
  power_users: 'user',
  fully_active_accounts: 'account',
  expansion_ready_accounts: 'account',
  stalled_trials: 'user',
  stalled_trial_accounts: 'account',
} as const;

describe('the demo audiences on the demo warehouse at the default as_of', () => {
  let instance: DuckDBInstance;
  let c: DuckDBConnection;

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    c = await instance.connect();
    await generateDemoWarehouse(c);
    for (const stmt of SIZES_SQL.split(';').map((s) => s.trim()).filter(Boolean)) {
      await c.run(stmt.replaceAll('$asof', `TIMESTAMP '2024-06-01 00:00:00'`));
    }
  });

  afterAll(() => {
    c.closeSync();
    instance.closeSync();
  });

  it('covers every audience file', async () => {
    const files = (await readdir(join(TEMPLATE, 'audiences'))).map((f) => f.replace(/\.yml$/, '')).sort();
    expect(files).toEqual(Object.keys(DEMO_AUDIENCES).sort());
  });

  it('gives every audience a size that is neither 0 nor everybody', async () => {
    const reader = await c.runAndReadAll(`SELECT
      (SELECT count(*) FROM accts)::INTEGER AS accounts, (SELECT count(*) FROM users)::INTEGER AS users`);
    const universe = reader.getRowObjectsJS()[0] as { accounts: number; users: number };
    const sizes: Record<string, number> = {};
    for (const [name, level] of Object.entries(DEMO_AUDIENCES)) {
      const r = await c.runAndReadAll(`SELECT count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS d FROM ${name}`);
      const { n, d } = r.getRowObjectsJS()[0] as { n: number; d: number };
      expect(n, name).toBe(d);
      sizes[name] = n;
      const total = level === 'account' ? universe.accounts : universe.users;
      expect(n, name).toBeGreaterThanOrEqual(10);
      expect(n, name).toBeLessThanOrEqual(total * 0.5);
    }
    // The three use cases of the seed, in the ranges the demo was tuned for.
    expect(sizes.at_risk_accounts).toBeGreaterThanOrEqual(15);
    expect(sizes.trial_upgrade_candidates).toBeGreaterThanOrEqual(15);
    expect(sizes.high_workflow_adoption).toBeGreaterThanOrEqual(50);
    expect(sizes.users_in_high_adoption_accounts).toBeGreaterThan(sizes.high_workflow_adoption!);
    console.info('demo audience sizes at 2024-06-01T00:00:00Z:', JSON.stringify({ universe, sizes }));
  });

  it('gives the account traits interesting values', async () => {
    const r = await c.runAndReadAll(`SELECT
      (SELECT count(*) FROM logins30 WHERE n = 0)::INTEGER AS no_logins,
      (SELECT count(*) FROM logins30 WHERE n >= 100)::INTEGER AS busy,
      (SELECT count(*) FROM feat30 WHERE n >= 3)::INTEGER AS three_features,
      (SELECT count(*) FROM active_users_past_month)::INTEGER AS with_active_users`);
    const v = r.getRowObjectsJS()[0] as Record<string, number>;
    expect(v.no_logins).toBeGreaterThan(10);
    expect(v.busy).toBeGreaterThan(10);
    expect(v.three_features).toBeGreaterThan(100);
    expect(v.with_active_users).toBeGreaterThan(300);
  });
});

describe('writeDemoProject', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quorum-init-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('copies the template and generates the warehouse', async () => {
    const target = join(dir, 'new', 'project');
    await writeDemoProject(target);
    for (const f of ['quorum.yml', '.gitignore', 'warehouse.duckdb', 'audiences/at_risk_accounts.yml', 'traits/logins_past_30_days.yml', 'tests/at_risk_accounts.test.yml']) {
      expect(existsSync(join(target, f)), f).toBe(true);
    }
    expect(existsSync(join(target, 'gitignore'))).toBe(false);
    expect(existsSync(join(target, 'warehouse.duckdb.partial'))).toBe(false);
    expect(await readFile(join(target, 'quorum.yml'), 'utf8')).toBe(await readFile(join(TEMPLATE, 'quorum.yml'), 'utf8'));
    const instance = await DuckDBInstance.create(join(target, 'warehouse.duckdb'), { access_mode: 'READ_ONLY' });
    try {
      const conn = await instance.connect();
      const r = await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM app.tracks`);
      expect((r.getRowObjectsJS()[0] as { n: number }).n).toBeGreaterThan(200_000);
      conn.closeSync();
    } finally {
      instance.closeSync();
    }

    // a second init into the same directory is refused, with a diagnostic
    const again = writeDemoProject(target);
    await expect(again).rejects.toBeInstanceOf(DiagnosticsError);
    await expect(writeDemoProject(target)).rejects.toThrow(/quorum\.yml already exists/);
  });

  it('refuses to overwrite template files or a warehouse, writing nothing', async () => {
    const target = join(dir, 'clash');
    await mkdir(join(target, 'audiences'), { recursive: true });
    await writeFile(join(target, 'audiences', 'power_users.yml'), 'mine\n');
    const err = await writeDemoProject(target).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiagnosticsError);
    expect((err as DiagnosticsError).diagnostics[0]!.message).toMatch(/audiences[\\/]power_users\.yml/);
    expect(existsSync(join(target, 'quorum.yml'))).toBe(false);
    expect(existsSync(join(target, 'warehouse.duckdb'))).toBe(false);
    expect(await readFile(join(target, 'audiences', 'power_users.yml'), 'utf8')).toBe('mine\n');
  });
});
