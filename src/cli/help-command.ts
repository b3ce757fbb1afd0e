// `--help` on every command lists the global options it reads and real examples; `quorum help
// <command [subcommand] | topic>` prints a command's help or a short page on windows,
// quantifiers, operators or the --as-of format.
import { Help, type Command, type Option } from 'commander';
import { didYouMean } from '../definitions/did-you-mean.js';
import { honouredFlags } from './global-flags.js';
import { COMMAND_EXAMPLES, examplesText, HELP_TOPICS, topicText } from './help-text.js';
import { UsageError } from './options.js';

const HELP_SETTINGS = {
  showGlobalOptions: true,
  visibleGlobalOptions(this: Help, command: Command): Option[] {
    const applies: readonly string[] = honouredFlags(command);
    return Help.prototype.visibleGlobalOptions.call(this, command).filter((o) => o.long !== undefined && applies.includes(o.long));
  },
};

/** The command a path of names reaches (`state repair`), or where it names none: the index of that word and the command above it. */
function commandAt(program: Command, words: readonly string[]): { readonly command: Command } | { readonly missing: number; readonly parent: Command } {
  let command = program;
  for (const [i, word] of words.entries()) {
    const below = command.commands.find((c) => c.name() === word);
    if (below === undefined) return { missing: i, parent: command };
    command = below;
  }
  return { command };
}

function noSubcommand(parent: Command, path: readonly string[], word: string): UsageError {
  const names = parent.commands.map((c) => c.name());
  if (names.length === 0) return new UsageError(`quorum ${path.join(' ')} has no subcommands, so no "${word}".`, `quorum help ${path.join(' ')}`);
  const suggestion = didYouMean(word, names);
  return new UsageError(`quorum ${path.join(' ')} has no subcommand "${word}".`, `${suggestion ? `did you mean "${suggestion}"? ` : ''}its subcommands: ${names.join(', ')}`);
}

export function teachHelp(program: Command): void {
  program.helpCommand(false);
  program
    .command('help')
    .argument('[topic...]', `a command (state repair for a subcommand), or a topic: ${Object.keys(HELP_TOPICS).join(', ')}`)
    .description('help on a command, or a short page on a topic of the definition language')
    .action((words: string[]) => {
      if (words.length === 0) return void program.outputHelp();
      const found = commandAt(program, words);
      if ('command' in found) return void found.command.outputHelp();
      if (found.missing > 0) throw noSubcommand(found.parent, words.slice(0, found.missing), words[found.missing]);
      const topic = words.join(' ');
      const text = words.length === 1 ? topicText(topic) : null;
      if (text !== null) return void process.stdout.write(text);
      const names = [...program.commands.map((c) => c.name()), ...Object.keys(HELP_TOPICS)];
      const suggestion = didYouMean(words[0], names);
      throw new UsageError(
        `no command or help topic is named "${topic}".`,
        `${suggestion ? `did you mean "${suggestion}"? ` : ''}commands: ${program.commands.map((c) => c.name()).join(', ')}; topics: ${Object.keys(HELP_TOPICS).join(', ')}`,
      );
    });
  // set on each command: commands copy their parent's help settings only when they are created
  const teach = (command: Command): void => {
    command.configureHelp(HELP_SETTINGS);
    const examples = examplesText(command.name());
    if (examples) command.addHelpText('after', examples);
    command.commands.forEach(teach);
  };
  program.commands.forEach(teach);
  program.addHelpText('after', `\nTopics: quorum help ${Object.keys(HELP_TOPICS).join(' | ')}\n\nStart with the demo:\n  $ quorum init demo && cd demo\n  $ ${COMMAND_EXAMPLES.preview[0]}\n`);
}
