// fast-check arbitraries for funnels (SPEC §5 "Funnels"): funnel leaves, and event sequences that
// land on the edges a funnel's meaning turns on, on purpose: a step exactly at e1 + W, one second
// either side, at the same instant as e1, before e1, and first steps whose window ends exactly at
// as_of (the not_performed "fully elapsed" edge).
import fc from 'fast-check';
import type { AudienceDefinition, Condition, Definition, FunnelStep, TimeWindow } from '../../src/definitions/model.js';
import type { SourceDataset, SourceRow, SourceTable } from '../../src/reference/dataset.js';
import {
  AS_OF,
  arbColumns,
  arbDataset,
  arbFilters,
  arbTraitLeaf,
  arbWindow,
  customChoices,
  DAY,
  EVENTS,
  iso,
  LOC,
  makeProject,
  SPECIAL_OFFSETS,
  USER_TRAITS,
  type Scenario,
} from './arbitraries.js';

/** The windows of later steps; event sequences are built around exactly these lengths. */
export const THEN_WINDOWS: readonly Extract<TimeWindow, { kind: 'within' }>[] = [
  { kind: 'within', seconds: 3600, text: '1h' },
  { kind: 'within', seconds: DAY, text: '1d' },
  { kind: 'within', seconds: 3 * DAY, text: '3d' },
];

const FUNNEL_USERS = ['u1', 'u2', 'u3', "o'brien"] as const;

/** Track events only: pages share one table, and the sequences below are per track event. */
const arbStepEvent = fc.integer({ min: 0, max: EVENTS.length - 1 });

function arbStep(first: boolean, negated: boolean): fc.Arbitrary<FunnelStep> {
  return arbStepEvent.chain((index) => {
    const spec = EVENTS[index];
    return fc
      .record({
        window: first ? arbWindow : fc.constantFrom<TimeWindow | null>(...THEN_WINDOWS),
        filters: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: arbFilters(spec.properties) }),
      })
      .map(({ window, filters }): FunnelStep => ({ event: { kind: 'track', name: spec.name }, window, filters, negated, loc: LOC }));
  });
}

/** A funnel of two or three steps, the last `not_performed` about half the time. */
export const arbFunnel: fc.Arbitrary<Condition> = fc
  .record({ length: fc.integer({ min: 2, max: 3 }), negatedLast: fc.boolean() })
  .chain(({ length, negatedLast }) =>
    fc.tuple(...Array.from({ length }, (_, i) => arbStep(i === 0, negatedLast && i === length - 1))),
  )
  .map((steps): Condition => ({ kind: 'funnel', steps, loc: LOC }));

/** Offsets of a follower from its first event: the window edges of every THEN_WINDOWS length. */
const EDGE_DELTAS: readonly number[] = [0, 1, -1, ...THEN_WINDOWS.flatMap((w) => [w.seconds, w.seconds - 1, w.seconds + 1, 2 * w.seconds])];

/** First-event offsets from as_of: the usual window edges, and e1 + W exactly at as_of. */
const FIRST_OFFSETS: readonly number[] = [...SPECIAL_OFFSETS, ...THEN_WINDOWS.flatMap((w) => [-w.seconds, -w.seconds + 1, -w.seconds - 1, -2 * w.seconds])];

interface Episode {
  readonly user: string;
  readonly first: { readonly event: number; readonly offset: number };
  /** Offsets from the first event. */
  readonly followers: readonly { readonly event: number; readonly delta: number }[];
}

/** A funnel's steps as event indexes and the windows of its later steps (seconds). */
export interface Chain {
  readonly events: readonly number[];
  readonly windows: readonly number[];
}

/**
 * Sequences of one user's events: a first event and followers. The events are mostly those of
 * consecutive steps of the scenario's funnels, each follower placed from the first event or from
 * the follower before it at that step's own window length exactly, one second either side, the
 * same instant, or before it: the edges are where the funnel looks.
 */
function arbEpisode(chains: readonly Chain[]): fc.Arbitrary<Episode> {
  const random = fc.array(arbStepEvent, { minLength: 2, maxLength: 3 }).map((events): Chain => ({ events, windows: events.slice(1).map(() => DAY) }));
  const chain = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...chains) }, { weight: 1, arbitrary: random });
  return chain.chain(({ events, windows }) => {
    const edge = (w: number) =>
      fc.oneof(
        { weight: 4, arbitrary: fc.constant(w) },
        { weight: 2, arbitrary: fc.constantFrom(w - 1, w + 1) },
        { weight: 2, arbitrary: fc.constantFrom(0, 1, -1) },
        { weight: 1, arbitrary: fc.constantFrom(...EDGE_DELTAS) },
        { weight: 1, arbitrary: fc.integer({ min: -2 * DAY, max: 4 * DAY }) },
      );
    const follower = fc.integer({ min: 1, max: events.length - 1 }).chain((step) =>
      fc.record({ event: fc.oneof({ weight: 5, arbitrary: fc.constant(events[step]) }, { weight: 1, arbitrary: arbStepEvent }), delta: edge(windows[step - 1]), fromPrevious: fc.boolean() }),
    );
    return fc
      .record({
        user: fc.constantFrom(...FUNNEL_USERS),
        offset: fc.oneof(fc.constantFrom(...FIRST_OFFSETS, ...windows.map((w) => -w)), fc.integer({ min: -10 * DAY, max: 0 })),
        followers: fc.array(follower, { minLength: 1, maxLength: 4 }),
        // the not_performed edge: one event of the episode exactly the last window before as_of
        anchor: fc.option(fc.nat({ max: 4 }), { freq: 2 }),
      })
      .map(({ user, offset, followers, anchor }): Episode => {
        let previous = 0;
        const placed = followers.map((f) => {
          const delta = (f.fromPrevious ? previous : 0) + f.delta;
          previous = delta;
          return { event: f.event, delta };
        });
        const deltas = [0, ...placed.map((f) => f.delta)];
        const start = anchor === null ? offset : -windows[windows.length - 1] - deltas[anchor % deltas.length];
        return { user, first: { event: events[0], offset: start }, followers: placed };
      });
  });
}

/** Adds episodes to a dataset: track rows (in `tracks` and the event's table) with both time columns equal. */
function withEpisodes(dataset: SourceDataset, episodes: readonly Episode[], properties: readonly Record<string, unknown>[]): SourceDataset {
  const tables: Record<string, SourceTable> = { ...dataset.tables };
  const add = (event: number, user: string, offset: number) => {
    const spec = EVENTS[event];
    const n = tables.tracks.rows.length;
    const at = iso(offset);
    const row: SourceRow = {
      id: `f${n}`, user_id: user, anonymous_id: `anon-f${n % 3}`, event: spec.table, event_text: spec.name,
      timestamp: at, received_at: at, context_group_id: null,
    };
    tables.tracks = { ...tables.tracks, rows: [...tables.tracks.rows, row] };
    const props = (properties[n % properties.length] ?? {}) as Record<string, SourceRow[string]>;
    const own = Object.fromEntries(Object.keys(spec.properties).map((k) => [k, props[k] ?? null]));
    tables[spec.table] = { ...tables[spec.table], rows: [...tables[spec.table].rows, { ...row, ...own }] };
  };
  for (const e of episodes) {
    add(e.first.event, e.user, e.first.offset);
    for (const f of e.followers) add(f.event, e.user, e.first.offset + f.delta);
  }
  return { tables };
}

/** `base` plus funnel episodes around the events of `chains`. */
function arbWithEpisodes(base: fc.Arbitrary<SourceDataset>, chains: readonly Chain[]): fc.Arbitrary<SourceDataset> {
  return fc
    .record({
      base,
      episodes: fc.array(arbEpisode(chains), { minLength: 1, maxLength: 6 }),
      properties: fc.array(fc.tuple(...EVENTS.map((spec) => arbColumns(spec.properties, 4))).map((parts) => Object.assign({}, ...parts)), { minLength: 1, maxLength: 4 }),
    })
    .map(({ base, episodes, properties }) => withEpisodes(base, episodes, properties));
}

/** A dataset of a few random rows plus funnel episodes around the events of `chains`. */
export function arbFunnelDataset(chains: readonly Chain[]): fc.Arbitrary<SourceDataset> {
  return arbWithEpisodes(arbDataset({ identifies: 6, groups: 6, events: 12, pages: 2, screens: 0 }), chains);
}

/** `base` plus funnel episodes around the steps of the definitions' funnels; `base` alone when they have none. */
export function arbWithFunnelEpisodes(base: fc.Arbitrary<SourceDataset>, definitions: readonly Definition[]): fc.Arbitrary<SourceDataset> {
  const chains = funnelChains(definitions);
  return chains.length === 0 ? base : arbWithEpisodes(base, chains);
}

/** Event indexes of every funnel's steps in a definition set. */
function funnelChains(definitions: readonly Definition[]): Chain[] {
  const chains: Chain[] = [];
  const visit = (c: Condition): void => {
    if (c.kind === 'funnel') {
      chains.push({
        events: c.steps.map((s) => EVENTS.findIndex((e) => s.event.kind === 'track' && e.name === s.event.name)),
        windows: c.steps.slice(1).map((s) => (s.window?.kind === 'within' ? s.window.seconds : DAY)),
      });
    }
    else if (c.kind === 'all' || c.kind === 'any') c.children.forEach(visit);
    else if (c.kind === 'not') visit(c.child);
    else if (c.kind === 'quantifier') visit(c.condition);
  };
  for (const d of definitions) if (d.kind === 'audience') visit(d.where);
  return chains;
}

/** A user audience over a funnel (sometimes negated or beside a trait leaf) and an account audience quantifying over it. */
export const arbFunnelDefinitions: fc.Arbitrary<Definition[]> = fc
  .record({
    funnel: arbFunnel,
    second: arbFunnel,
    shape: fc.constantFrom('alone', 'not', 'all', 'any'),
    trait: arbTraitLeaf(customChoices(USER_TRAITS)),
    quantifier: fc.constantFrom('any_user', 'all_users', 'no_user') as fc.Arbitrary<'any_user' | 'all_users' | 'no_user'>,
  })
  .map(({ funnel, second, shape, trait, quantifier }): Definition[] => {
    const where: Condition =
      shape === 'alone' ? funnel
        : shape === 'not' ? { kind: 'not', child: funnel, loc: LOC }
          : { kind: shape, children: [funnel, shape === 'all' ? second : trait], loc: LOC };
    const audience = (name: string, level: 'user' | 'account', condition: Condition): AudienceDefinition => ({
      kind: 'audience', name, level, description: null, sync: [], loc: LOC, schedule: null, where: condition, maxExitFraction: null,
    });
    return [
      audience('funnel_users', 'user', where),
      audience('funnel_accounts', 'account', { kind: 'quantifier', quantifier, atLeast: null, condition: second, loc: LOC }),
    ];
  });

export function arbFunnelScenario(): fc.Arbitrary<Scenario> {
  return fc
    .record({ eventTime: fc.constantFrom('timestamp' as const, 'received_at' as const), definitions: arbFunnelDefinitions })
    .chain(({ eventTime, definitions }) => arbFunnelDataset(funnelChains(definitions)).map((dataset) => ({ eventTime, definitions, dataset })))
    .map(({ eventTime, definitions, dataset }) => ({ project: makeProject(definitions, eventTime), dataset, asOf: AS_OF }));
}
