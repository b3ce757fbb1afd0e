// The user universe, the account universe, the memberships and the identity edges kept in the state
// schema (SPEC §6.1) as facts: distinct keys per source table, with the first and last event time
// of each where the statement needs it. Facts hold rows at or before the as_of of the run that
// wrote them; a run merges in the rows new to it. Every merge is a min / max / union, so a row
// read twice changes nothing, and the touched keys are rewritten, never added to.
import { createHash } from 'node:crypto';
import type { ColumnDefinition, Ddl, Expr, TableRef } from '../sql/ast.js';
import { aggregate, and, bin, caseWhen, col, concat, countAll, deleteFrom, exists, insertInto, isNull, not, num, or, select, str, table, tableOf, ts, union } from '../sql/ast.js';
import type { Plan } from '../plan/plan.js';
import { toNumber, type StateWriter } from '../sync/state-sql.js';
import { newness, type PreviousRefresh, type RefreshRecord, type WatermarkReads } from './arrival-sql.js';
import type { IncrementalSettings } from './incremental-settings.js';
import { eventTimeOf, rawIdentity, stitches, type RowContext } from './partial-columns.js';

export type FactKind = 'users' | 'edges' | 'groups';

interface FactColumn {
  readonly name: string;
  readonly expr: (ctx: RowContext) => Expr;
  /** A key column (never null); the others are functions of the keys. */
  readonly key: boolean;
}

export interface Fact {
  readonly kind: FactKind;
  readonly stateTable: string;
  readonly sources: readonly { readonly table: string; readonly arrivalColumn: string }[];
  readonly columns: readonly FactColumn[];
  /** first_at / last_at: the earliest / latest event time of the key (identity edges). */
  readonly times: boolean;
  readonly rowFilter: (ctx: RowContext) => Expr;
}

const userId = (ctx: RowContext) => col(ctx.plan.layout.columns.userId, ctx.alias);
const anonymousId = (ctx: RowContext) => col(ctx.plan.layout.columns.anonymousId, ctx.alias);
const groupId = (ctx: RowContext) => col(ctx.plan.layout.columns.groupId, ctx.alias);

/** A group call's raw identity, tagged; '-' for a call that is nobody's (it still makes its account). */
function groupKey(ctx: RowContext): Expr {
  const whens = [{ when: isNull(userId(ctx), true), then: concat(str('u:'), userId(ctx)) }];
  if (stitches(ctx)) whens.push({ when: isNull(anonymousId(ctx), true), then: concat(str('a:'), anonymousId(ctx)) });
  return caseWhen(whens, str('-'));
}


/** The facts this plan's statement can read from state; a fact whose sources lack what it needs is left to the full lowering. */
export function planFacts(plan: Plan, settings: IncrementalSettings): Fact[] {
  const { columns, tables } = plan.layout;
  const make = (kind: FactKind, sourceTables: readonly string[], factColumns: FactColumn[], times: boolean, rowFilter: Fact['rowFilter'], needed: readonly string[]): Fact | null => {
    const sources = sourceTables.map((t) => ({ table: t, arrivalColumn: settings.arrivalColumn(t) }));
    if (sources.length === 0 || sources.some((s) => s.arrivalColumn === null || !needed.every((c) => settings.columnType(s.table, c) === 'string'))) return null;
    const signature = JSON.stringify({ kind, schema: plan.layout.schema, eventTime: plan.layout.eventTime, columns, stitching: plan.identity !== null });
    return {
      kind,
      stateTable: `inc_${kind}_${createHash('sha256').update(signature).digest('hex').slice(0, 12)}`,
      sources: sources as Fact['sources'],
      columns: factColumns,
      times,
      rowFilter,
    };
  };
  const facts = [
    make('users', plan.userUniverseTables, [{ name: 'user_id', expr: userId, key: true }], false, (ctx) => isNull(userId(ctx), true), [columns.userId]),
    plan.identity === null
      ? null
      : make(
          'edges',
          plan.identity.edgeTables,
          [
            { name: 'anonymous_id', expr: anonymousId, key: true },
            { name: 'user_id', expr: userId, key: true },
          ],
          true,
          (ctx) => and(isNull(anonymousId(ctx), true), isNull(userId(ctx), true)),
          [columns.userId, columns.anonymousId],
        ),
    make(
      'groups',
      [tables.groups],
      [
        { name: 'group_id', expr: groupId, key: true },
        { name: 'rk', expr: groupKey, key: true },
        { name: 'ru', expr: (ctx) => rawIdentity(ctx).ru, key: false },
        { name: 'ra', expr: (ctx) => rawIdentity(ctx).ra, key: false },
      ],
      false,
      (ctx) => isNull(groupId(ctx), true),
      [columns.userId, columns.groupId, ...(plan.identity === null ? [] : [columns.anonymousId])],
    ),
  ];
  return facts.filter((f): f is Fact => f !== null);
}

const factColumnDefinitions = (f: Fact, prefix = ''): ColumnDefinition[] => [
  { name: `${prefix}source_table`, type: 'string', nullable: false },
  ...f.columns.map((c) => ({ name: `${prefix}${c.name}`, type: 'string' as const, nullable: !c.key })),
  ...(f.times ? (['first_at', 'last_at'] as const).map((name) => ({ name: `${prefix}${name}`, type: 'timestamp' as const, nullable: true })) : []),
];

export const factRef = (schema: string, f: Fact): TableRef => ({ schema, name: f.stateTable });
const scratchRef = (schema: string, f: Fact): TableRef => ({ schema, name: `${f.stateTable}_new` });

export function factDdl(schema: string, facts: readonly Fact[]): Ddl[] {
  return facts.flatMap((f): Ddl[] => [
    { kind: 'create_table', schema, name: f.stateTable, columns: factColumnDefinitions(f), primaryKey: [], bulk: true },
    { kind: 'create_table', schema, name: `${f.stateTable}_new`, columns: [...factColumnDefinitions(f, 'n_'), { name: 'n_rows', type: 'integer', nullable: true }], primaryKey: [], bulk: true },
  ]);
}

export const factRefreshKey = (f: Fact, source: Fact['sources'][number]): string => `${f.stateTable}:${source.table}:${source.arrivalColumn}`;

/**
 * Merges one source table's new rows into a fact table: the new keys (with their times) go to the
 * scratch table, the stored rows of those keys join them there, and the keys are rewritten from
 * the scratch table, one row each. Returns the source rows read and the bookkeeping row to write.
 */
export async function refreshFact(
  w: StateWriter,
  plan: Plan,
  schema: string,
  f: Fact,
  source: Fact['sources'][number],
  previous: PreviousRefresh | null,
  lagSeconds: number,
  watermarks: WatermarkReads,
  countRowsRead = true,
): Promise<{ rowsRead: number; record: RefreshRecord }> {
  const ctx: RowContext = { plan, table: source.table, alias: 'e' };
  const from = table(source.table, 'e', plan.layout.schema);
  const arrival = col(source.arrivalColumn, 'e');
  const time = eventTimeOf(ctx);
  const n = newness(previous, plan.asOf, lagSeconds, arrival, time, (p) => p);
  const watermark = await watermarks.read(plan.layout.schema, source.table, source.arrivalColumn, n);
  const fact = factRef(schema, f);
  const scratch = scratchRef(schema, f);
  const mine = bin('=', col('source_table'), str(source.table));
  const keys = f.columns.map((c) => c.expr(ctx));
  const names = factColumnDefinitions(f).map((c) => c.name);
  const scratchNames = names.map((c) => `n_${c}`);
  await w.run(deleteFrom(scratch));
  const newRows = (branch: Expr | null) =>
    select({
      columns: [
        { expr: str(source.table), alias: 'source_table' },
        ...keys.map((expr, i) => ({ expr, alias: f.columns[i].name })),
        ...(f.times ? [{ expr: aggregate('min', time), alias: 'first_at' }, { expr: aggregate('max', time), alias: 'last_at' }] : []),
        { expr: countAll(), alias: 'n_rows' },
      ],
      from,
      where: and(f.rowFilter(ctx), bin('<=', time, ts(plan.asOf)), ...(branch === null ? [] : [branch])),
      groupBy: keys,
    });
  // A key may come from two of the disjoint branches: the merge below groups it into one row.
  const rows = n.branches === null ? newRows(null) : w.printer.prunesBlocksByRange ? union(n.branches.map(newRows)) : newRows(or(...n.branches));
  await w.run(insertInto(scratch, [...scratchNames, 'n_rows'], rows));
  const keyColumns = f.columns.filter((c) => c.key).map((c) => c.name);
  const sameKey = (scratchAlias: string | null, factAlias: string | null): Expr =>
    and(bin('=', col('n_source_table', scratchAlias), col('source_table', factAlias)), ...keyColumns.map((c) => bin('=', col(`n_${c}`, scratchAlias), col(c, factAlias))));
  const read = countRowsRead ? await w.rows(select({ columns: [{ expr: aggregate('sum', col('n_rows', 's')), alias: 'n' }], from: tableOf(scratch, 's') })) : [];
  // Only keys (and functions of them): a stored key stays as it is, and only new keys are added.
  const keysOnly = n.previous !== null && !f.times;
  const storedKey = (scratchAlias: string | null) => exists(select({ columns: [{ expr: num(1), alias: null }], from: tableOf(fact, 'f'), where: sameKey(scratchAlias, 'f') }));
  if (n.previous === null) {
    await w.run(deleteFrom(fact, mine));
  } else if (!keysOnly) {
    // The stored rows of the touched keys join the new ones, then leave the fact table.
    const touched = exists(select({ columns: [{ expr: num(1), alias: null }], from: tableOf(scratch, 's'), where: sameKey('s', 'f') }));
    await w.run(insertInto(scratch, scratchNames, select({ columns: names.map((c) => ({ expr: col(c, 'f'), alias: c })), from: tableOf(fact, 'f'), where: and(bin('=', col('source_table', 'f'), str(source.table)), touched) })));
    await w.run(deleteFrom(fact, exists(select({ columns: [{ expr: num(1), alias: null }], from: tableOf(scratch, 's'), where: sameKey('s', null) }))));
  }
  const grouped = f.columns.map((c) => col(`n_${c.name}`, 's'));
  await w.run(
    insertInto(
      fact,
      names,
      select({
        columns: [
          { expr: col('n_source_table', 's'), alias: 'source_table' },
          ...grouped.map((expr, i) => ({ expr, alias: f.columns[i].name })),
          ...(f.times ? [{ expr: aggregate('min', col('n_first_at', 's')), alias: 'first_at' }, { expr: aggregate('max', col('n_last_at', 's')), alias: 'last_at' }] : []),
        ],
        from: tableOf(scratch, 's'),
        where: keysOnly ? not(storedKey('s')) : null,
        groupBy: [col('n_source_table', 's'), ...grouped],
      }),
    ),
  );
  await w.run(deleteFrom(scratch));
  if (n.previous === null) await w.refreshStatistics(fact); // this source's facts written whole: partial-refresh.ts says why
  return { rowsRead: toNumber(read[0]?.n), record: { key: factRefreshKey(f, source), sourceTable: source.table, asOf: plan.asOf, watermark } };
}
