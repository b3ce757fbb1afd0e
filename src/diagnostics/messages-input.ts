// The formatters of the codes a definition file can cause: reading YAML, its shape, names,
// levels, SQL traits and the catalog. One formatter per code; each returns the message (quoting
// the user's own names) and the hint (one way to fix it, with a did-you-mean where there is one).
import type { SourceLocation } from '../definitions/model.js';
import type { MessageParameters, ShapeParameters } from './message-parameters.js';
import { assertNever } from './assert-never.js';

export interface Message {
  readonly message: string;
  readonly hint: string | null;
}

export type Formatters<C extends keyof MessageParameters> = { readonly [K in C]: (p: MessageParameters[K]) => Message };

export function quoted(names: Iterable<string>): string {
  return [...names].map((n) => `"${n}"`).join(', ');
}

export function didYouMean(suggestion: string | null, otherwise: string | null): string | null {
  return suggestion !== null ? `did you mean "${suggestion}"?` : otherwise;
}

/** Where something is, for messages: `audiences/a.yml:3:1`. */
export function where(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}

export const TEMPLATE_HINT =
  "the only template expressions are {{ source('tracks') }} (identifies, groups, tracks, pages, screens or an event table such as logged_in) and {{ as_of }}";

const MB = 1024 * 1024;
/** `1 MB (1048576 bytes)`: the bytes too, so that a file just over a limit does not read as at it. */
function megabytes(bytes: number): string {
  return `${bytes % MB === 0 ? bytes / MB : (bytes / MB).toFixed(1)} MB (${bytes} bytes)`;
}

/** How to make a file of each kind smaller: quorum.yml is one file and cannot be split. */
const SMALLER: Readonly<Record<MessageParameters['file_too_large']['kind'], string>> = {
  'project file': 'quorum.yml holds only the settings, which take a few KB: look for pasted data or a block repeated by mistake, and move definitions to audiences/ and traits/',
  'definition file': 'split it into smaller files (a file may hold a list of definitions, and each can have its own)',
  'test file': "split its cases over several test files, or give each case only the rows it needs (repeat: makes many rows from one)",
};

function neither(keys: readonly string[]): string {
  const q = keys.map((k) => `"${k}"`);
  return q.length <= 2 ? q.join(' nor ') : `${q.slice(0, -1).join(', ')} nor ${q[q.length - 1]}`;
}

/** missing_key, wrong_type and invalid_value share the shapes of a reading problem. */
function shape(p: ShapeParameters): Message {
  switch (p.form) {
    case 'expected':
      return {
        message: `${p.what}${p.key === undefined ? '' : `: "${p.key}"`} must be ${p.expected}, not ${p.found}.`,
        hint: p.fix ?? null,
      };
    case 'both':
      return { message: `${p.what} has both "${p.keys[0]}" and "${p.keys[1]}", but ${p.rule}.`, hint: p.fix };
    case 'missing':
      return { message: `${p.what} has no "${p.key}"${p.purpose ? `, ${p.purpose}` : ''}.`, hint: p.fix };
    case 'neither':
      return { message: `${p.what} has neither ${neither(p.keys)}.`, hint: p.fix };
    case 'one_of':
      return {
        message: `${p.what}: "${p.key}" is ${p.shown}, but it must be one of ${quoted(p.allowed)}.`,
        hint: didYouMean(p.suggestion, null),
      };
    case 'range':
      return p.high === null
        ? {
            message: `${p.what}: "${p.key}" is ${p.value}, but it must be a whole number of at least ${p.low}.`,
            hint:
              p.value < 0
                ? `counts cannot be negative; use ${p.low} or more`
                : `use a whole number such as ${Math.max(p.low, Math.round(p.value))}`,
          }
        : {
            message: `${p.what}: "${p.key}" is ${p.value}, which is outside the allowed range ${p.low} to ${p.high}.`,
            hint: p.high === 1 ? 'write a fraction, e.g. 0.5 for half' : `use a number from ${p.low} to ${p.high}`,
          };
    case 'twice':
      return { message: `${p.what} lists "${p.value}" twice.`, hint: 'list each one once' };
    case 'empty':
      return { message: `${p.what} is empty${p.consequence ? `, so ${p.consequence}` : ''}.`, hint: p.fix };
    case 'rule':
      return { message: `${p.what} ${p.problem}.`, hint: p.fix };
    default:
      return assertNever(p, 'shape');
  }
}

type InputCode =
  | 'yaml_syntax'
  | 'file_too_large'
  | 'unreadable_file'
  | 'invalid_utf8'
  | 'nul_character'
  | 'nesting_too_deep'
  | 'alias_limit'
  | 'too_many_keys'
  | 'too_many_tokens'
  | 'unknown_key'
  | 'missing_key'
  | 'wrong_type'
  | 'invalid_value'
  | 'duplicate_name'
  | 'unknown_reference'
  | 'ambiguous_reference'
  | 'level_mismatch'
  | 'cycle';

export const INPUT_MESSAGES: Formatters<InputCode> = {
  yaml_syntax: (p) => ({
    message: `${p.file} is not valid YAML: ${p.problem}.`,
    hint: 'check the indentation and the quoting around this line; values containing ": " or starting with "{", "[", "*", "&" or "#" need quotes',
  }),
  file_too_large: (p) => ({
    message: `${p.file} is ${megabytes(p.bytes)}; a ${p.kind} may be at most ${megabytes(p.maxBytes)}.`,
    hint: `${SMALLER[p.kind]}; quorum refuses larger files so that a hostile one cannot exhaust memory`,
  }),
  unreadable_file: (p) => {
    const replace = `replace the link with the ${p.kind} itself, or delete it`;
    switch (p.rule) {
      case 'dangling_link':
        return { message: `${p.file} is a symbolic link to ${p.target}, where there is no file.`, hint: replace };
      case 'link_loop':
        return { message: `${p.file} is a symbolic link that never reaches a file: its links lead round in a loop.`, hint: replace };
      case 'link_leaves_project':
        return {
          message: `${p.file} leads through a symbolic link to ${p.target}, ${p.where}.`,
          hint: `copy the file into the project instead; quorum reads a ${p.kind} only from inside the project, so that a link cannot make an error quote another file (docs/security.md)`,
        };
      case 'not_a_file':
        return {
          message: `${p.file} is ${p.folder ? 'a folder' : 'a device or a pipe'}, not a file.`,
          hint: `rename it, or move it out of the folder: quorum reads everything there named like a ${p.kind}`,
        };
      case 'unreadable':
        return { message: `${p.file} cannot be read: ${p.detail}.`, hint: 'make it readable by the user running quorum' };
      default:
        return assertNever(p, 'unreadable file rule');
    }
  },
  invalid_utf8: (p) => ({
    message: `${p.file} is not UTF-8 text: byte 0x${p.byte.toString(16).padStart(2, '0')} at byte offset ${p.offset} does not start or continue a UTF-8 character.`,
    hint: 'save the file as UTF-8 (quorum reads YAML only as UTF-8)',
  }),
  nul_character: (p) =>
    p.escaped
      ? {
          message: `${p.file} writes a NUL character (U+0000) in a value; no name, value or SQL may hold one.`,
          hint: 'remove the "\\0" (or "\\x00", "\\u0000") escape',
        }
      : {
          message: `${p.file} contains a NUL character (U+0000), which YAML text may not hold.`,
          hint: 'remove the NUL byte; the file may be binary or corrupted',
        },
  nesting_too_deep: (p) => ({
    message: `${p.file} nests mappings and lists more than ${p.max} levels deep.`,
    hint: `no definition needs more than ${p.max} levels; flatten the condition (e.g. "not" of "all" becomes "any" of "not")`,
  }),
  alias_limit: (p) => ({
    message: `${p.file} expands its aliases (*name) to more than ${p.max} nodes.`,
    hint: 'repeat the few values you need instead of nesting aliases of aliases; quorum refuses alias bombs',
  }),
  too_many_keys: (p) => ({
    message: `${p.file} has a mapping (from line ${p.mappingLine}) with more than ${p.max.toLocaleString('en-US')} keys.`,
    hint: "no definition needs that many; split a test's expected values over several cases or files (quorum bounds mappings so that a hostile file cannot make parsing slow)",
  }),
  too_many_tokens: (p) => ({
    message: `${p.file} has more than ${p.max.toLocaleString('en-US')} YAML tokens (values, keys, indicators such as "-" and ":", comments and line breaks).`,
    hint: "split it into smaller files: a test file's cases over several files (repeat: makes many rows from one), a definition's long lists over several definitions; quorum bounds tokens so that a hostile file cannot exhaust memory",
  }),
  unknown_key: (p) => {
    if (p.form === 'rule') return shape(p);
    if (p.form === 'renamed') {
      return {
        message: `this project's source layout calls the "${p.key}" column "${p.to}" (source.columns in quorum.yml).`,
        hint: `write "${p.to}"`,
      };
    }
    if (p.shapes !== undefined) {
      return {
        message: `${p.what} has an unknown key "${p.key}"; a condition starts with one of ${quoted(p.allowed)}.`,
        hint: didYouMean(p.suggestion, `write one of ${p.shapes}`),
      };
    }
    return {
      message: p.note ? `${p.what} does not take "${p.key}": ${p.note}.` : `${p.what} has an unknown key "${p.key}".`,
      hint: didYouMean(p.suggestion, `the keys allowed here are ${quoted(p.allowed)}`),
    };
  },
  missing_key: shape,
  wrong_type: shape,
  invalid_value: shape,
  duplicate_name: (p) =>
    p.kind === 'definition'
      ? {
          message: `the name "${p.name}" is defined twice: as ${p.first.kind} at ${where(p.first.loc)} and as ${p.later} here.`,
          hint: 'rename one of them; names are unique across audiences and traits because they become the keys of traits in the calls quorum sends',
        }
      : {
          message: `${p.file} has two cases named "${p.name}" (the first at line ${p.firstLine}); reports cannot tell them apart.`,
          hint: 'give each case its own name',
        },
  unknown_reference: (p) => {
    switch (p.kind) {
      case 'destination':
        return {
          message: `${p.by} syncs to the destination "${p.name}", which quorum.yml does not define${p.defined.length ? ` (it defines ${quoted(p.defined)})` : ''}.`,
          hint: didYouMean(p.suggestion, `add "${p.name}" under destinations: in quorum.yml, e.g. ${p.name}: { type: stdout }`),
        };
      case 'audience':
        return {
          message: p.other
            ? `${p.by} uses "${p.key}: ${p.name}", but "${p.name}" is a ${p.other.kind} (${where(p.other.loc)}), not an audience.`
            : `${p.by} uses "${p.key}: ${p.name}", but no audience has that name.`,
          hint: didYouMean(
            p.suggestion,
            p.other ? `compare the trait instead: { trait: ${p.name}, ... }` : `define it in audiences/${p.name}.yml or check the spelling`,
          ),
        };
      case 'sql_trait_column':
        return {
          message: `${p.by} uses trait "${p.name}", but SQL trait "${p.sqlTrait}" returns the columns ${quoted(p.columns)}, so quorum cannot tell which column "${p.name}" means.`,
          hint: didYouMean(p.suggestion, `name the column: trait: ${p.sqlTrait}.<column>`),
        };
      case 'likely_typo':
        return {
          message: `${p.by} uses trait "${p.name}", which is not a defined trait, so it is read as the custom trait (column) "${p.name}" of ${p.table}; without the warehouse's catalog quorum cannot check that the column exists.`,
          hint: didYouMean(p.suggestion, null),
        };
      case 'definition': {
        const message = p.pattern
          ? `no definition matches "${p.name}"`
          : `no definition is named "${p.name}"${p.noRun ? ', and no run recorded one' : ''}`;
        if (p.defined.length === 0) return { message, hint: 'add a definition under audiences/ or traits/' };
        const all = `the project defines: ${[...p.defined].sort().join(', ')}`;
        return { message, hint: p.suggestion ? `did you mean "${p.suggestion}"? (${all})` : all };
      }
      case 'level_trait':
        return {
          message: `--columns "${p.name}" is not ${p.level === 'account' ? 'an' : 'a'} ${p.level}-level trait, nor a column of ${p.table} (a custom trait).`,
          hint: didYouMean(p.suggestion, `the ${p.level}-level traits are: ${[...new Set(p.candidates)].sort().join(', ')}`),
        };
      case 'plan_audience':
        return { message: `audience "${p.by}" refers to unknown audience "${p.name}"`, hint: 'check the name, or add the audience' };
      case 'plan_trait':
        return {
          message: `${p.by}trait "${p.name}" cannot be used at ${p.level} level (unknown)`,
          hint: 'run `quorum validate` for details',
        };
      case 'source':
        return {
          message: `${p.by}: the SQL reads "${p.expression}", but "${p.name}" is not a source table: sources are ${p.roles.join(', ')} or an event table named in snake case.`,
          hint: p.snake !== '' ? `event tables are named in snake case: write {{ source('${p.snake}') }}` : TEMPLATE_HINT,
        };
      case 'test_definition':
        return {
          message: `${p.by} names "${p.name}", but no audience or trait of the project has that name.`,
          hint: didYouMean(p.suggestion, p.fix),
        };
      case 'test_destination':
        return {
          message: `"expect_calls" names the destination "${p.name}", which quorum.yml does not define.`,
          hint: didYouMean(p.suggestion, `the destinations are: ${p.defined.join(', ') || 'none'}`),
        };
      case 'test_table':
        return {
          message: `"given" has rows for a table "${p.name}", which is not part of the source layout and which no SQL trait reads.`,
          hint: didYouMean(
            p.suggestion,
            "use identifies, groups, events, pages or screens, or a table that a SQL trait reads with {{ source('...') }}",
          ),
        };
      default:
        return assertNever(p, 'reference');
    }
  },
  ambiguous_reference: (p) => ({
    message: `${p.by} uses trait "${p.name}", which names more than one trait at ${p.level} level: ${p.found.map((d) => `${d.subject} at ${where(d.loc)}`).join(' and ')}.`,
    hint: 'rename one of them so that every trait name means one thing',
  }),
  level_mismatch: (p) => {
    switch (p.rule) {
      case 'performed':
        return {
          message: `${p.by} uses "performed: ${p.event}", but events are performed by users, and this condition is evaluated for accounts.`,
          hint: `wrap it in a quantifier, e.g. any_user: { performed: ${p.event} }, or count the account's events with an account-level computed trait`,
        };
      case 'funnel':
        return {
          message: `${p.by} uses the funnel "performed: ${p.event}, then: ...", but funnels follow one user's events, and this condition is evaluated for accounts.`,
          hint: `wrap it in a quantifier, e.g. any_user: { performed: ${p.event}, within: 7d, then: {...} }`,
        };
      case 'quantifier':
        return {
          message: `${p.by} uses "${p.quantifier}", but quantifiers over an account's users work only in account-level audiences, and this condition is evaluated for users.`,
          hint: 'write the user condition directly, or make the audience level: account',
        };
      case 'trait':
        return {
          message: `${p.by} is evaluated for ${p.level === 'user' ? 'users' : 'accounts'}, but trait "${p.trait}" is ${p.traitLevel} level (${p.traitIs}).`,
          hint:
            p.level === 'user'
              ? `to use an account's trait for its users, define an account-level audience with { trait: ${p.trait}, ... } and write { in_audience: <that audience> } here`
              : `wrap it in a quantifier over the account's users, e.g. any_user: { trait: ${p.trait}, ... } (or all_users / no_user)`,
        };
      case 'in_audience':
        return {
          message: `${p.by} is evaluated for accounts, but "${p.key}: ${p.audience}" names a user-level audience (${where(p.at)}).`,
          hint: `ask about the account's users with a quantifier, e.g. any_user: { ${p.key}: ${p.audience} }`,
        };
      case 'scope':
        return {
          message: `${p.by} is user level, but "scope: group_context" applies only to account-level traits.`,
          hint: 'remove scope, or make the trait level: account',
        };
      case 'plan':
        return {
          message: `${p.by}trait "${p.trait}" cannot be used at ${p.level} level (level mismatch)`,
          hint: 'run `quorum validate` for details',
        };
      default:
        return assertNever(p, 'level rule');
    }
  },
  cycle: (p) => {
    if (p.steps.length === 0)
      return { message: `audience "${p.audience}" depends on itself`, hint: 'remove one in_audience reference of the cycle' };
    const chain = [...p.steps.map((s) => s.from), p.steps[0].from].join(' -> ');
    const steps = p.steps.map((s) => `${s.from} uses ${s.to} at ${where(s.loc)}`).join('; ');
    return {
      message: `audience "${p.audience}" depends on itself: ${chain} (${steps}).`,
      hint: 'break the cycle: an audience cannot be defined in terms of its own membership; remove one of these in_audience conditions',
    };
  },
};
