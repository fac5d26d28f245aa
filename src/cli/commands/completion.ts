import type { Argv, CommandModule } from 'yargs';
import { example } from '../example.js';
import { action } from '../run-command.js';

/**
 * `jailsmith completion`: prints the bash (or, under zsh, the zsh) completion script. A command
 * of its own, unlike yargs' built-in one, so that `completion --help` explains itself. The main
 * parser keeps answering `--get-yargs-completions`, which the script calls, through a hidden
 * `.completion('__complete', false)`.
 */
export const completionCommand: CommandModule<object, object> = {
  command: 'completion',
  describe: 'Print a bash or zsh completion script: eval "$(jailsmith completion)"',
  builder: (y: Argv) =>
    y
      .example(...example('eval "$($0 completion)"', 'completion in this shell'))
      .example(
        ...example(
          '$0 completion > /etc/bash_completion.d/jailsmith',
          'for every bash session on the machine',
        ),
      )
      .epilog('The script follows $SHELL: zsh gets a zsh script, anything else bash.'),
  handler: action(async (_args, io) => {
    const { default: yargs } = await import('yargs');
    // A throwaway parser whose only job is yargs' script template (it names the program and the
    // command); parsing with a callback hands back the text instead of printing and exiting.
    const script = await new Promise<string>((resolve, reject) => {
      yargs()
        .scriptName('jailsmith')
        .completion('completion', false)
        .parse(['completion'], {}, (err, _argv, output) => (err ? reject(err) : resolve(output)));
    });
    io.out(script);
    return 0;
  }),
};
