import { readFileSync } from 'node:fs';
import { packageFile } from '../platform/package-files.js';
import { directoryEntries } from '../platform/files.js';
import { SETTING_KEYS } from '../platform/settings.js';
import { NAME_PATTERN, VERSION_PATTERN } from '../core/patterns.js';
import { findRecipe, recipeDirectories, type RecipeDirectory } from '../core/recipes/catalog.js';
import { knownVersions } from '../core/recipes/info.js';
import { SHELLS } from '../ui/completion-scripts.js';

/**
 * What the shell completes the current word with: `words` (each already starting with it), or
 * `files` (the shell's own completion of paths: a path argument, or the words that belong to the
 * tool after its name in `berth run`, which are the tool's business, never berth's flags).
 */
export type Completion = { kind: 'words'; words: string[] } | { kind: 'files' };

export interface ManifestFlag {
  name: string;
  char?: string;
  type: 'boolean' | 'option';
  allowNo?: boolean;
  options?: string[];
  hidden?: boolean;
}

export interface ManifestCommand {
  id: string;
  args: Record<string, { name: string; options?: string[] }>;
  flags: Record<string, ManifestFlag>;
  strict?: boolean;
  hidden?: boolean;
}

/** oclif's manifest, which `npm run build` writes: the commands, their flags and arguments. */
function manifestCommands(): ManifestCommand[] {
  try {
    const manifest = JSON.parse(readFileSync(packageFile('oclif.manifest.json'), 'utf8')) as { commands: Record<string, ManifestCommand> };
    return Object.values(manifest.commands);
  } catch {
    return []; // no manifest (development): nothing to offer
  }
}

/** The flags every command takes besides its own. */
const COMMON_FLAGS = ['--help'];

/**
 * Completes the word at the end of `words` (the command line after `berth`, the last one being
 * the word under the cursor, possibly empty). Reads oclif's manifest and the names of recipe
 * files; a recipe is read only to offer its versions after `TOOL@`. A project whose recipes are
 * not trusted gives no names and no versions: a completion reads nothing a run would refuse.
 * Every word offered matches berth's name or version pattern, or comes from berth's own
 * manifest, so nothing in it means anything to the shell.
 */
export function complete(words: string[], context: { cwd?: string; env?: NodeJS.ProcessEnv; commands?: ManifestCommand[] } = {}): Completion {
  const { cwd = process.cwd(), env = process.env } = context;
  const commands = (context.commands ?? manifestCommands()).filter((c) => !c.hidden);
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const ids = commands.map((c) => c.id);
  const offer = (candidates: Iterable<string>): Completion => ({ kind: 'words', words: [...new Set(candidates)].filter((w) => w.startsWith(current)).sort() });

  // The command: a first word, or a topic's second.
  const first = before[0];
  if (first === undefined) {
    if (current.startsWith('-')) return offer(['--help', '--version']);
    return offer(ids.map((id) => id.split(':')[0]!));
  }
  let command = commands.find((c) => c.id === first);
  let rest = before.slice(1);
  if (!command && ids.some((id) => id.startsWith(`${first}:`))) {
    if (before[1] === undefined) return offer(ids.filter((id) => id.startsWith(`${first}:`)).map((id) => id.slice(first.length + 1)));
    command = commands.find((c) => c.id === `${first}:${before[1]}`);
    rest = before.slice(2);
  }
  if (!command) return { kind: 'files' };
  if (command.id === 'help') {
    if (rest.length === 0) return offer(ids.map((id) => id.split(':')[0]!));
    return offer(rest.length === 1 ? ids.filter((id) => id.startsWith(`${rest[0]}:`)).map((id) => id.slice(rest[0]!.length + 1)) : []);
  }

  // Walk the words after the command: flags (with the value an option flag takes) and arguments.
  const flags = Object.values(command.flags).filter((f) => !f.hidden);
  const flagNamed = (word: string) => flags.find((f) => word === `--${f.name}` || (f.char !== undefined && word === `-${f.char}`));
  const argNames = Object.keys(command.args);
  let positionals = 0;
  let flagsEnded = false;
  let pendingOption: ManifestFlag | undefined;
  for (const word of rest) {
    if (pendingOption) {
      // bash splits `--pull=al` at the `=` (COMP_WORDBREAKS): the value is the word after it.
      if (word === '=') continue;
      pendingOption = undefined;
      continue;
    }
    if (!flagsEnded && word === '--') {
      flagsEnded = true;
      continue;
    }
    if (!flagsEnded && word.startsWith('-')) {
      const flag = flagNamed(word);
      if (flag?.type === 'option') pendingOption = flag;
      continue;
    }
    positionals++;
    // After `berth run`'s tool name, every word is the tool's.
    if (command.id === 'run') return { kind: 'files' };
  }
  if (pendingOption) return pendingOption.options ? offer(pendingOption.options) : { kind: 'files' };
  const inline = /^(--[\w-]+)=/.exec(current);
  const inlineFlag = inline && !flagsEnded ? flagNamed(inline[1]!) : undefined;
  if (inlineFlag) return inlineFlag.options ? offer(inlineFlag.options.map((o) => `${inline![1]}=${o}`)) : { kind: 'files' };
  if (!flagsEnded && current.startsWith('-')) {
    return offer([...flags.flatMap((f) => [`--${f.name}`, ...(f.allowNo ? [`--no-${f.name}`] : [])]), ...COMMON_FLAGS]);
  }
  // Which argument the current word is: a command that takes any number (strict false) repeats its last.
  const many = command.strict === false;
  const arg = argNames[Math.min(positionals, argNames.length - 1)];
  if (arg === undefined || (!many && positionals >= argNames.length)) return offer([]);
  const options = command.args[arg]?.options;
  if (options) return offer(options);
  if (arg === 'tool') return offer(toolWords(current, trustedDirectories(cwd, env)));
  if (arg === 'key') return offer(SETTING_KEYS);
  if (arg === 'shell') return offer(SHELLS);
  return { kind: 'files' };
}

/** The recipe directories whose recipes a run may use (an untrusted project's are left out). */
function trustedDirectories(cwd: string, env: NodeJS.ProcessEnv): RecipeDirectory[] {
  return recipeDirectories(cwd, env).filter((d) => !d.untrusted);
}

/** Tool names (from recipe file names alone); after `NAME@`, that recipe's versions as `NAME@VERSION`. */
function toolWords(current: string, dirs: RecipeDirectory[]): string[] {
  const at = current.indexOf('@');
  if (at === -1) {
    return dirs.flatMap(({ dir }) =>
      directoryEntries(dir)
        .map((file) => /^(.*)\.ya?ml$/.exec(file)?.[1] ?? '')
        .filter((name) => NAME_PATTERN.test(name)),
    );
  }
  const name = current.slice(0, at);
  if (!NAME_PATTERN.test(name)) return [];
  try {
    return knownVersions(findRecipe(name, dirs))
      .filter((v) => VERSION_PATTERN.test(v))
      .map((v) => `${name}@${v}`);
  } catch {
    return []; // no such recipe, or a broken one: nothing to offer
  }
}

/** The lines `berth __complete` prints: the kind, then one word a line. */
export function completionLines(c: Completion): string[] {
  return c.kind === 'files' ? ['files'] : ['words', ...c.words];
}

