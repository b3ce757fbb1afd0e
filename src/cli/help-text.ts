// What `--help` teaches beyond commander's option list: real examples on the demo project (`quorum
// init demo`), and `quorum help <topic>` pages for the things a first audience needs (windows,
// quantifiers, operators, the --as-of format). The global options each command lists are global-flags.ts's.
import { DEMO_AS_OF } from '../../fixtures/demo/generate-warehouse.js';

const DAY = DEMO_AS_OF.slice(0, 10);

/** Two or three commands that work on the demo project, run from its folder. */
export const COMMAND_EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  init: ['quorum init demo            # a project with a demo warehouse in ./demo', 'quorum init demo --force    # write it again over an existing demo'],
  validate: ['quorum validate --project demo', 'quorum validate --offline    # no warehouse: names, levels and cycles only'],
  compile: [
    'quorum compile at_risk_accounts',
    'quorum compile at_risk_accounts --dialect snowflake --as-of 2024-06-01',
    'quorum compile logins_past_30_days --catalog    # literal types from the warehouse',
  ],
  preview: [`quorum preview at_risk_accounts --as-of ${DAY}`, `quorum preview logins_past_30_days --as-of ${DAY} --json`],
  members: [
    `quorum members at_risk_accounts --as-of ${DAY}`,
    `quorum members power_users --columns email --format json --as-of ${DAY}`,
    `quorum members logins_past_30_days --as-of ${DAY} | head`,
  ],
  explain: [
    `quorum explain at_risk_accounts acc_0016 --as-of ${DAY}`,
    `quorum explain power_users usr_00002 --as-of ${DAY} --history 3`,
    'quorum explain --plan at_risk_accounts    # the CTEs of its SQL, the strategy of each and why',
  ],
  test: ['quorum test', 'quorum test --select at_risk_accounts', 'quorum test --reporter junit --output reports/quorum.xml'],
  run: [`quorum run --dry-run --as-of ${DAY}`, `quorum run at_risk_accounts --as-of ${DAY}`, `quorum run --select 'at_risk_*' --json --as-of ${DAY}`, 'quorum run --full           # recompute from all of history'],
  history: ['quorum history', 'quorum history at_risk_accounts --limit 5'],
  schedule: ['quorum schedule', 'quorum schedule --select at_risk_accounts --log-format json'],
  report: ['quorum report', 'quorum report --out site/quorum.html --limit 100'],
  state: ['quorum state check', 'quorum state verify', 'quorum state repair --from last          # says what it would do', 'quorum state repair --from last --yes'],
  verify: ['quorum state verify', 'quorum state verify --json'],
  check: ['quorum state check', 'quorum state check --json'],
  repair: ['quorum state repair --from last', 'quorum state repair --from empty --yes   # forget the state: the next run enters everyone'],
  help: ['quorum help preview', 'quorum help windows', 'quorum help as-of'],
};

export function examplesText(command: string): string {
  const examples = COMMAND_EXAMPLES[command];
  if (!examples) return '';
  const note = command === 'init' || command === 'help' ? '' : ' (in the folder of `quorum init demo`)';
  return `\nExamples${note}:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`;
}

const LANGUAGE = 'docs/language.md in the repository';

export const HELP_TOPICS: Readonly<Record<string, string>> = {
  'as-of': `--as-of: the instant quorum evaluates at (run, preview, members, explain and compile take it)

  2024-06-01                    midnight UTC of that day
  2024-06-01T12:00:00Z          an instant in UTC
  2024-06-01T12:00:00.250Z      with milliseconds (finer precision is refused)
  2024-06-01T14:00:00+02:00     with an offset (+0200 and +02 work too)
  2024-06-01T12:00              no offset: UTC, never the machine's local time

Only real instants are accepted: 2024-02-30 or 2023-02-29 (not a leap year) is an error, never
silently moved to March. Without --as-of quorum evaluates at now; the demo's data lies around
${DAY}, so pass --as-of ${DAY} there. \`quorum schedule\` evaluates each run at its slot and
takes no --as-of. More in ${LANGUAGE}.
`,
  windows: `Windows: which events a computed trait or a performed condition counts

  within: 30d                   the last 30 days up to as_of: (as_of - 30 days, as_of]
  within: 12h                   units: s (seconds), m (minutes), h, d, w (weeks)
  within: { between: [2024-01-01, 2024-02-01] }
                                a fixed range [start, end); a date alone is midnight UTC
  (no within)                   every event up to as_of

Examples:
  - { performed: Report Created, at_least: 1, within: 60d }
  computed_trait: logins_past_30_days ... event: Logged In, within: 30d

Events after as_of never count, so a run at an earlier --as-of sees the past as it was.
More in ${LANGUAGE}.
`,
  quantifiers: `Quantifiers: an account-level condition over the account's users

  any_user: C                   at least one user of the account satisfies C
  all_users: C                  the account has users, and every one satisfies C
  no_user: C                    no user satisfies C (an account without users matches)
  at_least_users: { count: 3, where: C }      at least 3 users satisfy C
  at_least_users: { percent: 50, where: C }   at least half of its users satisfy C

C is a user-level condition: user traits, performed / not_performed, user audiences. Example:
  where:
    all:
      - { trait: plan, equals: pro }
      - any_user:
          all:
            - { trait: role, equals: Admin }
            - { performed: Report Created, within: 60d }

More in ${LANGUAGE}.
`,
  operators: `Operators: how a condition compares a trait (or an event property under where:)

  { trait: plan, equals: pro }            not_equals
  { trait: plan, in: [pro, enterprise] }  not_in
  { trait: logins, lt: 10 }               lte, gt, gte
  { trait: seats, between: [5, 50] }      inclusive of both ends
  { trait: email, ends_with: "@acme.com", ignore_case: true }   contains, starts_with
  { trait: features, includes: reports }  a list trait holds this value
  { trait: phone, exists: true }          the trait has a value

A missing (null) trait makes every comparison false except not_equals, not_in and exists: false.
Spelt-out names (less_than, greater_than_or_equal, one_of) are errors with a hint to the short
name. More in ${LANGUAGE}.
`,
};

/** The page for `quorum help <topic>`, or null when there is no such topic. */
export function topicText(topic: string): string | null {
  const key = topic.toLowerCase().replace(/^--/, '').replace('_', '-');
  const aliases: Record<string, string> = { asof: 'as-of', window: 'windows', within: 'windows', quantifier: 'quantifiers', operator: 'operators' };
  return HELP_TOPICS[key] ?? HELP_TOPICS[aliases[key.replace('-', '')] ?? aliases[key] ?? ''] ?? null;
}
