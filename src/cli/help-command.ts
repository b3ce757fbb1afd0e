// `--help` on every command lists the global options it reads and real examples; `quorum help
// <command | topic>` prints a command's help or a short page on windows, quantifiers, operators
// or the --as-of format.
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

export function teachHelp(program: Command): void {
  program.helpCommand(false);
  program
    .command('help')
    .argument('[topic]', `a command, or a topic: ${Object.keys(HELP_TOPICS).join(', ')}`)
    .description('help on a command, or a short page on a topic of the definition language')
    .action((topic: string | undefined) => {
      if (topic === undefined) return void program.outputHelp();
      const command = program.commands.find((c) => c.name() === topic);
      if (command) return void command.outputHelp();
      const text = topicText(topic);
      if (text !== null) return void process.stdout.write(text);
      const names = [...program.commands.map((c) => c.name()), ...Object.keys(HELP_TOPICS)];
      const suggestion = didYouMean(topic, names);
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
