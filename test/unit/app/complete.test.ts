import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { complete, completionLines, type ManifestCommand } from '../../../src/app/complete.js';
import { SETTING_KEYS } from '../../../src/platform/settings.js';
import { recipe, recipes, root, useProject, write } from '../support/project.js';

useProject();

const flag = (name: string, type: 'boolean' | 'option', more: Partial<ManifestCommand['flags'][string]> = {}) => ({ [name]: { name, type, ...more } });
/** A manifest of the shapes berth's commands have (oclif's own is made by the build). */
const COMMANDS: ManifestCommand[] = [
  { id: 'run', args: { tool: { name: 'tool' } }, strict: false, flags: { ...flag('pull', 'option', { options: ['missing', 'always', 'never'] }), ...flag('env', 'option', { char: 'e' }), ...flag('warm', 'boolean', { allowNo: true }) } },
  { id: 'install', args: { tool: { name: 'tool' } }, strict: false, flags: flag('quiet', 'boolean', { char: 'q' }) },
  { id: 'which', args: { tool: { name: 'tool' } }, strict: true, flags: flag('json', 'boolean') },
  { id: 'completions', args: { shell: { name: 'shell' } }, flags: {} },
  { id: 'doctor', args: { check: { name: 'check', options: ['engine', 'shims'] } }, flags: {} },
  { id: 'recipes:lint', args: { file: { name: 'file' } }, strict: false, flags: {} },
  { id: 'config:set', args: { key: { name: 'key' }, value: { name: 'value' } }, flags: {} },
  { id: 'config:get', args: { key: { name: 'key' } }, flags: {} },
  { id: 'help', args: { command: { name: 'command' } }, strict: false, flags: {} },
  { id: 'secret', args: {}, flags: {}, hidden: true },
];

describe('shell completion', () => {
  const env = () => ({ BERTH_RECIPES_PATH: recipes, XDG_CONFIG_HOME: path.join(root, 'config'), XDG_CACHE_HOME: path.join(root, 'cache'), XDG_STATE_HOME: path.join(root, 'state'), HOME: root });
  const words = (...w: string[]) => {
    const c = complete(w, { cwd: root, env: env(), commands: COMMANDS });
    return c.kind === 'words' ? c.words : c.kind;
  };

  it('completes commands, topics and their subcommands, never a hidden one', () => {
    expect(words('')).toEqual(['completions', 'config', 'doctor', 'help', 'install', 'recipes', 'run', 'which']);
    expect(words('c')).toEqual(['completions', 'config']);
    expect(words('config', '')).toEqual(['get', 'set']);
    expect(words('help', 'con')).toEqual(['config']);
    expect(words('help', 'config', 's')).toEqual(['set']);
    expect(words('-')).toEqual(['--help', '--version']);
  });

  it('completes flags (with --no- forms), option values in both forms, and argument options', () => {
    expect(words('run', '--')).toEqual(['--env', '--help', '--no-warm', '--pull', '--warm']);
    expect(words('run', '--pull', '')).toEqual(['always', 'missing', 'never']);
    expect(words('run', '--pull', '=', 'n')).toEqual(['never']);
    expect(words('run', '--pull=a')).toEqual(['--pull=always']);
    expect(words('run', '-e', '')).toBe('files');
    expect(words('completions', 'z')).toEqual(['zsh']);
    expect(words('doctor', '')).toEqual(['engine', 'shims']);
    expect(words('config', 'set', '')).toEqual([...SETTING_KEYS].sort());
    expect(words('config', 'set', 'warm', '')).toBe('files');
    expect(words('recipes', 'lint', '')).toBe('files');
  });

  it('completes tool names and, after @, the versions the recipe lists', () => {
    recipe({ name: 'fxy', image: 'registry.test/fy:{version}', version: '2.0', versions: ['1.0', '1.5'] });
    expect(words('run', 'fx')).toEqual(['fx', 'fxy']);
    // The built-in catalog's too.
    expect(words('run', 'shellch')).toEqual(['shellcheck']);
    expect(words('run', 'fxy@')).toEqual(['fxy@1.0', 'fxy@1.5', 'fxy@2.0']);
    expect(words('run', 'fxy@1.')).toEqual(['fxy@1.0', 'fxy@1.5']);
    expect(words('run', 'nothing@')).toEqual([]);
    expect(words('install', 'fx', 'fxy', 'fi')).toEqual(['fixed']);
    // which takes one tool: nothing after it.
    expect(words('which', 'fx', '')).toEqual([]);
  });

  it("leaves the words after berth run's tool name to the shell: files, never berth's flags", () => {
    expect(words('run', 'fx', '')).toBe('files');
    expect(words('run', 'fx', '--')).toBe('files');
    expect(words('run', '--warm', '-e', 'A=1', 'fx', 'x', '-')).toBe('files');
    expect(words('run', '--', 'fi')).toEqual(['fixed']);
    expect(words('run', '--', 'fx', '--p')).toBe('files');
  });

  it('offers no name or version that is not a name or a version, nor an untrusted project\'s recipes', () => {
    writeFileSync(path.join(recipes, 'fx$(reboot).yaml'), 'x');
    writeFileSync(path.join(recipes, 'fx;reboot.yaml'), 'x');
    writeFileSync(path.join(recipes, 'Fx-upper.yaml'), 'x');
    recipe({ name: 'fxz', image: 'registry.test/fz:{version}', version: '1.0' });
    expect(words('run', 'fx')).toEqual(['fx', 'fxz']);
    expect(words('run', '')).not.toContain('Fx-upper');
    const project = path.join(root, 'p');
    mkdirSync(project);
    write(path.join(project, '.berth', 'recipes', 'fproject.yaml'), 'name: fproject\ndescription: p\nimage: registry.test/p:{version}\nversion: "1"\n');
    expect(complete(['run', 'f'], { cwd: project, env: env(), commands: COMMANDS })).not.toMatchObject({ words: expect.arrayContaining(['fproject']) });
    expect(complete(['run', 'fx'], { cwd: project, env: env(), commands: COMMANDS })).toEqual({ kind: 'words', words: ['fx', 'fxz'] });
    expect(complete(['run', 'fproject@'], { cwd: project, env: env(), commands: COMMANDS })).toEqual({ kind: 'words', words: [] });
  });

  it('prints the kind, then one word a line', () => {
    expect(completionLines({ kind: 'words', words: ['a', 'b'] })).toEqual(['words', 'a', 'b']);
    expect(completionLines({ kind: 'files' })).toEqual(['files']);
  });
});
