// `quorum members` prints one definition's CSV from memberList (ids and values column by column,
// sorted by the warehouse) instead of an object per member, and `preview` reads the same list
// (issue 15 §5). Their output must be exactly what the object path printed: on DuckDB (batches,
// the warehouse's order checked) and PGlite (one batch, a collation that is not JavaScript's order,
// so the ids are sorted again), with ids and values that quote, start a formula, hold newlines,
// order differently by UTF-16 unit and by code point, are numbers or lists, or are missing.
import { describe, expect, it } from 'vitest';
import type { Definition, Level } from '../../src/definitions/model.js';
import { printMemberList, printMembers } from '../../src/cli/print.js';
import { readCatalog } from '../../src/evaluation/evaluate.js';
import { memberList, members, preview, type InspectContext } from '../../src/evaluation/inspect.js';
import type { SourceDataset, SourceRow } from '../../src/reference/dataset.js';
import type { WarehouseConnection } from '../../src/warehouse/connection.js';
import { makeProject } from '../support/arbitraries.js';
import { duckAndPglite } from '../support/duck-and-pglite.js';

const LOC = { file: 'test/member-list.yml', line: 1, col: 1 };
const AS_OF = '2024-06-01T00:00:00.000Z';
const EVENT = 'Clicked';

/** Ids and labels that CSV must quote or defuse, and pairs whose order depends on how strings compare. */
const TEXTS: readonly string[] = [
  'plain',
  'comma, inside',
  '"quoted"',
  'new\nline',
  'carriage\rreturn',
  '=1+1',
  '+cmd',
  '-minus',
  '@at',
  '\ttab',
  "O'Brien",
  'Zebra',
  'apple',
  'émile',
  'ｆｕｌｌ ＦＦ01 ！',
  'emoji 😀',
  '𝔘𝔫𝔦',
  '\uFFFD replacement',
  '10',
  '9',
];

function dataset(): SourceDataset {
  const base = { id: 'string', user_id: 'string', anonymous_id: 'string', timestamp: 'timestamp', received_at: 'timestamp' } as const;
  const at = '2024-05-01T00:00:00Z';
  const identifies: SourceRow[] = TEXTS.map((text, i) => ({ id: `i${i}`, user_id: text, anonymous_id: null, timestamp: at, received_at: at }));
  const groups: SourceRow[] = TEXTS.map((text, i) => ({ id: `g${i}`, user_id: text, anonymous_id: null, group_id: TEXTS[(i * 7) % 5], timestamp: at, received_at: at }));
  // every third user has no event: a null value; amounts give fractions, negatives and large numbers
  const events: SourceRow[] = TEXTS.flatMap((text, i) =>
    i % 3 === 2
      ? []
      : Array.from({ length: 1 + (i % 4) }, (_, k) => ({
          id: `e${i}_${k}`,
          user_id: text,
          anonymous_id: null,
          event: 'clicked',
          event_text: EVENT,
          timestamp: `2024-05-2${k}T00:00:00Z`,
          received_at: `2024-05-2${k}T00:00:00Z`,
          context_group_id: null,
          label: TEXTS[(i + k) % TEXTS.length],
          amount: [0.1, -2.5, 1e21, 3][k % 4] * (i + 1),
        })),
  );
  const eventColumns = { ...base, event: 'string', event_text: 'string', context_group_id: 'string' } as const;
  return {
    tables: {
      identifies: { columns: base, rows: identifies },
      groups: { columns: { ...base, group_id: 'string' }, rows: groups },
      tracks: { columns: eventColumns, rows: events.map(({ label: _l, amount: _a, ...row }) => row) },
      clicked: { columns: { ...eventColumns, label: 'string', amount: 'number' }, rows: events },
    },
  };
}

function definitions(): Definition[] {
  const base = { description: null, sync: [], loc: LOC };
  const event = { kind: 'track', name: EVENT } as const;
  const trait = (name: string, level: Level, compute: 'most_frequent' | 'unique_list' | 'sum' | 'count' | 'last', property: string | null): Definition => ({
    ...base,
    kind: 'computed_trait',
    name,
    level,
    compute,
    event,
    window: null,
    filters: [],
    property,
    minFrequency: 1,
    scope: 'users',
  });
  return [
    { ...base, kind: 'audience', name: 'clickers', level: 'user', where: { kind: 'performed', event, window: null, filters: [], count: { op: 'at_least', n: 1 }, loc: LOC }, schedule: null, maxExitFraction: null },
    { ...base, kind: 'audience', name: 'clicking_accounts', level: 'account', where: { kind: 'quantifier', quantifier: 'any_user', atLeast: null, condition: { kind: 'performed', event, window: null, filters: [], count: { op: 'at_least', n: 2 }, loc: LOC }, loc: LOC }, schedule: null, maxExitFraction: null },
    trait('top_label', 'user', 'most_frequent', 'label'),
    trait('last_label', 'user', 'last', 'label'),
    trait('amount_sum', 'user', 'sum', 'amount'),
    trait('clicks', 'user', 'count', null),
    trait('account_labels', 'account', 'unique_list', 'label'),
    // a user without events has [] (SPEC: unique_list without any), a value run stages and counts
    trait('labels', 'user', 'unique_list', 'label'),
  ];
}

function printed(print: () => void): string {
  const write = process.stdout.write;
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  try {
    print();
  } finally {
    process.stdout.write = write;
  }
  return out;
}

async function context(connection: WarehouseConnection): Promise<InspectContext> {
  const project = makeProject(definitions());
  return { connection, project, catalog: await readCatalog(connection, project), asOf: AS_OF };
}

async function expectSameOutput(ctx: InspectContext): Promise<void> {
  for (const { name } of ctx.project.definitions) {
    const objects = await members(ctx, name);
    const list = await memberList(ctx, name);
    expect(printed(() => printMemberList(list)), name).toBe(printed(() => printMembers(objects)));
    // preview reads the list: its size and sample are the members run stages, [] included (an
    // audit on 5 December found preview leaving empty lists out of its size, unlike run)
    const withValue = objects.members.filter((m) => !('value' in m) || m.value !== null);
    const shown = await preview(ctx, name);
    expect({ size: shown.size, sample: shown.sample }, name).toEqual({ size: withValue.length, sample: withValue.slice(0, 10) });
  }
  // the answers are not empty, and the ids need more than one batch's worth of care: both orders occur
  const clickers = await memberList(ctx, 'clickers');
  expect(clickers.ids.length).toBe(TEXTS.filter((_, i) => i % 3 !== 2).length);
  expect(clickers.ids).toContain('emoji 😀');
  const labels = await preview(ctx, 'labels');
  expect(labels.size).toBe(TEXTS.length);
  expect(labels.sample.some((m) => Array.isArray(m.value) && m.value.length === 0)).toBe(true);
}

describe('memberList prints what members printed', () => {
  const engines = duckAndPglite();

  it('on DuckDB', async () => {
    await engines.loadDuck(dataset());
    await expectSameOutput(await context(engines.duck));
  });

  it('on PGlite', async () => {
    await engines.loadLite(dataset());
    await expectSameOutput(await context(engines.lite));
  });
});

describe('CSV cells', () => {
  // an audit on 5 December: a negative sum printed as the text "'-5", which a spreadsheet cannot add
  it('defuse text that starts a formula, and leave numbers, negative ones included, as numbers', () => {
    const out = printed(() => printMembers({ name: 'x', level: 'user', as_of: AS_OF, members: [{ id: '-minus', value: -5 }, { id: '=1+1', value: -0.5 }, { id: 'plain', value: '-text' }] }));
    expect(out).toBe(`id,value\n"'-minus",-5\n"'=1+1",-0.5\nplain,"'-text"\n`);
  });
});
