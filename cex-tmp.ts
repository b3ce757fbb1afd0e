import { readFileSync } from 'node:fs';
import pg from 'pg';
import { postgres } from './dialects/postgres/index.js';
import { PgliteConnection } from './dialects/postgres/pglite-connection.js';
import { evaluate, readCatalog, compileSql } from './src/evaluation/evaluate.js';
import { loadDatasetPg } from './test/dialects/support/load-pglite.js';
const [scenario] = JSON.parse(readFileSync('/tmp/stitching-bench/cex.json', 'utf8'));
const { project, dataset, asOf } = scenario;
const url = 'postgres://quorum@127.0.0.1:54337/postgres';
const client = new pg.Client({ connectionString: url }); await client.connect();
await loadDatasetPg({ exec: (s: string) => client.query(s), query: (s: string, p: unknown[]) => client.query(s, p) }, dataset);
const wire = await postgres.connect({ type: 'postgres', url });
const lite = await PgliteConnection.open(postgres); await loadDatasetPg(lite.db as never, dataset);
for (const identity of [project.config.identity, { stitch: 'off', conflict: 'first' }]) {
  const p = { ...project, config: { ...project.config, identity } };
  for (const [name, c] of [['wire', wire], ['lite', lite]] as const) {
    const catalog = await readCatalog(c, p);
    const r = await evaluate(c, { project: p, catalog, asOf, targets: ['ct_1_unique_list'] });
    console.log(identity.stitch, name, JSON.stringify([...(r.get('ct_1_unique_list') as any).values]));
  }
}
const catalog = await readCatalog(wire, project);
if (0) console.log(compileSql({ project, catalog, asOf, targets: ['ct_1_unique_list'] }, postgres.printer).split('"events:account:pages"')[1]?.slice(0, 2500));
const sql = compileSql({ project, catalog, asOf, targets: ['ct_1_unique_list'] }, postgres.printer);
const cut = sql.indexOf("\"features:account\""); const withPart = sql.slice(0, sql.lastIndexOf("),", cut) + 1);
const q = async (name: string, text: string) => name === 'wire' ? (await client.query(text)).rows : ((await (lite.db as any).query(text)).rows);
for (const name of ['wire', 'lite']) {
  console.log(name, 'FULL', JSON.stringify(await q(name, sql)));
  console.log(name, 'FEAT', JSON.stringify(await q(name, sql.slice(0, sql.lastIndexOf('SELECT')) + ' SELECT * FROM "features:account"')));
  try {
  console.log(name, JSON.stringify(await q(name, `${withPart} SELECT * FROM "memberships" ORDER BY 1, 2`)));
  console.log(name, JSON.stringify(await q(name, `${withPart} SELECT * FROM "events:account:pages" ORDER BY 1`)));
  console.log(name, JSON.stringify(await q(name, `SELECT id, user_id, anonymous_id, group_id, timestamp FROM app.groups WHERE group_id = 'acme' ORDER BY 1`)));
  console.log(name, JSON.stringify(await q(name, `SELECT id, user_id, anonymous_id, timestamp, path FROM app.pages WHERE path = '/docs?q=%25'`)));
  console.log(name, JSON.stringify(await q(name, `SELECT version()`)));
  } catch (e) { console.log(name, String(e)); }
}
await wire.close(); await lite.close(); await client.end();
