import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { projectKey, projectRecipeDirectory, projectTrust, trustedProjects, trustProject, untrustProject } from '../../../../src/core/workspace/trust.js';

let root: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-trust-')));
  env = { XDG_STATE_HOME: path.join(root, 'state'), XDG_CONFIG_HOME: path.join(root, 'config') };
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A project at root/NAME with the given recipe files (name -> text) in .berth/recipes. */
function project(name: string, recipes: Record<string, string> = {}): string {
  const dir = path.join(root, name);
  mkdirSync(projectRecipeDirectory(dir), { recursive: true });
  for (const [file, text] of Object.entries(recipes)) writeFileSync(path.join(projectRecipeDirectory(dir), file), text);
  return dir;
}

const recipeFile = (dir: string, name: string) => path.join(projectRecipeDirectory(dir), name);

describe("trust in a project's recipes", () => {
  it('is not needed by a project without recipes of its own', () => {
    expect(projectTrust(project('plain'), env)).toEqual({ trusted: true });
    expect(projectTrust(project('other', { 'README.md': 'not a recipe' }), env)).toEqual({ trusted: true });
  });

  it('is missing until given, naming every recipe file', () => {
    const app = project('app', { 'jq.yaml': 'a', 'yq.yml': 'b' });
    expect(projectTrust(app, env)).toEqual({ trusted: false, changed: ['jq.yaml', 'yq.yml'] });
    trustProject(app, env);
    expect(projectTrust(app, env)).toMatchObject({ trusted: true });
  });

  it('ends when a recipe file is changed, added or removed, naming what changed', () => {
    const app = project('app', { 'jq.yaml': 'a', 'yq.yaml': 'b' });
    trustProject(app, env);
    writeFileSync(recipeFile(app, 'jq.yaml'), 'a, edited');
    expect(projectTrust(app, env)).toMatchObject({ trusted: false, changed: ['jq.yaml'] });
    trustProject(app, env);
    writeFileSync(recipeFile(app, 'new.yaml'), 'c');
    rmSync(recipeFile(app, 'yq.yaml'));
    expect(projectTrust(app, env)).toMatchObject({ trusted: false, changed: ['new.yaml', 'yq.yaml'] });
  });

  it("is recorded in berth's state directory, privately, never in the project", () => {
    const app = project('app', { 'jq.yaml': 'a' });
    const record = trustProject(app, env);
    const file = path.join(root, 'state', 'berth', 'trust.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).projects[app]).toEqual(record);
    expect(record.recipes).toEqual({ 'jq.yaml': expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(readdirSync(app)).toEqual(['.berth']);
    expect(readdirSync(projectRecipeDirectory(app))).toEqual(['jq.yaml']);
  });

  it('belongs to the real project, whatever path leads to it', () => {
    const app = project('app', { 'jq.yaml': 'a' });
    const link = path.join(root, 'link');
    symlinkSync(app, link);
    expect(projectKey(link)).toBe(app);
    trustProject(link, env);
    expect(projectTrust(app, env)).toMatchObject({ trusted: true });
    expect(trustedProjects(env).map((p) => p.root)).toEqual([app]);
  });

  it('can be taken back, once', () => {
    const app = project('app', { 'jq.yaml': 'a' });
    trustProject(app, env);
    expect(untrustProject(app, env)).toBe(true);
    expect(projectTrust(app, env)).toMatchObject({ trusted: false });
    expect(untrustProject(app, env)).toBe(false);
  });

  it('lists every trusted project by path', () => {
    const b = project('b', { 'x.yaml': '1' });
    const a = project('a', { 'x.yaml': '2' });
    trustProject(b, env);
    trustProject(a, env);
    expect(trustedProjects(env).map((p) => p.root)).toEqual([a, b]);
    expect(trustedProjects({ XDG_STATE_HOME: path.join(root, 'nowhere') })).toEqual([]);
  });

  it('is never given to a recipe file that is a symbolic link', () => {
    const app = project('app', { 'jq.yaml': 'a' });
    writeFileSync(path.join(root, 'elsewhere.yaml'), 'b');
    symlinkSync(path.join(root, 'elsewhere.yaml'), recipeFile(app, 'yq.yaml'));
    expect(() => trustProject(app, env)).toThrow(`cannot trust yq.yaml (a symbolic link) in ${projectRecipeDirectory(app)}: make them your own regular files first`);
    expect(projectTrust(app, env)).toEqual({ trusted: false, record: undefined, changed: ['yq.yaml (a symbolic link)'] });
  });

  it('is never given to a recipe directory others can write to, unless the user vouches for the project', () => {
    const app = project('app', { 'jq.yaml': 'a' });
    chmodSync(projectRecipeDirectory(app), 0o777);
    expect(() => trustProject(app, env)).toThrow(`cannot trust the recipes of ${app}: ${projectRecipeDirectory(app)} can be written by every user`);
    expect(projectTrust(app, env)).toMatchObject({ trusted: false, changed: [`(${projectRecipeDirectory(app)} can be written by every user)`] });
    const vouched = { ...env, BERTH_SAFE_DIRECTORIES: app };
    trustProject(app, vouched);
    expect(projectTrust(app, vouched)).toMatchObject({ trusted: true });
  });

  it('is not taken from a damaged record, nor from one of another version', () => {
    const app = project('app', { 'jq.yaml': 'a' });
    trustProject(app, env);
    const file = path.join(root, 'state', 'berth', 'trust.json');
    const store = JSON.parse(readFileSync(file, 'utf8'));
    for (const text of ['{ not json', 'null', JSON.stringify({ ...store, version: 2 })]) {
      writeFileSync(file, text);
      expect(projectTrust(app, env), text).toEqual({ trusted: false, changed: ['jq.yaml'] });
    }
  });
});
