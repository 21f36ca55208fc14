// Issue 17: the completion scripts of `berth completions`, loaded into the real shells (bash, zsh,
// fish) with `berth` on PATH as the built CLI, asked as each shell asks: bash through its
// completion function with COMP_WORDS/COMP_CWORD after `complete -p` finds it, zsh through the
// function compinit registers, fish through its own completion engine (`complete -C`).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { BERTH, berth, makeSandbox, writeRecipe, type Sandbox } from '../support/berth.js';

describe('completion scripts in the real shells', () => {
  let sb: Sandbox;
  let bin: string;
  const scripts: Record<string, string> = {};
  const project = () => path.join(sb.root, 'project');
  /** What the hostile names below would make in the directory the shell completes in. */
  const pwned = () => path.join(sb.work, 'PWNED');

  beforeAll(async () => {
    sb = makeSandbox();
    bin = path.join(sb.root, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'berth'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BERTH)} "$@"\n`);
    chmodSync(path.join(bin, 'berth'), 0o755);
    writeRecipe(sb, { name: 'zeta-tool', image: 'registry.test/zeta:{version}', version: '2.1', versions: ['1.0', '2.0', '2.1'] });
    // Names that are shell code: never offered, never run.
    writeFileSync(path.join(sb.recipes, 'zeta-$(touch PWNED).yaml'), stringify({ description: 'x', image: 'x:1', version: '1' }));
    writeFileSync(path.join(sb.recipes, 'zeta`touch PWNED`.yaml'), stringify({ description: 'x', image: 'x:1', version: '1' }));
    // A project with a recipe of its own, not trusted.
    mkdirSync(path.join(project(), '.berth', 'recipes'), { recursive: true });
    writeFileSync(path.join(project(), '.berth', 'recipes', 'zeta-project.yaml'), stringify({ name: 'zeta-project', description: 'p', image: 'registry.test/p:{version}', version: '3', versions: ['3', '4'] }));
    writeFileSync(path.join(sb.work, 'zeta-file.txt'), '');
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await berth(sb, ['completions', shell]);
      expect(r.code, r.stderr).toBe(0);
      scripts[shell] = path.join(sb.root, `completion.${shell}`);
      writeFileSync(scripts[shell], r.stdout);
    }
  }, 60_000);

  const env = () => ({ ...sb.env, PATH: `${bin}:${sb.env.PATH}` });
  const shell = (argv: string[], cwd = sb.work) => execFileSync(argv[0]!, argv.slice(1), { cwd, env: env(), encoding: 'utf8' });

  /** bash: the function `complete -p berth` names, called as readline calls it. */
  const bash = (words: string[], cwd?: string) => {
    const script = `source "$0"
spec=$(complete -p berth) || exit 3
[ "$spec" = "complete -F _berth berth" ] || { echo "unexpected: $spec"; exit 4; }
compopt() { echo "compopt $*"; }
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=\${#COMP_LINE}
_berth
printf '%s\\n' "\${COMPREPLY[@]}"`;
    return shell(['bash', '--norc', '--noprofile', '-c', script, scripts.bash!, 'berth', ...words], cwd).split('\n').filter(Boolean);
  };

  it('bash: commands, flags, option values, tool names and versions; files after the tool in berth run', () => {
    expect(bash(['ru'])).toEqual(['run']);
    expect(bash(['co'])).toEqual(['completions', 'config']);
    expect(bash(['config', ''])).toEqual(['get', 'list', 'set', 'unset']);
    expect(bash(['config', 'set', 'war'])).toEqual(['warm', 'warmIdleMinutes']);
    expect(bash(['gc', '--'])).toEqual(['--all-users', '--dry-run', '--help']);
    expect(bash(['run', '--pull', ''])).toEqual(['always', 'missing', 'never']);
    expect(bash(['run', '--pull', '=', 'al'])).toEqual(['always']);
    expect(bash(['run', 'zet'])).toEqual(['zeta-tool']);
    expect(bash(['run', '-e', 'A=1', '--', 'zeta-tool@2'])).toEqual(['zeta-tool@2.0', 'zeta-tool@2.1']);
    expect(bash(['install', 'zeta-tool', 'zeta-tool@'])).toEqual(['zeta-tool@1.0', 'zeta-tool@2.0', 'zeta-tool@2.1']);
    // After the tool's name: the shell's own file completion, never berth's flags.
    expect(bash(['run', 'zeta-tool', '-'])).toEqual(['compopt -o default']);
    expect(bash(['run', '--warm', 'zeta-tool', 'x', '--pu'])).toEqual(['compopt -o default']);
    expect(bash(['which', 'zeta-tool', ''])).toEqual([]);
    expect(existsSync(pwned())).toBe(false);
  });

  it("a project's recipes are offered only once trusted; hostile names never", async () => {
    expect(bash(['run', 'zeta'], project())).toEqual(['zeta-tool']);
    expect(bash(['run', 'zeta-project@'], project())).toEqual([]);
    const trust = await berth(sb, ['trust'], { cwd: project() });
    expect(trust.code, trust.stderr).toBe(0);
    expect(bash(['run', 'zeta'], project())).toEqual(['zeta-project', 'zeta-tool']);
    expect(bash(['run', 'zeta-project@'], project())).toEqual(['zeta-project@3', 'zeta-project@4']);
    expect(existsSync(path.join(project(), 'PWNED'))).toBe(false);
  });

  it('zsh: compinit registers the function; it offers the same words and _files after the tool', () => {
    const registered = shell(['zsh', '-f', '-c', `autoload -U compinit && compinit -u -D && source "$0" && print -r -- $_comps[berth]`, scripts.zsh!]).trim();
    expect(registered).toBe('_berth');
    // compadd and _files work only inside a completion widget: stand-ins print what they were given.
    const zsh = (words: string[]) =>
      shell(['zsh', '-f', '-c', `compdef() { : }; compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@" }; _files() { print FILES }; source "$0"; words=("$@"); CURRENT=$#; _berth`, scripts.zsh!, 'berth', ...words])
        .split('\n')
        .filter(Boolean);
    expect(zsh(['ru'])).toEqual(['run']);
    expect(zsh(['run', '--pull=n'])).toEqual(['--pull=never']);
    expect(zsh(['run', 'zeta-tool@1'])).toEqual(['zeta-tool@1.0']);
    expect(zsh(['run', 'zeta-tool', '--'])).toEqual(['FILES']);
    expect(existsSync(pwned())).toBe(false);
  });

  it("fish: its completion engine offers the words, and paths after the tool's name", () => {
    const fish = (line: string) => shell(['fish', '--no-config', '-c', `source $argv[1]; complete -C ${JSON.stringify(line)}`, scripts.fish!]).split('\n').filter(Boolean).map((l) => l.split('\t')[0]);
    expect(fish('berth ru')).toEqual(['run']);
    expect(fish('berth run zet')).toEqual(['zeta-tool']);
    expect(fish('berth pull zeta-tool@2.')).toEqual(['zeta-tool@2.0', 'zeta-tool@2.1']);
    expect(fish('berth run zeta-tool zeta-f')).toEqual(['zeta-file.txt']);
    expect(fish('berth run zeta-tool --')).not.toContain('--pull');
    expect(existsSync(pwned())).toBe(false);
  });
});
