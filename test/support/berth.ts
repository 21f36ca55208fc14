import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

/** The built CLI, run as a user would run it: `node bin/run.js`, a child process with real stdio. */
export const BERTH = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The podman-rootless project runs the core files against a second user's rootless Podman
 * (test/harness/podman-setup.ts): every berth then runs as that user, the only one who may use
 * that engine.
 */
const ROOTLESS_UID = process.env.BERTH_TEST_ROOTLESS_UID ? Number(process.env.BERTH_TEST_ROOTLESS_UID) : undefined;
export const ON_ROOTLESS = ROOTLESS_UID !== undefined;

/**
 * A uid other than the test's own, that may use the engine: one with no passwd entry on the host,
 * in the docker group; on rootless Podman, its user.
 */
export const OTHER_UID = ROOTLESS_UID ?? 4321;

/**
 * A place to run berth in: its own config, cache and recipe directories and a work directory,
 * owned by `uid` so berth can run as that user.
 */
export interface Sandbox {
  root: string;
  work: string;
  recipes: string;
  config: string;
  cache: string;
  uid: number;
  gid: number;
  env: NodeJS.ProcessEnv;
}

/** The podman project runs these files against Podman (DOCKER_HOST at its socket; test/harness/podman-setup.ts). */
export const ON_PODMAN = process.env.BERTH_TEST_ENGINE === 'podman';

/** The socket of the engine under test. */
export const ENGINE_SOCKET = process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice('unix://'.length) : '/var/run/docker.sock';

export function makeSandbox(options: { uid?: number } = {}): Sandbox {
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-test-')));
  const uid = options.uid ?? ROOTLESS_UID ?? process.getuid!();
  const gid = uid === process.getuid!() ? process.getgid!() : statSync(ENGINE_SOCKET).gid;
  const dirs = { work: path.join(root, 'work'), recipes: path.join(root, 'recipes'), config: path.join(root, 'config'), cache: path.join(root, 'cache') };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  if (uid !== process.getuid!()) for (const dir of [root, ...Object.values(dirs)]) chownSync(dir, uid, gid);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: root,
    LANG: 'C.UTF-8',
    XDG_CONFIG_HOME: dirs.config,
    XDG_CACHE_HOME: dirs.cache,
    BERTH_RECIPES_PATH: dirs.recipes,
    USER: uid === 0 ? 'root' : 'tester',
  };
  if (process.env.DOCKER_HOST) env.DOCKER_HOST = process.env.DOCKER_HOST;
  if (ON_ROOTLESS) env.XDG_RUNTIME_DIR = process.env.BERTH_TEST_ROOTLESS_RUNTIME;
  return { root, ...dirs, uid, gid, env };
}

/** Writes a recipe into the sandbox's BERTH_RECIPES_PATH directory. */
export function writeRecipe(sandbox: Sandbox, fields: Record<string, unknown> & { name: string }): string {
  const file = path.join(sandbox.recipes, `${fields.name}.yaml`);
  writeFileSync(file, stringify({ description: `test recipe ${fields.name}`, version: '1', ...fields }));
  return file;
}

export interface BerthResult {
  stdout: Buffer;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Peak resident memory of berth in kB, when asked for with measureMemory. */
  maxRssKb?: number;
}

export interface BerthOptions {
  cwd?: string;
  input?: string | Buffer | NodeJS.ReadableStream;
  /** 'null' gives the child /dev/null as stdin. */
  stdin?: 'pipe' | 'null';
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  measureMemory?: boolean;
  onSpawn?: (child: ChildProcess) => void;
  /** Collect stdout (default) or only count it and hash it. */
  stdout?: NodeJS.WritableStream;
  /** The umask berth starts with (set by a shell in front of it); else this process's. */
  umask?: number;
}

/**
 * The command line that runs `argv` as the sandbox's user. setpriv switches uid and gid and keeps
 * only the right to read directories (the checkout and Node may sit under a private home such as
 * /root); the user cannot write anything it does not own.
 */
export function asUser(sandbox: Sandbox, argv: string[]): string[] {
  if (sandbox.uid === process.getuid!()) return argv;
  return [
    'setpriv',
    `--reuid=${sandbox.uid}`,
    `--regid=${sandbox.gid}`,
    '--clear-groups',
    '--inh-caps=+dac_read_search',
    '--ambient-caps=+dac_read_search',
    ...argv,
  ];
}

/** Runs `berth ARGS` in the sandbox as its user, with real pipes for stdio. */
export function berth(sandbox: Sandbox, args: string[], options: BerthOptions = {}): Promise<BerthResult> {
  return new Promise((resolve, reject) => {
    const node = [process.execPath, BERTH, ...args];
    if (options.umask !== undefined) node.unshift('sh', '-c', `umask ${options.umask.toString(8).padStart(3, '0')} && exec "$@"`, 'sh');
    const [command, ...argv] = asUser(sandbox, options.measureMemory ? ['/usr/bin/time', '-f', 'BERTH_MAXRSS=%M', ...node] : node);
    const child = spawn(command!, argv, {
      cwd: options.cwd ?? sandbox.work,
      env: { ...sandbox.env, ...options.env },
      stdio: [options.stdin === 'null' ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    options.onSpawn?.(child);
    const out: Buffer[] = [];
    let err = '';
    if (options.stdout) child.stdout!.pipe(options.stdout);
    else child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    if (child.stdin) {
      child.stdin.on('error', () => undefined);
      const input = options.input;
      if (input === undefined) child.stdin.end();
      else if (typeof input === 'string' || Buffer.isBuffer(input)) child.stdin.end(input);
      else input.pipe(child.stdin);
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`berth ${args.join(' ')} timed out; stderr: ${err}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let maxRssKb: number | undefined;
      const m = /BERTH_MAXRSS=(\d+)\n?$/.exec(err);
      if (m) {
        maxRssKb = Number(m[1]);
        err = err.slice(0, m.index);
      }
      resolve({ stdout: Buffer.concat(out), stderr: err, code, signal, maxRssKb });
    });
  });
}

export interface TerminalStep {
  wait: string;
  send?: string;
  resize?: [number, number];
  signal?: string;
}

export interface TerminalResult {
  output: string;
  code: number | null;
  signal: number | null;
  restored: boolean;
  timedOut: boolean;
}

/** Runs `berth ARGS` under a real pseudo-terminal (test/support/terminal.py). */
export function berthInTerminal(
  sandbox: Sandbox,
  args: string[],
  options: { rows?: number; cols?: number; steps?: TerminalStep[]; timeout?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<TerminalResult> {
  const spec = {
    cmd: asUser(sandbox, [process.execPath, BERTH, ...args]),
    cwd: sandbox.work,
    env: { ...sandbox.env, TERM: 'xterm', ...options.env },
    rows: options.rows ?? 24,
    cols: options.cols ?? 80,
    steps: options.steps ?? [],
    timeout: options.timeout ?? 40,
  };
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [path.join(REPO, 'test/support/terminal.py'), JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', () => {
      try {
        resolve(JSON.parse(out) as TerminalResult);
      } catch {
        reject(new Error(`terminal.py failed: ${err}${out}`));
      }
    });
  });
}
