// The global options (SPEC §7) each command honours. A command given one it cannot honour refuses
// it as a usage error (exit 2) that says what to use instead, rather than answering as if it had
// not been given: `quorum preview x --select y` printing x's preview reads as y's. `--help` lists
// only the ones a command honours. `quorum help` prints help, as `--help` does, whatever else is given.
import type { Command } from 'commander';
import { DEMO_AS_OF } from '../../fixtures/demo/generate-warehouse.js';
import { UsageError } from './options.js';

export type GlobalFlag = '--project' | '--as-of' | '--json' | '--select';

/** Why a command cannot honour a global option (a clause about the command), and what to use instead. */
interface Refusal {
  readonly why: string;
  readonly instead: string;
}

type Honoured = Readonly<Record<GlobalFlag, true | Refusal>>;

const ASOF_RECORDED = 'use quorum run --as-of --dry-run, or quorum explain --as-of';

/** A command about one definition named on the command line. */
function oneNamed(command: string, what: string, usage: string): Refusal {
  return { why: `quorum ${command} ${what} it names`, instead: `name it: ${usage}` };
}

/** A state subcommand: it reads each snapshot as of the run that committed it, and the whole state at once. */
function stateCommand(name: string, what: string): Honoured {
  return {
    '--project': true,
    '--as-of': { why: `quorum state ${name} works on the committed state, each snapshot as of the run that committed it`, instead: 'use quorum run --as-of to evaluate at another time' },
    '--json': true,
    '--select': { why: `quorum state ${name} ${what} at once`, instead: 'run it without --select' },
  };
}

/** Keyed by the command's path under `quorum` (`state check`). */
const GLOBAL_FLAGS: Readonly<Record<string, Honoured>> = {
  init: {
    '--project': true,
    '--as-of': { why: `quorum init writes the demo project, whose data is laid out around ${DEMO_AS_OF.slice(0, 10)}`, instead: 'pass --as-of to the commands you run on it' },
    '--json': true,
    '--select': { why: 'quorum init writes the whole demo project', instead: 'pass --select to quorum run or quorum test in it' },
  },
  validate: {
    '--project': true,
    '--as-of': { why: 'quorum validate checks the definitions, which are the same at every instant', instead: 'use quorum preview <name> --as-of to evaluate one at an instant' },
    '--json': true,
    '--select': { why: 'quorum validate checks the whole project, since definitions refer to each other', instead: 'use quorum compile <name> to check one definition and its SQL' },
  },
  compile: { '--project': true, '--as-of': true, '--json': true, '--select': oneNamed('compile', 'prints the SQL of the one definition', 'quorum compile <name>') },
  preview: { '--project': true, '--as-of': true, '--json': true, '--select': oneNamed('preview', 'previews the one definition', 'quorum preview <name>') },
  members: { '--project': true, '--as-of': true, '--json': true, '--select': oneNamed('members', 'lists the members of the one definition', 'quorum members <name>') },
  explain: {
    '--project': true,
    '--as-of': true,
    '--json': true,
    '--select': oneNamed('explain', 'explains the one audience (or, with --plan, definition)', 'quorum explain <audience> <id>, or quorum explain --plan <name>'),
  },
  test: {
    '--project': true,
    '--as-of': { why: 'quorum test evaluates each case at its own as_of (and at: of its steps)', instead: 'set as_of in the test file' },
    '--json': true,
    '--select': true,
  },
  run: { '--project': true, '--as-of': true, '--json': true, '--select': true },
  history: {
    '--project': true,
    '--as-of': { why: 'quorum history lists the runs as they were recorded, each with its own as_of', instead: ASOF_RECORDED },
    '--json': true,
    '--select': oneNamed('history', 'lists every run, or the runs of the one definition', 'quorum history <name>'),
  },
  schedule: {
    '--project': true,
    '--as-of': { why: 'quorum schedule evaluates every run as of its slot', instead: 'use quorum run --as-of' },
    '--json': true,
    '--select': true,
  },
  report: {
    '--project': true,
    '--as-of': { why: "quorum report shows the runs as they were recorded, and each breakdown as of its definition's latest run", instead: 'use quorum preview --as-of for a breakdown at another time' },
    '--json': true,
    '--select': { why: 'quorum report shows every definition of the project', instead: "use quorum history <name> for one definition's runs" },
  },
  'state check': stateCommand('check', 'checks every table and snapshot of the state schema'),
  'state verify': stateCommand('verify', 'recomputes every committed snapshot'),
  'state repair': stateCommand('repair', 'repairs the whole state schema'),
};

const FLAGS: readonly GlobalFlag[] = ['--project', '--as-of', '--json', '--select'];

/** `state check` for the check subcommand: the names below the program. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The global options a command honours; a group of subcommands (`state`) those any of them does. */
export function honouredFlags(command: Command): GlobalFlag[] {
  const flags = GLOBAL_FLAGS[commandPath(command)];
  if (flags !== undefined) return FLAGS.filter((f) => flags[f] === true);
  const below = new Set(command.commands.flatMap(honouredFlags));
  return FLAGS.filter((f) => below.has(f));
}

/** The option's attribute name as commander stores it (`--as-of` is `asOf`). */
function attribute(flag: GlobalFlag): string {
  return flag.slice(2).replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
}

/**
 * Refuses, before the command's action runs, a global option given on the command line that the
 * command cannot honour: a usage error that names what to use instead.
 */
export function refuseInapplicable(command: Command): void {
  const flags = GLOBAL_FLAGS[commandPath(command)];
  if (flags === undefined) return;
  for (const flag of FLAGS) {
    const refusal = flags[flag];
    if (refusal !== true && command.getOptionValueSourceWithGlobals(attribute(flag)) === 'cli') {
      throw new UsageError(`${refusal.why}; ${flag} does not apply (${refusal.instead})`);
    }
  }
}
