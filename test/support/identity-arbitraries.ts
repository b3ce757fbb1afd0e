// fast-check arbitraries for identity stitching (SPEC §2.1): the generated Segment-layout data of
// arbitraries.ts with anonymous ids drawn from one small shared pool, so that edges cross tables,
// one anonymous id meets several users, anonymous rows (events, pages, identifies with traits,
// group calls) belong to those users, and boundary rows are placed on purpose: an edge exactly at
// as_of, an edge one second after it, and two users seen with one anonymous id at the same instant.
import fc from 'fast-check';
import type { IdentityConfig, Project } from '../../src/definitions/model.js';
import type { SourceDataset, SourceRow, SourceTable } from '../../src/reference/dataset.js';
import { AS_OF, arbDataset, arbDefinitions, EVENTS, makeProject, USER_TRAITS, type DatasetSize, type DefinitionOptions, type Scenario } from './arbitraries.js';

/** Few ids, so that they collide; one with a quote, one differing only in case. */
export const ANONYMOUS_IDS = ['anon-1', 'anon-2', 'anon-3', "anon'4", 'ANON-1'] as const;
const USERS = ['u1', 'u2', 'u3', "o'brien", 'U1'] as const;

export const IDENTITY_MODES: readonly IdentityConfig[] = [
  { stitch: 'off', conflict: 'first' },
  { stitch: 'anonymous_id', conflict: 'first' },
  { stitch: 'anonymous_id', conflict: 'last' },
];

const AS_OF_MS = Date.parse(AS_OF);
const at = (offsetSeconds: number) => new Date(AS_OF_MS + offsetSeconds * 1000).toISOString();

/** How one generated row's ids are rewritten: its anonymous id, and whether it loses its user_id. */
interface Rewrite {
  readonly anonymous: string | null;
  readonly anonymousOnly: boolean;
}

const arbRewrite: fc.Arbitrary<Rewrite> = fc.record({
  anonymous: fc.option(fc.constantFrom(...ANONYMOUS_IDS), { nil: null, freq: 6 }),
  anonymousOnly: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 2, arbitrary: fc.constant(true) }),
});

/** A row placed on a boundary on purpose. */
interface BoundaryRow {
  readonly table: 'identifies' | 'groups' | 'pages' | 'logged_in';
  readonly user: string | null;
  readonly anonymous: string;
  /** seconds from as_of: 0 is exactly as_of, 1 just after; equal offsets make same-instant edges */
  readonly offset: number;
  readonly account: string;
  readonly role: string | null;
}

const arbBoundaryRow: fc.Arbitrary<BoundaryRow> = fc.record({
  table: fc.constantFrom('identifies', 'groups', 'pages', 'logged_in'),
  user: fc.option(fc.constantFrom(...USERS), { nil: null, freq: 3 }),
  anonymous: fc.constantFrom(...ANONYMOUS_IDS),
  offset: fc.constantFrom(0, 0, 1, -1, -86_400, -3600, 3600),
  account: fc.constantFrom('acme', 'globex', "o'hare"),
  role: fc.option(fc.constantFrom(...(USER_TRAITS.role.domain as string[])), { nil: null, freq: 3 }),
});

function withRows(table: SourceTable | undefined, rows: readonly SourceRow[]): SourceTable {
  if (!table) throw new Error('generated dataset lacks a table');
  return { columns: table.columns, rows: [...table.rows, ...rows] };
}

/** The dataset with anonymous ids from the shared pool and the boundary rows added. */
export function stitchable(dataset: SourceDataset, rewrites: readonly Rewrite[], boundary: readonly BoundaryRow[]): SourceDataset {
  const byId = new Map<string, Rewrite>();
  let next = 0;
  const rewrite = (row: SourceRow): SourceRow => {
    const id = String(row.id);
    let choice = byId.get(id);
    if (!choice) {
      choice = rewrites[next++ % rewrites.length];
      byId.set(id, choice);
    }
    return { ...row, anonymous_id: choice.anonymous, user_id: choice.anonymousOnly && choice.anonymous !== null ? null : row.user_id };
  };
  const tables: Record<string, SourceTable> = {};
  // tracks first: each event table row is a copy of its tracks row and must keep the same ids.
  const order = ['tracks', ...Object.keys(dataset.tables).filter((t) => t !== 'tracks')];
  for (const name of order) {
    const table = dataset.tables[name];
    tables[name] = { columns: table.columns, rows: table.rows.map(rewrite) };
  }
  const added: Record<BoundaryRow['table'], SourceRow[]> = { identifies: [], groups: [], pages: [], logged_in: [] };
  const tracks: SourceRow[] = [];
  boundary.forEach((b, i) => {
    const time = at(b.offset);
    const base: SourceRow = { id: `b${i}`, user_id: b.user, anonymous_id: b.anonymous, timestamp: time, received_at: time };
    if (b.table === 'identifies') added.identifies.push({ ...base, role: b.role });
    else if (b.table === 'groups') added.groups.push({ ...base, group_id: b.account, plan: 'trial' });
    else if (b.table === 'pages') added.pages.push({ ...base, name: 'Pricing', context_group_id: null });
    else {
      const event: SourceRow = { ...base, event: EVENTS[0].table, event_text: EVENTS[0].name, context_group_id: null };
      tracks.push(event);
      added.logged_in.push({ ...event, method: 'sso' });
    }
  });
  for (const [name, rows] of Object.entries(added)) tables[name] = withRows(tables[name], rows);
  tables.tracks = withRows(tables.tracks, tracks);
  return { tables };
}

export function arbStitchableDataset(size?: DatasetSize): fc.Arbitrary<SourceDataset> {
  return fc
    .record({
      dataset: arbDataset(size),
      rewrites: fc.array(arbRewrite, { minLength: 128, maxLength: 128 }),
      boundary: fc.array(arbBoundaryRow, { maxLength: 6 }),
    })
    .map(({ dataset, rewrites, boundary }) => stitchable(dataset, rewrites, boundary));
}

export function withIdentity(project: Project, identity: IdentityConfig): Project {
  return { ...project, config: { ...project.config, identity } };
}

export interface IdentityScenarioOptions extends DefinitionOptions {
  readonly size?: DatasetSize;
  readonly modes?: readonly IdentityConfig[];
}

/** A scenario with identity stitching off, `first` or `last`, over stitchable data. */
export function arbIdentityScenario(options: IdentityScenarioOptions = {}): fc.Arbitrary<Scenario> {
  return fc
    .record({
      eventTime: fc.constantFrom<'timestamp' | 'received_at'>('timestamp', 'received_at'),
      identity: fc.constantFrom(...(options.modes ?? IDENTITY_MODES)),
      definitions: arbDefinitions(options),
      dataset: arbStitchableDataset(options.size),
    })
    .map(({ eventTime, identity, definitions, dataset }) => ({
      project: withIdentity(makeProject(definitions, eventTime), identity),
      dataset,
      asOf: AS_OF,
    }));
}
