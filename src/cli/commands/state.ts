// `quorum state check | repair` (SPEC §6 "State integrity"). Each subcommand registers itself from
// STATE_SUBCOMMANDS, so `state verify` (SPEC §6.1) is one more entry.
import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { dialectNamed } from '../../../dialects/registry.js';
import { connect, NEVER_SENDS, openProject, openSession } from '../../evaluation/session.js';
import { stateDamaged } from '../../sync/state-format.js';
import { applyRepair, diagnoseState, planRepair, type Diagnosis, type RepairFrom } from '../../sync/state-repair.js';
import { registerVerify } from './state-verify.js';
import { CommandFailed, globals, UsageError } from '../options.js';
import { printJson } from '../print.js';

function diagnosisJson(d: Diagnosis): Record<string, unknown> {
  return { schema: d.schema, status: d.problems.length > 0 ? 'damaged' : d.shape === 'fresh' ? 'absent' : d.shape === 'old' ? 'upgradable' : 'consistent', problems: d.problems, warnings: d.warnings };
}

function describe(d: Diagnosis): string[] {
  const warnings = d.warnings.map((w) => `warning: ${w.message}`);
  if (d.problems.length > 0) return [`state schema "${d.schema}" is damaged:`, ...d.problems.map((p) => `  - ${p.message}`), ...warnings];
  if (d.shape === 'fresh') return [`state schema "${d.schema}" does not exist yet; the first run creates it`];
  if (d.shape === 'old') return [`state schema "${d.schema}" has state format 1; the next run upgrades it`];
  return [`state schema "${d.schema}" is consistent${warnings.length > 0 ? ' (runs and deliveries are safe), with warnings:' : ''}`, ...warnings];
}

function registerCheck(state: Command): void {
  state
    .command('check')
    .description('check the state schema: every table and column, every snapshot row count; exit 1 when damaged')
    .action(async (_options: unknown, command: Command) => {
      const g = globals(command);
      const { project } = await openProject(g.project, dialectNamed, { destinationEnv: NEVER_SENDS() });
      const connection = await connect(project, dialectNamed);
      let diagnosis: Diagnosis;
      try {
        diagnosis = await diagnoseState(connection, project.config.stateSchema);
      } finally {
        await connection.close();
      }
      if (g.json) printJson(diagnosisJson(diagnosis));
      else process.stdout.write(`${describe(diagnosis).join('\n')}\n`);
      if (diagnosis.problems.length === 0) return;
      if (g.json) throw new CommandFailed();
      throw stateDamaged(diagnosis.schema, diagnosis.problems);
    });
}

/** --yes, or a yes on the terminal; JSON output is for scripts, which say --yes. */
async function confirmed(yes: boolean | undefined, json: boolean): Promise<boolean> {
  if (yes) return true;
  if (json || !process.stdin.isTTY || !process.stdout.isTTY) throw new UsageError('state repair changes the state schema: run it again with --yes to do what it says above');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question('Repair? [y/N] ')).trim());
  } finally {
    rl.close();
  }
}

function registerRepair(state: Command): void {
  state
    .command('repair')
    .description('rebuild a damaged state: --from last recomputes the damaged snapshots without sending; --from empty makes the next run send every member again')
    .requiredOption('--from <source>', 'last | empty')
    .option('--yes', 'do it (without it, repair only says what it would do)')
    .action(async (options: { from: string; yes?: boolean }, command: Command) => {
      if (options.from !== 'last' && options.from !== 'empty') throw new UsageError(`--from "${options.from}" is not last or empty`);
      const from: RepairFrom = options.from;
      const g = globals(command);
      const session = await openSession(g.project, dialectNamed);
      try {
        const schema = session.project.config.stateSchema;
        const diagnosis = await diagnoseState(session.connection, schema);
        const plan = await planRepair(session.connection, session.project, diagnosis, from);
        if (!g.json) process.stdout.write(`${describe(diagnosis).join('\n')}\n`);
        if (plan.actions.length === 0) {
          if (g.json) printJson({ ...diagnosisJson(diagnosis), repaired: false, actions: [] });
          else process.stdout.write('nothing to repair\n');
          return;
        }
        if (g.json && !options.yes) printJson({ ...diagnosisJson(diagnosis), repaired: false, actions: plan.actions });
        else if (!g.json) process.stdout.write(`repair --from ${from} would:\n${plan.actions.map((a) => `  - ${a}`).join('\n')}\n`);
        if (!(await confirmed(options.yes, g.json === true))) {
          if (!g.json) process.stdout.write('nothing was changed\n');
          return;
        }
        const left = await applyRepair(session, plan);
        if (g.json) printJson({ ...diagnosisJson(diagnosis), repaired: left.length === 0, actions: plan.actions, problems_left: left });
        else process.stdout.write(left.length === 0 ? `repaired: state schema "${schema}" is consistent; nothing was sent\n` : '');
        if (left.length > 0) throw stateDamaged(schema, left);
      } finally {
        await session.close();
      }
    });
}

export const STATE_SUBCOMMANDS: readonly ((state: Command) => void)[] = [registerCheck, registerVerify, registerRepair];

export function registerState(program: Command): void {
  const state = program.command('state').description('check the state schema, verify it against a full recomputation, or repair a damaged one (docs/operating.md)');
  for (const register of STATE_SUBCOMMANDS) register(state);
}
