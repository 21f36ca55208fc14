// `berth list`, `search`, `info` and `recipes new/lint` as a user runs them: the BUILT CLI
// (`npm run build` first) as a child process, with its own config and cache directories.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { run, type RunResult } from '../harness/exec.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(REPO, 'bin', 'run.js');

let root: string;
let work: string;
let pathRecipes: string;
let env: NodeJS.ProcessEnv;

function berth(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<RunResult> {
  return run(process.execPath, [BIN, ...args], { env: { ...env, ...options.env }, cwd: options.cwd ?? work, timeoutMs: 60_000 });
}

beforeAll(() => {
  for (const command of ['list', 'search', 'info', path.join('recipes', 'new'), path.join('recipes', 'lint')]) {
    if (!existsSync(path.join(REPO, 'dist', 'commands', `${command}.js`))) {
      throw new Error(`dist/commands/${command}.js is missing: run \`npm run build\` before the integration tests`);
    }
  }
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-catalog-')));
  work = path.join(root, 'work');
  pathRecipes = path.join(root, 'path-recipes');
  mkdirSync(work);
  mkdirSync(pathRecipes);
  env = {
    PATH: process.env.PATH,
    HOME: root,
    LANG: 'C.UTF-8',
    XDG_CONFIG_HOME: path.join(root, 'config'),
    XDG_CACHE_HOME: path.join(root, 'cache'),
  };
  if (process.env.DOCKER_HOST) env.DOCKER_HOST = process.env.DOCKER_HOST;
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

interface Entry {
  name: string;
  version: string;
  description: string;
  source: string;
  tags: string[];
  file: string;
}

describe('berth list', () => {
  it('shows 30+ built-in recipes in an aligned table', async () => {
    const result = await berth(['list']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+VERSION\s+SOURCE\s+DESCRIPTION$/);
    expect(lines.length - 1).toBeGreaterThanOrEqual(30);
    const column = lines[0]!.indexOf('VERSION');
    for (const line of lines.slice(1)) expect(line[column - 1]).toBe(' ');
    expect(lines.some((l) => /^shellcheck\s+0\.11\.0\s+builtin\s+Static analysis for shell scripts$/.test(l))).toBe(true);
  });

  it('--json gives the documented entries', async () => {
    const result = await berth(['list', '--json']);
    expect(result.code).toBe(0);
    const entries = JSON.parse(result.stdout) as Entry[];
    expect(entries.length).toBeGreaterThanOrEqual(30);
    for (const e of entries) expect(Object.keys(e)).toEqual(['name', 'version', 'description', 'source', 'tags', 'file']);
    expect(entries.find((e) => e.name === 'jq')).toEqual({
      name: 'jq',
      version: '1.8.1',
      description: 'Command-line JSON processor',
      source: 'builtin',
      tags: ['json', 'data', 'filter'],
      file: path.join(REPO, 'recipes', 'jq.yaml'),
    });
  });

  it('survives a broken recipe in BERTH_RECIPES_PATH and reports it on stderr', async () => {
    const dir = path.join(root, 'broken-path');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'broken.yaml'), 'name: broken\ndescription: [oops\n');
    writeFileSync(path.join(dir, 'unknown.yaml'), 'name: unknown\ndescription: d\nimage: x/y:1\nversion: "1"\ncolour: red\n');
    writeFileSync(path.join(dir, 'fine.yaml'), 'name: fine\ndescription: A fine tool\nimage: x/fine:{version}\nversion: "2.0"\n');
    const result = await berth(['list'], { env: { BERTH_RECIPES_PATH: dir } });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`${path.join(dir, 'broken.yaml')}:`);
    expect(result.stderr).toContain(`${path.join(dir, 'unknown.yaml')}:5: colour: unknown field`);
    expect(result.stdout).toMatch(/^fine\s+2\.0\s+path\s+A fine tool$/m);
    expect(result.stdout.trimEnd().split('\n').length - 1).toBeGreaterThanOrEqual(31);
    const json = await berth(['list', '--json'], { env: { BERTH_RECIPES_PATH: dir } });
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as Entry[]).find((e) => e.name === 'fine')?.source).toBe('path');
  });
});

describe('berth search', () => {
  it('lint lists the linters and not jq', async () => {
    const result = await berth(['search', 'lint']);
    expect(result.code, result.stderr).toBe(0);
    const names = result.stdout.trimEnd().split('\n').slice(1).map((l) => l.split(/\s+/)[0]);
    expect(names).toEqual(expect.arrayContaining(['shellcheck', 'hadolint', 'actionlint', 'yamllint', 'markdownlint-cli2', 'tflint', 'ruff']));
    expect(names).not.toContain('jq');
    expect(names).not.toContain('ffmpeg');
  });

  it('matches tags and descriptions ignoring case, and --json', async () => {
    const result = await berth(['search', 'VIDEO', '--json']);
    expect(result.code).toBe(0);
    const names = (JSON.parse(result.stdout) as Entry[]).map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['ffmpeg', 'ffprobe', 'gif']));
    expect(names).not.toContain('shellcheck');
  });

  it('exits 1 with a message when nothing matches', async () => {
    const result = await berth(['search', 'zzz-nothing-matches']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('berth: no recipe matches "zzz-nothing-matches" (see berth list)\n');
    const json = await berth(['search', 'zzz-nothing-matches', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual([]);
  });
});

describe('berth info', () => {
  it('shellcheck --json has the pinned image, version and digest', async () => {
    const result = await berth(['info', 'shellcheck', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const info = JSON.parse(result.stdout) as Record<string, unknown>;
    const digest = 'sha256:61862eba1fcf09a484ebcc6feea46f1782532571a34ed51fedf90dd25f925a8d';
    expect(info).toMatchObject({
      name: 'shellcheck',
      version: '0.11.0',
      versions: ['0.11.0', '0.10.0'],
      image: 'docker.io/koalaman/shellcheck:v{version}',
      digest,
      referenceVersion: '0.11.0',
      reference: `docker.io/koalaman/shellcheck:v0.11.0@${digest}`,
      referenceFrom: 'recipe',
      locked: false,
      entrypoint: ['/bin/shellcheck'],
      network: 'none',
      user: 'host',
      source: 'builtin',
      examples: ['berth run shellcheck deploy.sh', 'berth run shellcheck --severity=warning scripts/*.sh'],
    });
    // The engine answers, so cached is known (false on machines that cannot pull the upstream image).
    expect(typeof info.cached).toBe('boolean');
    if (info.cached === false) expect(info.size).toBeNull();
    else expect(info.size).toBeGreaterThan(0);
  });

  it('TOOL@VERSION resolves that version without the digest, and the mirror rewrites docker.io', async () => {
    const result = await berth(['info', 'shellcheck@0.10.0', '--json'], { env: { BERTH_REGISTRY_MIRROR: 'mirror.invalid:5000' } });
    expect(result.code, result.stderr).toBe(0);
    const info = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(info.referenceVersion).toBe('0.10.0');
    expect(info.referenceFrom).toBe('command line');
    expect(info.reference).toBe('mirror.invalid:5000/koalaman/shellcheck:v0.10.0');
  });

  it('says whether the image is cached and how big it is', async () => {
    const fixture = inject('fixtureImage');
    const [repository, tag] = fixture.split(':') as [string, string];
    writeFileSync(
      path.join(pathRecipes, 'fixture-tool.yaml'),
      `name: fixture-tool\ndescription: The test fixture\nimage: ${repository}:{version}\nversion: '${tag}'\nexamples: [berth run fixture-tool echo-args hi]\n`,
    );
    const json = await berth(['info', 'fixture-tool', '--json'], { env: { BERTH_RECIPES_PATH: pathRecipes } });
    expect(json.code, json.stderr).toBe(0);
    const info = JSON.parse(json.stdout) as { cached: boolean; size: number; source: string };
    expect(info.source).toBe('path');
    expect(info.cached).toBe(true);
    expect(info.size).toBeGreaterThan(0);
    const human = await berth(['info', 'fixture-tool'], { env: { BERTH_RECIPES_PATH: pathRecipes } });
    expect(human.stdout).toMatch(/^ {2}cached {5}yes, [\d.]+ (B|kB|MB)$/m);
  });

  it('still succeeds when the engine is not reachable', async () => {
    const unreachable = { DOCKER_HOST: `unix://${path.join(root, 'no-such-docker.sock')}` };
    const human = await berth(['info', 'jq'], { env: unreachable });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('cached     unknown (engine not reachable)');
    expect(human.stdout).toContain('examples:\n  cat data.json | berth run jq .items\n');
    const json = await berth(['info', 'jq', '--json'], { env: unreachable });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ cached: null, size: null });
  });

  it('exits 127 for an unknown tool', async () => {
    const result = await berth(['info', 'shelcheck']);
    expect(result.code).toBe(127);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('berth: no recipe for "shelcheck"; did you mean shellcheck? (see berth list)\n');
  });
});

describe('berth recipes new and lint', () => {
  it('writes a skeleton into the user directory that lint accepts and list shows', async () => {
    const created = await berth(['recipes', 'new', 'mytool', '--image', 'ghcr.io/example/mytool:v1.4.2']);
    expect(created.code, created.stderr).toBe(0);
    const file = path.join(root, 'config', 'berth', 'recipes', 'mytool.yaml');
    expect(created.stdout).toBe(`${file}\n`);
    expect(readFileSync(file, 'utf8')).toContain('image: ghcr.io/example/mytool:v{version}\n');

    const lint = await berth(['recipes', 'lint', file]);
    expect(lint.code, lint.stderr).toBe(0);
    expect(lint.stdout).toBe('1 recipe file OK\n');

    const list = await berth(['list', '--json']);
    expect((JSON.parse(list.stdout) as Entry[]).find((e) => e.name === 'mytool')).toMatchObject({ version: '1.4.2', source: 'user', file });

    const again = await berth(['recipes', 'new', 'mytool', '--image', 'ghcr.io/example/mytool:v2.0.0']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`berth: ${file} already exists; use --force to replace it\n`);
    const forced = await berth(['recipes', 'new', 'mytool', '--image', 'ghcr.io/example/mytool:v2.0.0', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain("version: 2.0.0\n");
  });

  it('--project writes into the project root found above the current directory', async () => {
    const project = path.join(root, 'project');
    const sub = path.join(project, 'a', 'b');
    mkdirSync(sub, { recursive: true });
    writeFileSync(path.join(project, 'berth.yaml'), 'tools: {}\n');
    const created = await berth(['recipes', 'new', 'projtool', '--image', 'docker.io/example/projtool:3.1-alpine', '--project'], { cwd: sub });
    expect(created.code, created.stderr).toBe(0);
    const file = path.join(project, '.berth', 'recipes', 'projtool.yaml');
    expect(created.stdout).toBe(`${file}\n`);
    const lint = await berth(['recipes', 'lint', file], { cwd: sub });
    expect(lint.code, lint.stderr).toBe(0);
    expect(created.stderr).toContain('project recipes are used once trusted: berth trust');
    const untrusted = await berth(['info', 'projtool', '--json'], { cwd: sub, env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toContain('is not trusted');
    expect((await berth(['trust'], { cwd: sub })).code).toBe(0);
    const info = await berth(['info', 'projtool', '--json'], { cwd: sub, env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    expect(JSON.parse(info.stdout)).toMatchObject({ source: 'project', image: 'docker.io/example/projtool:{version}-alpine', version: '3.1' });
  });

  it('refuses a bad name or image reference with one line', async () => {
    const badName = await berth(['recipes', 'new', 'Bad Name', '--image', 'example/tool:1.0']);
    expect(badName.code).toBe(1);
    expect(badName.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(badName.stderr).toMatch(/"Bad Name" is not a recipe name/);
    const badRef = await berth(['recipes', 'new', 'tool', '--image', 'Example/Tool:1.0']);
    expect(badRef.code).toBe(1);
    expect(badRef.stderr).toBe('berth: --image Example/Tool:1.0: "Example/Tool" is not a valid repository name\n');
  });

  it('lint exits 1 with FILE:LINE messages for bad files', async () => {
    const dir = path.join(root, 'bad');
    mkdirSync(dir);
    const files = {
      yaml: path.join(dir, 'yaml.yaml'),
      field: path.join(dir, 'field.yaml'),
      name: path.join(dir, 'name.yaml'),
      digest: path.join(dir, 'digest.yaml'),
    };
    writeFileSync(files.yaml, 'name: yaml\ndescription: [unclosed\nimage: x\n');
    writeFileSync(files.field, 'name: field\ndescription: d\nimage: x/y:{version}\nversion: "1"\nnetwork: internet\n');
    writeFileSync(files.name, 'name: other\ndescription: d\nimage: x/y:{version}\nversion: "1"\n');
    writeFileSync(files.digest, 'name: digest\ndescription: d\nimage: x/y:{version}\nversion: "1"\ndigest: sha256:abc\n');
    const result = await berth(['recipes', 'lint', ...Object.values(files)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^${files.yaml}:3: not valid YAML`)),
      `${files.field}:5: network: expected one of none, bridge, host`,
      `${files.name}:1: name: "other" must match the file name "name"`,
      expect.stringMatching(new RegExp(`^${files.digest}:5: digest: `)),
      '4 problems in 4 recipe files',
    ]);
  });
});
