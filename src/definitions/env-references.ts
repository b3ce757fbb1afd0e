// `${VAR}` in a string value of quorum.yml (docs/language.md#env-vars). A reference names a
// variable as a shell does; anything else between "${" and "}" (`${X:-default}`, `${${X}}`,
// `${}`) and a "${" that is never closed are errors at their line, rather than text that keeps
// its braces into a file name, a URL or a message about a variable nobody set. "$${" writes a
// literal "${", the one way to have those two characters in a value.
import { isPlaceholder, type Env } from './env-placeholders.js';

export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type Substitution =
  /**
   * `variables`: the values read from the environment, in order; `placeholder`: whether one of
   * them is a placeholder for an unset variable (env-placeholders.ts), which is not among them.
   */
  | { readonly kind: 'value'; readonly value: string; readonly variables: readonly string[]; readonly placeholder: boolean }
  /** `reference`: as written, to its "}" or the end; `shown`: up to its first wrong character, which is all a message quotes (a default may be a secret written inline). */
  | { readonly kind: 'malformed'; readonly reference: string; readonly shown: string }
  | { readonly kind: 'missing'; readonly variable: string };

/** `raw` with every `${VAR}` replaced from `env`: the first malformed reference, else the first unset variable, else the value. */
export function substitute(raw: string, env: Env): Substitution {
  let value = '';
  const variables: string[] = [];
  let placeholder = false;
  let missing: string | null = null;
  let at = 0;
  for (let start = raw.indexOf('${'); start >= 0; start = raw.indexOf('${', at)) {
    if (raw[start - 1] === '$') {
      value += `${raw.slice(at, start - 1)}\${`;
      at = start + 2;
      continue;
    }
    const close = raw.indexOf('}', start);
    const name = close < 0 ? raw.slice(start + 2) : raw.slice(start + 2, close);
    if (close < 0 || !VARIABLE_NAME.test(name)) {
      const wrong = start + 2 + (/^[A-Za-z_][A-Za-z0-9_]*/.exec(name)?.[0].length ?? 0);
      const shown = wrong + 1 < raw.length ? `${raw.slice(start, wrong + 1)}…` : raw.slice(start, wrong + 1);
      return { kind: 'malformed', reference: close < 0 ? raw.slice(start) : raw.slice(start, close + 1), shown };
    }
    const found = env[name];
    if (found === undefined) missing ??= name;
    else if (isPlaceholder(env, name)) placeholder = true;
    else variables.push(found);
    value += raw.slice(at, start) + (found ?? '');
    at = close + 1;
  }
  if (missing !== null) return { kind: 'missing', variable: missing };
  return { kind: 'value', value: value + raw.slice(at), variables, placeholder };
}

/** The first malformed `${...}` of `raw`, or null. */
export function malformedReference(raw: string): string | null {
  const result = substitute(raw, {});
  return result.kind === 'malformed' ? result.reference : null;
}
