// `quorum explain` for a person: every condition's value, the values behind them, quantifiers
// worded as counts of users against what the quantifier needs, and the entity's history.
import type { ExplainHistoryEntry, ExplainOutput, ExplainQuantifier } from '../evaluation/inspect.js';
import { shownValue, terminalText } from './terminal-text.js';

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What a quantifier needs of the account's users, after the count of those that satisfy its condition. */
function needs(q: ExplainQuantifier): string {
  switch (q.quantifier) {
    case 'any_user':
      return 'any_user needs at least one';
    case 'all_users':
      return 'all_users needs every one, and at least one user';
    case 'no_user':
      return 'no_user needs none';
    case 'at_least_users':
      return q.at_least !== null && 'percent' in q.at_least ? `at_least_users needs at least ${q.at_least.percent}% of them` : `at_least_users needs at least ${q.at_least?.count ?? 0}`;
    default: {
      const never: never = q.quantifier;
      throw new Error(`unhandled quantifier ${String(never)}`);
    }
  }
}

export function quantifierLine(q: ExplainQuantifier, total: number): string {
  const share = q.quantifier === 'at_least_users' && q.at_least !== null && 'percent' in q.at_least && total > 0 ? ` (${Math.round((1000 * q.matching) / total) / 10}%)` : '';
  const verb = q.matching === 1 ? 'satisfies' : 'satisfy';
  return `${q.holds ? '✓' : '✗'} ${q.matching} of ${plural(total, 'user', 'users')}${share} ${verb} (${q.condition}); ${needs(q)}`;
}

function historyLines(history: readonly ExplainHistoryEntry[], level: string): string[] {
  const runs = history.filter((h) => h.run_id !== null);
  const out: string[] = [''];
  if (runs.length === 0) {
    const now = history[history.length - 1];
    out.push('history: no run of this audience is recorded yet (quorum run records one)');
    if (now) out.push(`  a run as of ${now.as_of} would ${wouldDo(now, level)}`);
    return out;
  }
  out.push('history (the conditions replayed at each run of the audience, oldest first):');
  for (const [i, h] of history.entries()) {
    const replayed = history[i - 1]?.member;
    if (h.snapshot && replayed !== undefined && replayed !== h.snapshot.member) {
      // the next run's diff is against what was committed, so that is what "now" compares with
      out.push(`  (the last run's snapshot holds this ${level} as ${h.snapshot.member ? 'a member' : 'not a member'}: the warehouse changed since that run, e.g. rows loaded late, and "now" compares with the snapshot)`);
    }
    const state = h.transition ? h.transition.toUpperCase() : h.member ? 'member' : 'not a member';
    const when = h.run_id === null ? `now, after the last run: ${h.transition ? `would be ${state}` : state}` : `${h.run_id}  ${state}`;
    const sent = h.recorded.length > 0 ? `  (sent: ${h.recorded.join(', ')})` : '';
    out.push(`  ${h.as_of}  ${when}${h.first && h.run_id !== null ? ' at its first run' : ''}${sent}`);
    for (const c of h.changed) out.push(`      ${c.to ? '✓' : '✗'} ${c.condition}${h.first ? '' : `  (became ${c.to ? 'true' : 'false'})`}`);
  }
  return out;
}

function wouldDo(h: ExplainHistoryEntry, level: string): string {
  if (h.transition === 'entered') return `add this ${level} (entered)`;
  if (h.transition === 'exited') return `take this ${level} out (exited)`;
  return h.member ? `keep this ${level} (its committed snapshot holds it)` : `leave this ${level} out`;
}

export function printExplain(result: ExplainOutput): void {
  const out: string[] = [];
  const id = terminalText(result.id);
  out.push(`${result.name} for ${result.level} ${id} as of ${result.as_of}: ${result.member ? 'MEMBER' : 'not a member'}`);
  if (!result.known) out.push(`(no ${result.level} "${id}" exists at this time)`);
  out.push('', 'conditions:');
  for (const c of result.conditions) out.push(`  ${c.value ? '✓' : '✗'} ${'  '.repeat(c.depth)}${c.condition}`);
  out.push('', 'values:');
  for (const [label, value] of Object.entries(result.values)) {
    const stitched = result.stitched?.[label];
    out.push(`  ${label} = ${shownValue(value)}${stitched === undefined ? '' : ` (${stitched} through identity stitching)`}`);
  }
  if (result.users) {
    out.push('', `users of the account: ${result.users.total}`);
    for (const q of result.users.quantifiers) out.push(`  ${quantifierLine(q, result.users.total)}`);
  }
  if (result.history !== undefined) out.push(...historyLines(result.history, result.level));
  if (result.unreadable_runs) out.push(`  left out: ${result.unreadable_runs.join(', ')}: their summary in the state is unreadable (edited outside quorum), so whether they ran this audience is not known`);
  process.stdout.write(`${out.join('\n')}\n`);
}
