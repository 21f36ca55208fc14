import { Args } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { UsageError } from '../platform/errors.js';

export default class Completions extends BaseCommand {
  static override summary = 'Print a completion script for bash, zsh or fish.';
  static override description = `Completes berth's commands and flags, tool names from the recipe directories (the project's once trusted, BERTH_RECIPES_PATH, yours, the built-in catalog), and versions after TOOL@ from the recipe's versions. After the tool's name in berth run, the words are the tool's: the shell completes file names there, never berth's flags.
Install it once, as below, then open a new shell.`;

  static override examples = [
    { description: 'bash (with the bash-completion package; or put `source <(berth completions bash)` in ~/.bashrc):', command: '<%= config.bin %> completions bash > ~/.local/share/bash-completion/completions/berth' },
    { description: 'zsh, into a directory on $fpath before compinit runs (or `source <(berth completions zsh)` after compinit in ~/.zshrc):', command: '<%= config.bin %> completions zsh > "${fpath[1]}/_berth"' },
    { description: 'fish:', command: '<%= config.bin %> completions fish > ~/.config/fish/completions/berth.fish' },
  ];

  static override args = {
    shell: Args.string({ description: 'bash, zsh or fish', required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(Completions);
    const { completionScript, SHELLS } = await import('../ui/completion-scripts.js');
    const shell = SHELLS.find((s) => s === args.shell);
    if (!shell) throw new UsageError(`no completion script for "${args.shell}"; berth has them for ${SHELLS.join(', ')}`);
    process.stdout.write(completionScript(shell));
  }
}
