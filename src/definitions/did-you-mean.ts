// "did you mean ...?" suggestions for misspelt names: the closest candidate by Levenshtein
// distance, when it is close enough to be a plausible typo.

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * Words people bring from SQL, other tools or English for quorum's keys, which no edit distance
 * finds (`less_than` is far from `lt`). Keys are normalised (lower case, no separators) except
 * the symbols. A suggestion is made only when the alias's target is a candidate where it occurs.
 */
const ALIASES: Readonly<Record<string, string>> = {
  lessthan: 'lt', less: 'lt', below: 'lt', under: 'lt', '<': 'lt',
  lessthanorequal: 'lte', lessthanorequalto: 'lte', lessorequal: 'lte', le: 'lte', atmost: 'lte', max: 'lte', '<=': 'lte',
  greaterthan: 'gt', more: 'gt', morethan: 'gt', above: 'gt', over: 'gt', '>': 'gt',
  greaterthanorequal: 'gte', greaterthanorequalto: 'gte', greaterorequal: 'gte', ge: 'gte', atleast: 'gte', min: 'gte', '>=': 'gte',
  eq: 'equals', equal: 'equals', equalto: 'equals', is: 'equals', '=': 'equals', '==': 'equals',
  ne: 'not_equals', neq: 'not_equals', notequal: 'not_equals', isnot: 'not_equals', '!=': 'not_equals', '<>': 'not_equals',
  oneof: 'in', anyof: 'in', isin: 'in', notoneof: 'not_in', noneof: 'not_in', isnotin: 'not_in',
  has: 'contains', like: 'contains', beginswith: 'starts_with', prefix: 'starts_with', suffix: 'ends_with',
  isset: 'exists', present: 'exists', notnull: 'exists', isnotnull: 'exists', range: 'between',
  event: 'performed', did: 'performed', didnot: 'not_performed', neverperformed: 'not_performed',
  audience: 'in_audience', member: 'in_audience', memberof: 'in_audience',
  and: 'all', or: 'any', everyuser: 'all_users', eachuser: 'all_users', someuser: 'any_user', nouser: 'no_user', nousers: 'no_user', noneofusers: 'no_user',
  window: 'within', last: 'within', inthelast: 'within', overthelast: 'within', during: 'within',
  aggregate: 'compute', function: 'compute', agg: 'compute',
  resourcetype: 'kind', // dbt's selector method
};

function normalise(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * The candidate closest to `name`, or null when none is plausibly what the user meant.
 * Case and separators are ignored first (`Logins Past 30 Days` finds `logins_past_30_days`);
 * otherwise the distance must be at most a third of the name's length (at least 2).
 */
export function didYouMean(name: string, candidates: Iterable<string>): string | null {
  const unique = [...new Set(candidates)].filter((c) => c !== name).sort();
  const alias = ALIASES[name.trim()] ?? ALIASES[normalise(name)];
  if (alias !== undefined && unique.includes(alias)) return alias;
  const normalised = normalise(name);
  const sameLetters = unique.find((c) => normalise(c) === normalised);
  if (sameLetters !== undefined) return sameLetters;
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of unique) {
    const distance = levenshtein(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(2, Math.floor(name.length / 3));
  return best !== null && bestDistance <= limit ? best : null;
}

/** ` Did you mean "x"?` or the empty string. */
export function didYouMeanText(name: string, candidates: Iterable<string>): string {
  const suggestion = didYouMean(name, candidates);
  return suggestion === null ? '' : `did you mean "${suggestion}"?`;
}
