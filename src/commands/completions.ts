import { Args } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { SHELLS } from '../ui/completion-scripts.js';

export default class Completions extends BaseCommand {
  static override summary = 'Print a completion script for bash, zsh or fish.';
  static override description = `Completes berth's commands and flags, tool names from the recipe directories (the project's, when trusted, BERTH_RECIPES_PATH, yours, the built-in catalog), and versions after TOOL@ from the recipe's versions. After the tool's name in berth run, the words are the tool's: the shell completes file names there, never berth's flags.
Install it once:
  bash: berth completions bash > ~/.local/share/bash-completion/completions/berth   (or: source <(berth completions bash) in ~/.bashrc)
  zsh:  berth completions zsh > "\${fpath[1]}/_berth"   (a directory on fpath, before compinit; or: source <(berth completions zsh) in ~/.zshrc after compinit)
  fish: berth completions fish > ~/.config/fish/completions/berth.fish
Then open a new shell.`;

  static override examples = [
    '<%= config.bin %> completions bash > ~/.local/share/bash-completion/completions/berth',
    '<%= config.bin %> completions zsh > "${fpath[1]}/_berth"',
    '<%= config.bin %> completions fish > ~/.config/fish/completions/berth.fish',
  ];

  static override args = {
    shell: Args.string({ description: 'the shell', required: true, options: [...SHELLS] }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(Completions);
    const { completionScript } = await import('../ui/completion-scripts.js');
    process.stdout.write(completionScript(args.shell as (typeof SHELLS)[number]));
  }
}
