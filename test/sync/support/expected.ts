// What the receiver should hold, derived independently of the SQL: the reference evaluator's
// results at two instants, turned into calls by SPEC §6, compared by content (a canonical key
// per call) so that tests need not know run ids.
import type { Project } from '../../../src/definitions/model.js';
import type { DefinitionResult, SourceDataset, TraitValue } from '../../../src/reference/dataset.js';
import type { ReceivedCall } from './receiver.js';

type Results = ReadonlyMap<string, DefinitionResult>;

function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

export interface CallKeyParts {
  type: string;
  userId?: string | null;
  anonymousId?: string | null;
  groupId?: string | null;
  contextGroupId?: string | null;
  event?: string | null;
  body: Record<string, unknown>;
  computationKey: string;
  asOf: string;
}

export function keyOf(p: CallKeyParts): string {
  return [p.type, p.userId ?? '', p.anonymousId ?? '', p.groupId ?? '', p.contextGroupId ?? '', p.event ?? '', canonical(p.body), p.computationKey, p.asOf].join('|');
}

export function keyOfReceived(call: ReceivedCall): string {
  const context = call.context as { groupId?: string; personas: { computation_key: string }; quorum: { as_of: string } };
  return keyOf({
    type: call.type,
    userId: call.userId as string | undefined,
    anonymousId: call.anonymousId as string | undefined,
    groupId: call.groupId as string | undefined,
    contextGroupId: context.groupId,
    event: call.event as string | undefined,
    body: (call.type === 'track' ? call.properties : call.traits) as Record<string, unknown>,
    computationKey: context.personas.computation_key,
    asOf: context.quorum.as_of,
  });
}

/** (group_id, user_id) pairs that exist at as_of (docs/semantics.md "Membership"). */
export function membershipsAt(dataset: SourceDataset, asOf: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const limit = Date.parse(asOf);
  for (const row of dataset.tables.groups.rows) {
    if (row.group_id === null || row.user_id === null || row.timestamp === null || Date.parse(String(row.timestamp)) > limit) continue;
    const users = out.get(String(row.group_id)) ?? new Set<string>();
    users.add(String(row.user_id));
    out.set(String(row.group_id), users);
  }
  return out;
}

const members = (r: DefinitionResult | undefined): Set<string> => (r && r.kind === 'audience' ? new Set(r.members) : new Set());
const values = (r: DefinitionResult | undefined): Map<string, TraitValue> => {
  const out = new Map<string, TraitValue>();
  if (r && r.kind === 'trait') for (const [id, v] of r.values) if (v !== null) out.set(id, v as TraitValue);
  return out;
};

/**
 * The calls of the test project (support/project.ts) for the step from `prev` (null: first run)
 * to `cur`, as canonical keys; a multiset (array) since two definitions may send equal calls.
 */
export function expectedCalls(
  project: Project,
  dataset: SourceDataset,
  prev: { asOf: string; results: Results } | null,
  cur: { asOf: string; results: Results },
  options: { groupIdentity?: 'anonymous' | 'member' } = {},
): string[] {
  const out: string[] = [];
  const asOf = cur.asOf;
  const earliest = (asOfOf: string, g: string): string | null => {
    let best: { t: number; id: string; u: string } | null = null;
    for (const row of dataset.tables.groups.rows) {
      if (row.group_id !== g || row.user_id === null || Date.parse(String(row.timestamp)) > Date.parse(asOfOf)) continue;
      const t = Date.parse(String(row.timestamp));
      const u = String(row.user_id);
      if (!best || t < best.t || (t === best.t && u < best.u)) best = { t, id: String(row.id), u };
    }
    return best?.u ?? null;
  };
  const accountIdentity = (asOfOf: string, g: string): { userId?: string; anonymousId?: string } | null => {
    if (options.groupIdentity !== 'member') return { anonymousId: `account:${g}` };
    const u = earliest(asOfOf, g);
    return u === null ? null : { userId: u };
  };
  for (const d of project.definitions) {
    const before = prev?.results.get(d.name);
    const after = cur.results.get(d.name);
    if (d.kind === 'audience' && d.level === 'account') {
      const was = members(before);
      const is = members(after);
      for (const [g, entered] of [...[...is].filter((g) => !was.has(g)).map((g) => [g, true] as const), ...[...was].filter((g) => !is.has(g)).map((g) => [g, false] as const)]) {
        const identity = accountIdentity(entered ? asOf : prev!.asOf, g);
        if (identity) out.push(keyOf({ type: 'group', ...identity, groupId: g, body: { [d.name]: entered }, computationKey: d.name, asOf }));
      }
      const pairs = (set: Set<string>, at: string | null) => {
        const result = new Set<string>();
        if (at === null) return result;
        const m = membershipsAt(dataset, at);
        for (const g of set) for (const u of m.get(g) ?? []) result.add(`${g}\u0000${u}`);
        return result;
      };
      const wasPairs = pairs(was, prev?.asOf ?? null);
      const isPairs = pairs(is, asOf);
      const add = (pair: string, entered: boolean) => {
        const [g, u] = pair.split('\u0000');
        out.push(keyOf({ type: 'identify', userId: u, contextGroupId: g, body: { [d.name]: entered }, computationKey: d.name, asOf }));
        out.push(
          keyOf({ type: 'track', userId: u, contextGroupId: g, event: entered ? 'Audience Entered' : 'Audience Exited', body: { audience_key: d.name, [d.name]: entered }, computationKey: d.name, asOf }),
        );
      };
      for (const p of isPairs) if (!wasPairs.has(p)) add(p, true);
      for (const p of wasPairs) if (!isPairs.has(p)) add(p, false);
    } else if (d.kind === 'audience') {
      const was = members(before);
      const is = members(after);
      const events = d.sync[0]?.trackEvents ?? { entered: 'Audience Entered', exited: 'Audience Exited' };
      const add = (u: string, entered: boolean) => {
        out.push(keyOf({ type: 'identify', userId: u, body: { [d.name]: entered }, computationKey: d.name, asOf }));
        out.push(keyOf({ type: 'track', userId: u, event: entered ? events.entered : events.exited, body: { audience_key: d.name, [d.name]: entered }, computationKey: d.name, asOf }));
      };
      for (const u of is) if (!was.has(u)) add(u, true);
      for (const u of was) if (!is.has(u)) add(u, false);
    } else {
      const was = values(before);
      const is = values(after);
      const changes: [string, TraitValue][] = [];
      for (const [id, v] of is) if (!was.has(id) || canonical(was.get(id)) !== canonical(v)) changes.push([id, v]);
      for (const id of was.keys()) if (!is.has(id)) changes.push([id, null]);
      for (const [id, v] of changes) {
        if (d.level === 'user') {
          out.push(keyOf({ type: 'identify', userId: id, body: { [d.name]: v }, computationKey: d.name, asOf }));
          out.push(keyOf({ type: 'track', userId: id, event: 'Trait Computed', body: { trait_key: d.name, [d.name]: v }, computationKey: d.name, asOf }));
        } else {
          const identity = accountIdentity(asOf, id);
          if (!identity) continue;
          out.push(keyOf({ type: 'group', ...identity, groupId: id, body: { [d.name]: v }, computationKey: d.name, asOf }));
          out.push(keyOf({ type: 'track', ...identity, contextGroupId: id, event: 'Trait Computed', body: { trait_key: d.name, [d.name]: v }, computationKey: d.name, asOf }));
        }
      }
    }
  }
  return out.sort();
}
