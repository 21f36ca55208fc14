// Issue 17: the completion scripts of `berth completions`, loaded into the real shells (bash, zsh,
// fish) with `berth` on PATH as the built CLI, asked as each shell asks: bash through its
// completion function with COMP_WORDS/COMP_CWORD after `complete -p` finds it, zsh through the
// function compinit registers, fish through its own completion engine (`complete -C`).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

  it('a shell berth has no script for: one line, exit 125', async () => {
    const r = await berth(sb, ['completions', 'ksh']);
    expect([r.code, r.stdout.toString(), r.stderr]).toEqual([125, '', 'berth: no completion script for "ksh"; berth has them for bash, zsh, fish\n']);
  });

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
    // Readline replaces from the "@" on (a special prefix in bash), and after the "=": the replies say only that much.
    expect(bash(['run', '-e', 'A=1', '--', 'zeta-tool@2'])).toEqual(['@2.0', '@2.1']);
    expect(bash(['install', 'zeta-tool', 'zeta-tool@'])).toEqual(['@1.0', '@2.0', '@2.1']);
    expect(bash(['run', '--pull=al'])).toEqual(['always']);
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
    expect(bash(['run', 'zeta-project@'], project())).toEqual(['@3', '@4']);
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

  /**
   * An interactive shell in tmux (a real terminal, readline's or zle's own handling of Tab): keys
   * are typed, and the screen is read back. The tmux server is this test's own (its own socket).
   */
  const terminal = (argv: string[], cwd = sb.work) => {
    const socket = `berth-which-${process.pid}-${argv[0]}`;
    const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
    const vars = Object.entries({ ...env(), TERM: 'xterm', PS1: 'PROMPT> ' }).map(([k, v]) => `${k}=${v}`);
    tmux('new-session', '-d', '-s', 't', '-x', '160', '-y', '40', '-c', cwd, 'env', '-i', ...vars, ...argv);
    const screen = () => tmux('capture-pane', '-p', '-t', 't');
    return {
      /** Types text (literally) and keys (Tab, C-u, Enter: tmux's names, given as { key }). */
      type(...keys: (string | { key: string })[]) {
        for (const k of keys) tmux('send-keys', '-t', 't', ...(typeof k === 'string' ? ['-l', k] : [k.key]));
      },
      async until(text: string): Promise<string> {
        const deadline = Date.now() + 15_000;
        for (;;) {
          const now = screen();
          if (now.includes(text)) return now;
          if (Date.now() > deadline) throw new Error(`the screen never showed ${JSON.stringify(text)}:\n${now}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      },
      end: () => tmux('kill-server'),
    };
  };
  const Tab = { key: 'Tab' };
  const clear = { key: 'C-u' };

  it('bash, interactive: Tab completes tools, versions after @ (readline keeps the @), flag values after =, and files after the tool', async () => {
    const t = terminal(['bash', '--norc', '--noprofile', '-i']);
    try {
      await t.until('PROMPT>');
      t.type(`source ${scripts.bash}`, { key: 'Enter' });
      t.type('berth ru', Tab);
      await t.until('PROMPT> berth run');
      t.type(clear, 'berth pull zeta-tool@2.', Tab, Tab);
      await t.until('@2.0  @2.1');
      t.type('1', Tab);
      await t.until('PROMPT> berth pull zeta-tool@2.1');
      t.type(clear, 'berth run --pull=al', Tab);
      await t.until('PROMPT> berth run --pull=always');
      t.type('zeta-t', Tab, 'zeta-f', Tab);
      await t.until('PROMPT> berth run --pull=always zeta-tool zeta-file.txt');
    } finally {
      t.end();
    }
    expect(existsSync(pwned())).toBe(false);
  });

  it('zsh, interactive: the script autoloaded from fpath by compinit completes on Tab', async () => {
    const fpath = path.join(sb.root, 'zsh-functions');
    mkdirSync(fpath, { recursive: true });
    writeFileSync(path.join(fpath, '_berth'), readFileSync(scripts.zsh!));
    const t = terminal(['zsh', '-f', '-i']);
    try {
      await t.until('PROMPT>');
      t.type(`fpath=(${fpath} $fpath) && autoload -U compinit && compinit -u -D`, { key: 'Enter' });
      t.type(clear, 'berth pull zeta-tool@2.', Tab, Tab);
      await t.until('zeta-tool@2.0  zeta-tool@2.1');
      t.type(clear, 'berth run zeta-tool zeta-f', Tab);
      await t.until('PROMPT> berth run zeta-tool zeta-file.txt');
    } finally {
      t.end();
    }
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
