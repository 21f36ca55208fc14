// Shims (`berth install`/`uninstall`/`list --installed`), run as a script would run them: by name,
// with a PATH holding only the shim directory and the system's basic directories. The BUILT CLI
// and dist/shim-entry.js run as child processes against the real engine.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { asUser, berth, makeSandbox, OTHER_UID, REPO, writeRecipe, type Sandbox } from '../support/berth.js';

/** The environment of a script: PATH holds only the shim directory and the basic system directories. */
function minimalEnv(sb: Sandbox, shimDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: `${shimDir}:/usr/bin:/bin`,
    HOME: sb.env.HOME,
    LANG: 'C.UTF-8',
    XDG_CONFIG_HOME: sb.config,
    XDG_CACHE_HOME: sb.cache,
    BERTH_RECIPES_PATH: sb.recipes,
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
    ...extra,
  };
}

interface ShimResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Runs `name ARGS` from /bin/sh, found on PATH=SHIMDIR:/usr/bin:/bin, as the sandbox's user. */
function shim(
  sb: Sandbox,
  shimDir: string,
  name: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; onSpawn?: (child: ChildProcess, output: () => string) => void } = {},
): Promise<ShimResult> {
  return new Promise((resolve, reject) => {
    const [command, ...argv] = asUser(sb, ['/bin/sh', '-c', 'exec "$0" "$@"', name, ...args]);
    const child = spawn(command!, argv, { cwd: options.cwd ?? sb.work, env: minimalEnv(sb, shimDir, options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    options.onSpawn?.(child, () => stdout);
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

/** install's output without the permission summaries it gives for recipes that are not built in. */
function withoutSummaries(stdout: string): string {
  return stdout.replace(/^\S+: a \w+ recipe \(.*\); its tool can reach:\n(?: {2}.*\n)*/gm, '');
}

describe('shims', () => {
  let sb: Sandbox;
  let shimDir: string;
  const env = () => ({ BERTH_SHIM_DIR: shimDir });

  beforeAll(() => {
    sb = makeSandbox();
    shimDir = path.join(sb.root, 'shims');
    writeRecipe(sb, { name: 'fxs', image: inject('fixtureImage') });
    writeRecipe(sb, { name: 'fxs-two', image: inject('fixtureImage') });
  });

  it('install writes an executable shim, creating the directory, and says the exact line to put it on PATH', async () => {
    const r = await berth(sb, ['install', 'fxs'], { env: env() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const file = path.join(shimDir, 'fxs');
    // A recipe that is not built in: what its tool can reach is said first.
    const summary = `fxs: a path recipe (${sb.recipes}/fxs.yaml); its tool can reach:\n  image      ${inject('fixtureImage')}\n  network    none\n  user       you (your uid:gid)\n  env passed (none beyond terminal and locale)\n  your files (none from your home)\n  mounts     the current directory; paths named in the arguments (see berth help run)\n`;
    expect(r.stdout.toString().startsWith(summary)).toBe(true);
    expect(withoutSummaries(r.stdout.toString())).toBe(
      `installed fxs -> ${file}\n${shimDir} is not on your PATH; add this line to your shell profile (~/.profile, ~/.bashrc or ~/.zshrc):\nexport PATH="${shimDir}:$PATH"\n`,
    );
    expect(statSync(file).mode & 0o755).toBe(0o755);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n').slice(0, 2)).toEqual(['#!/bin/sh', '# berth-shim v1']);
    expect(text).toContain(`exec '${process.execPath}' '${path.resolve('dist/shim-entry.js')}' 'fxs' "$@"`);
    const onPath = await berth(sb, ['install', 'fxs-two'], { env: { ...env(), PATH: `${shimDir}:${process.env.PATH}` } });
    expect(withoutSummaries(onPath.stdout.toString())).toBe(`installed fxs-two -> ${path.join(shimDir, 'fxs-two')}\n`);
  });

  it("install pulls the tool's image now, so the shim's first run pulls nothing; --no-pull leaves it to that run", async () => {
    const ref = `${inject('registry')}/berth-test/shim-pull-${process.pid}:1`;
    execFileSync('docker', ['tag', inject('fixtureImage'), ref]);
    execFileSync('docker', ['push', '-q', ref]);
    const cached = () => spawnSync('docker', ['image', 'inspect', ref], { stdio: 'ignore' }).status === 0;
    const drop = () => execFileSync('docker', ['rmi', ref], { stdio: 'ignore' });
    writeRecipe(sb, { name: 'fxs-pull', image: ref });
    try {
      drop();
      const installed = await berth(sb, ['install', 'fxs-pull'], { env: env() });
      expect(installed.code).toBe(0);
      expect(installed.stderr).toBe(`berth: pulling ${ref}\n`);
      expect(cached()).toBe(true);
      expect(await shim(sb, shimDir, 'fxs-pull', ['echo', 'ok'])).toEqual({ stdout: 'ok\n', stderr: '', code: 0 });

      drop();
      const later = await berth(sb, ['install', '--no-pull', 'fxs-pull'], { env: env() });
      expect([later.code, later.stderr]).toEqual([0, '']);
      expect(cached()).toBe(false);
      expect(await shim(sb, shimDir, 'fxs-pull', ['echo', 'ok'])).toEqual({ stdout: 'ok\n', stderr: `berth: pulling ${ref}\n`, code: 0 });
    } finally {
      if (cached()) drop();
      await berth(sb, ['uninstall', 'fxs-pull'], { env: env() });
    }
  });

  it('install says when a command of the same name comes first on PATH, and the line that puts berth first', async () => {
    const earlier = path.join(sb.root, 'earlier-bin');
    mkdirSync(earlier, { recursive: true });
    writeFileSync(path.join(earlier, 'fxs-two'), '#!/bin/sh\necho not berth\n', { mode: 0o755 });
    const r = await berth(sb, ['install', 'fxs', 'fxs-two'], { env: { ...env(), PATH: `${earlier}:${shimDir}:${process.env.PATH}` } });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(withoutSummaries(r.stdout.toString())).toBe(
      `updated fxs -> ${path.join(shimDir, 'fxs')}\nupdated fxs-two -> ${path.join(shimDir, 'fxs-two')}\n` +
        `earlier on your PATH than ${shimDir}, and run instead of berth: fxs-two (${earlier}/fxs-two); to put berth's first, add this line to the end of your shell profile:\n` +
        `export PATH="${shimDir}:$PATH"\n`,
    );
  });

  it('runs the tool by name with a minimal PATH: exit code, stdout and stderr apart, stdin and arguments passed', async () => {
    const r = await shim(sb, shimDir, 'fxs', ['sh', '-c', 'echo out; echo err >&2; cat; echo "<$1>"; exit 42', 'sh', 'a b'], { input: 'from stdin\n' });
    expect(r.stdout).toBe('out\nfrom stdin\n<a b>\n');
    expect(r.stderr).toBe('err\n');
    expect(r.code).toBe(42);
    const exit = await shim(sb, shimDir, 'fxs', ['exit-with', '42', 'bye']);
    expect([exit.code, exit.stdout, exit.stderr]).toEqual([42, '', 'bye\n']);
  });

  it('forwards signals to the tool, as berth run does', async () => {
    const r = await shim(sb, shimDir, 'fxs', ['trap-signals'], {
      onSpawn: (child, output) => {
        const timer = setInterval(() => {
          if (output().includes('ready')) {
            clearInterval(timer);
            child.kill('SIGTERM');
          }
        }, 20);
      },
    });
    expect(r.stdout).toBe('ready\ngot TERM\n');
    expect(r.code).toBe(0);
  });

  it('gives the tool a TTY under a terminal and restores the terminal', async () => {
    const spec = {
      cmd: ['/bin/sh', '-c', 'exec "$0" "$@"', 'fxs', 'tty-info'],
      cwd: sb.work,
      env: { ...minimalEnv(sb, shimDir), TERM: 'xterm' },
      rows: 30,
      cols: 90,
      steps: [],
      timeout: 40,
    };
    const result = await new Promise<{ output: string; code: number | null; restored: boolean; timedOut: boolean }>((resolve, reject) => {
      const child = spawn('python3', [path.join(REPO, 'test/support/terminal.py'), JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.on('error', reject);
      child.on('close', () => resolve(JSON.parse(out)));
    });
    expect(result.output).toContain('stdin=tty stdout=tty');
    expect(result.output).toContain('size=30 90');
    expect([result.timedOut, result.code]).toEqual([false, 0]);
    expect(result.restored).toBe(true);
  });

  it('mounts the current directory like berth run and runs as the calling user', async () => {
    const other = makeSandbox({ uid: OTHER_UID });
    writeRecipe(other, { name: 'fxs', image: inject('fixtureImage') });
    const r = await shim(other, shimDir, 'fxs', ['write-file', 'made.txt', 'by shim']);
    expect(r.stderr).toBe('');
    const made = path.join(other.work, 'made.txt');
    expect(readFileSync(made, 'utf8')).toBe('by shim');
    expect(statSync(made).uid).toBe(OTHER_UID);
  });

  it('reports berth errors as berth run does: one line, its exit code', async () => {
    const r = await shim(sb, shimDir, 'fxs', ['true'], { env: { DOCKER_HOST: 'unix:///nonexistent' } });
    expect(r.code).toBe(125);
    expect(r.stderr).toBe('berth: cannot reach the Docker engine at unix:///nonexistent (is the Docker engine running?)\n');
  });

  it('loads no oclif: only what a run needs', async () => {
    const log = path.join(sb.root, 'loaded.txt');
    const hook = path.join(sb.root, 'record-loads.mjs');
    writeFileSync(
      hook,
      `import { registerHooks } from 'node:module';\nimport { appendFileSync } from 'node:fs';\nregisterHooks({ load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); } });\n`,
    );
    const r = await shim(sb, shimDir, 'fxs', ['echo', 'hi'], { env: { NODE_OPTIONS: `--import=${hook}` } });
    expect(r.stdout).toBe('hi\n');
    // The shim entry and the CLI bundle (scripts/bundle.ts), and not one package.
    const files = readFileSync(log, 'utf8').split('\n').filter((url) => url.startsWith('file:'));
    expect(files.map((url) => url.replace(/^.*\/dist\//, 'dist/')).sort()).toEqual(['dist/cli.js', 'dist/shim-entry.js']);
  });

  it('inside a project, loads the YAML parser only when berth.yaml or berth.lock changed', async () => {
    const project = path.join(sb.root, 'yaml-project');
    mkdirSync(project, { recursive: true });
    writeFileSync(path.join(project, 'berth.yaml'), 'tools:\n  fxs: "1"\n');
    const log = path.join(sb.root, 'loaded-in-project.txt');
    const hook = path.join(sb.root, 'record-project-loads.mjs');
    writeFileSync(
      hook,
      `import { registerHooks } from 'node:module';\nimport { appendFileSync } from 'node:fs';\nregisterHooks({ load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); } });\n`,
    );
    const loads = async () => {
      writeFileSync(log, '');
      const r = await shim(sb, shimDir, 'fxs', ['echo', 'hi'], { cwd: project, env: { NODE_OPTIONS: `--import=${hook}` } });
      expect([r.code, r.stdout, r.stderr]).toEqual([0, 'hi\n', '']);
      return readFileSync(log, 'utf8');
    };
    expect(await loads()).toMatch(/\/node_modules\/yaml\//);
    expect(await loads()).not.toMatch(/\/node_modules\//);
    writeFileSync(path.join(project, 'berth.yaml'), 'tools:\n  fxs: "1" # changed\n');
    expect(await loads()).toMatch(/\/node_modules\/yaml\//);
  });

  it('bakes TOOL@VERSION into the shim, and list --installed shows name, version and path', async () => {
    writeRecipe(sb, { name: 'fxv', image: `${inject('fixtureImage').split(':')[0]}:{version}`, version: inject('fixtureImage').split(':')[1]! });
    const version = inject('fixtureImage').split(':')[1]!;
    const r = await berth(sb, ['install', `fxv@${version}`], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(path.join(shimDir, 'fxv'), 'utf8')).toContain(`'fxv@${version}' "$@"`);
    const list = await berth(sb, ['list', '--installed'], { env: env() });
    expect(list.stdout.toString().split('\n').map((l) => l.split(/\s+/))).toEqual([
      ['NAME', 'VERSION', 'PATH'],
      ['fxs', '-', path.join(shimDir, 'fxs')],
      ['fxs-two', '-', path.join(shimDir, 'fxs-two')],
      ['fxv', version, path.join(shimDir, 'fxv')],
      [''],
    ]);
    const json = await berth(sb, ['list', '--installed', '--json'], { env: env() });
    expect(JSON.parse(json.stdout.toString())).toContainEqual({ name: 'fxv', version, path: path.join(shimDir, 'fxv') });
  });

  it('a TOOL@VERSION shim runs its own version in a project that pins another', async () => {
    const dir = path.join(sb.root, 'versioned-shims');
    const [repo, version] = inject('fixtureImage').split(':') as [string, string];
    writeRecipe(sb, { name: 'fxp', image: `${repo}:{version}`, version });
    const install = await berth(sb, ['install', '--no-pull', `fxp@${version}`], { env: { BERTH_SHIM_DIR: dir } });
    expect(install.code, install.stderr).toBe(0);
    const project = path.join(sb.root, 'pins-another');
    mkdirSync(project);
    writeFileSync(path.join(project, 'berth.yaml'), 'tools:\n  fxp: "0.0-not-there"\n');
    // berth run there follows the project's pin (no image has that tag)...
    const pinned = await berth(sb, ['run', '--pull', 'never', 'fxp', 'true'], { cwd: project });
    expect(pinned.code).toBe(125);
    expect(pinned.stderr).toContain(`${repo}:0.0-not-there`);
    // ...the shim runs the version baked into it.
    const r = await shim(sb, dir, 'fxp', ['echo', 'baked'], { cwd: project });
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'baked\n', '']);
  });

  it('never overwrites or removes a file it did not write (exit 1), and removes its own', async () => {
    const foreign = path.join(shimDir, 'fxs-foreign');
    writeFileSync(foreign, '#!/bin/sh\necho not berth\n', { mode: 0o755 });
    writeRecipe(sb, { name: 'fxs-foreign', image: inject('fixtureImage') });
    const install = await berth(sb, ['install', 'fxs-foreign'], { env: env() });
    expect(install.code).toBe(1);
    expect(install.stderr).toBe(
      `berth: ${foreign} was not written by berth; not overwriting it (move it away, or use another shim directory: BERTH_SHIM_DIR or berth config set shimDir)\n`,
    );
    const uninstall = await berth(sb, ['uninstall', 'fxs-foreign'], { env: env() });
    expect(uninstall.code).toBe(1);
    expect(uninstall.stderr).toContain('was not written by berth; not removing it');
    expect(readFileSync(foreign, 'utf8')).toBe('#!/bin/sh\necho not berth\n');
    const own = await berth(sb, ['uninstall', 'fxs-two'], { env: env() });
    expect(own.code).toBe(0);
    expect(own.stdout.toString()).toBe(`removed ${path.join(shimDir, 'fxs-two')}\n`);
    expect(existsSync(path.join(shimDir, 'fxs-two'))).toBe(false);
    const again = await berth(sb, ['uninstall', 'fxs-two'], { env: env() });
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`berth: no shim for fxs-two in ${shimDir}\n`);
  });

  it('install refuses an unknown tool or an inexpressible version before writing anything', async () => {
    // A shim directory of its own, and tools no other test installs: whatever the order of the
    // tests, a shim written before the refusal would show here.
    const dir = path.join(sb.root, 'refused-shims');
    writeRecipe(sb, { name: 'fxs-refused', image: inject('fixtureImage') });
    const written = () => (existsSync(dir) ? readdirSync(dir) : []);
    const unknown = await berth(sb, ['install', 'fxs-refused', 'no-such-tool'], { env: { BERTH_SHIM_DIR: dir } });
    expect(unknown.code).toBe(127);
    expect(unknown.stderr).toMatch(/no recipe for "no-such-tool"/);
    expect(written()).toEqual([]);
    const fixed = await berth(sb, ['install', 'fxs-refused', 'fxs-two@9.9'], { env: { BERTH_SHIM_DIR: dir } });
    expect(fixed.code).toBe(1);
    expect(fixed.stderr).toMatch(/has no \{version\}/);
    expect(written()).toEqual([]);
    // (The same install without the refused tool writes its shim there.)
    const ok = await berth(sb, ['install', '--no-pull', 'fxs-refused'], { env: { BERTH_SHIM_DIR: dir } });
    expect([ok.code, written()]).toEqual([0, ['fxs-refused']]);
  });
});

describe('a shim of a recipe from BERTH_RECIPES_PATH', () => {
  it('runs under env -i, and doctor says when its recipe is gone', async () => {
    const sb = makeSandbox();
    const shimDir = path.join(sb.root, 'bare-bin');
    writeRecipe(sb, { name: 'fxs-bare', image: inject('fixtureImage'), entrypoint: ['echo'], args: ['bare'] });
    const install = await berth(sb, ['install', '--no-pull', 'fxs-bare'], { env: { BERTH_SHIM_DIR: shimDir } });
    expect(install.code, install.stderr).toBe(0);
    // cron, Makefiles, env -i: no BERTH_RECIPES_PATH, no XDG variables.
    const bare = spawnSync('env', ['-i', 'PATH=/usr/bin:/bin', `HOME=${sb.root}`, path.join(shimDir, 'fxs-bare'), 'x'], { cwd: sb.work, encoding: 'utf8' });
    expect([bare.status, bare.stderr, bare.stdout]).toEqual([0, '', 'bare x\n']);
    const ok = await berth(sb, ['doctor'], { env: { BERTH_SHIM_DIR: shimDir, PATH: `${shimDir}:${process.env.PATH}` } });
    expect(ok.stdout.toString()).toContain(`ok shim fxs-bare runs`);
    rmSync(path.join(sb.recipes, 'fxs-bare.yaml'));
    const gone = await berth(sb, ['doctor'], { env: { BERTH_SHIM_DIR: shimDir, PATH: `${shimDir}:${process.env.PATH}` } });
    expect(gone.code).toBe(1);
    expect(gone.stdout.toString()).toContain(`problem shim fxs-bare: no recipe for fxs-bare where its runs look (`);
  });
});
