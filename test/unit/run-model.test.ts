import { mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { demultiplex } from '../../src/runtime/stdio/streams.js';
import { split } from '../../src/core/run/argv.js';
import { dockerRunArgs } from '../../src/core/run/docker-command.js';
import { shellQuote } from '../../src/core/shell-words.js';
import { LABELS } from '../../src/core/labels.js';
import type { PolicyContext } from '../../src/core/run/path-policy.js';
import { pathMounts, planRun, type Host } from '../../src/core/run/plan.js';
import type { Recipe } from '../../src/core/recipes/schema.js';

const flags = { env: { type: 'option', char: 'e' }, pull: { type: 'option' }, tty: { type: 'boolean' } };

describe('argv split', () => {
  it('takes berth flags before the tool and leaves everything after it to the tool', () => {
    expect(split(['-e', 'A=1', '--tty', 'jq', '-r', '--help', '.a'], flags)).toEqual({ own: ['-e', 'A=1', '--tty'], tool: 'jq', rest: ['-r', '--help', '.a'] });
    expect(split(['--pull', 'never', '--', 'jq', '--', 'x'], flags)).toEqual({ own: ['--pull', 'never'], tool: 'jq', rest: ['--', 'x'] });
    expect(split(['--tty'], flags)).toEqual({ own: ['--tty'], rest: [] });
  });
});

function recipe(fields: Partial<Recipe> = {}): Recipe {
  return {
    name: 'tool', description: 'd', tags: [], image: 'example.org/tool:{version}', version: '1', args: [], network: 'none', env: [], home: [],
    user: 'host', tty: 'auto', warm: false, examples: [], file: '/r/tool.yaml', source: 'user', ...fields,
  };
}

describe('run plan', () => {
  const base = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-plan-')));
  const work = path.join(base, 'work');
  mkdirSync(work);
  // The tool's HOME: in berth's cache, at its own path.
  const toolHome = path.join(base, 'cache', 'berth', 'home', 'tool');
  const policy: PolicyContext = { home: ['/home/ann'], homes: ['/root'], runtimeDir: [], credentials: [], engineSockets: ['/var/run/docker.sock'], sockets: [] };
  const host = (over: Partial<Host> = {}): Host => ({
    cwd: work, env: { XDG_CACHE_HOME: path.join(base, 'cache'), TERM: 'xterm', LC_ALL: 'C', SECRET: 's', KEEP: 'k' },
    stdinIsTTY: false, stdoutIsTTY: false, identity: { uid: 1000, gid: 1000, name: 'ann' }, policy: () => policy, ...over,
  });

  it('chooses a TTY only when stdin and stdout are both terminals, unless told', () => {
    expect(planRun(recipe(), 'i', [], {}, host({ stdinIsTTY: true, stdoutIsTTY: false })).tty).toBe(false);
    expect(planRun(recipe(), 'i', [], {}, host({ stdinIsTTY: true, stdoutIsTTY: true })).tty).toBe(true);
    expect(planRun(recipe({ tty: 'never' }), 'i', [], {}, host({ stdinIsTTY: true, stdoutIsTTY: true })).tty).toBe(false);
    expect(planRun(recipe(), 'i', [], { tty: true }, host()).tty).toBe(true);
  });

  it('passes only terminal and locale variables, the recipe env and -e', () => {
    const plan = planRun(recipe({ env: ['KEEP'] }), 'i', [], { env: ['X=1', 'SECRET'] }, host());
    expect(plan.env).toEqual(['X=1', 'SECRET=s', 'KEEP=k', 'LC_ALL=C', 'TERM=xterm', `HOME=${toolHome}`, 'USER=ann']);
  });

  it('runs a script under /bin/sh with the arguments as "$@", and prepends recipe args otherwise', () => {
    const script = planRun(recipe({ script: 'echo "$@"' }), 'i', ['a'], {}, host());
    expect([script.entrypoint, script.cmd]).toEqual([['/bin/sh', '-c', 'echo "$@"', 'tool'], ['a']]);
    const args = planRun(recipe({ entrypoint: ['/bin/t'], args: ['--flag'] }), 'i', ['a'], {}, host());
    expect([args.entrypoint, args.cmd]).toEqual([['/bin/t'], ['--flag', 'a']]);
  });

  it('runs as the host user with passwd, group and HOME, or as the image user', () => {
    const plan = planRun(recipe(), 'i', [], {}, host());
    expect(plan.user).toBe('1000:1000');
    expect(plan.mounts.map((m) => [m.source, m.target])).toEqual([
      [work, work],
      [path.join(base, 'cache', 'berth', 'identity', '1000-1000', 'tool', 'passwd'), '/etc/passwd'],
      [path.join(base, 'cache', 'berth', 'identity', '1000-1000', 'tool', 'group'), '/etc/group'],
      [toolHome, toolHome],
    ]);
    expect(readFileSync(plan.mounts[1]!.source, 'utf8')).toContain(`ann:x:1000:1000:ann:${toolHome}:/bin/sh\n`);
    const image = planRun(recipe({ user: 'image' }), 'i', [], {}, host());
    expect(image.user).toBeUndefined();
    expect(image.mounts.map((m) => m.target)).toEqual([work]);
    // A rootless engine: no uid and no passwd entry (uid 0 is the user), the tool's HOME all the same.
    const rootless = planRun(recipe(), 'i', [], {}, { ...host(), rootless: true });
    expect(rootless.user).toBeUndefined();
    expect(rootless.mounts.map((m) => m.target)).toEqual([work, toolHome]);
    expect(rootless.env).toContain(`HOME=${toolHome}`);
    // A project's recipe of the same name has a HOME of its own (it never sees the other's).
    const project = planRun(recipe({ source: 'project', file: '/p/.berth/recipes/tool.yaml' }), 'i', [], {}, host());
    const projectHome = project.env.find((e) => e.startsWith('HOME='))!.slice('HOME='.length);
    expect(projectHome).not.toBe(toolHome);
    expect(path.basename(projectHome)).toMatch(/^tool\.project-[0-9a-f]{16}$/);
  });

  it("labels the container with the invoking uid, the label berth's listings filter on", () => {
    expect(planRun(recipe(), 'i', [], {}, host()).labels[LABELS.uid]).toBe(String(process.getuid!()));
  });

  it('mounts outside paths: existing ones, and the directory of a file to be written', () => {
    const other = path.join(base, 'other');
    mkdirSync(other, { recursive: true });
    writeFileSync(path.join(other, 'in.mp4'), '');
    const mounts = pathMounts([path.join(other, 'in.mp4'), path.join(other, 'new', 'x'), path.join(base, 'out.gif'), '../other/in.mp4', 'rel.txt', '/dev/null', `--out=${path.join(other, 'in.mp4')}`], work, [
      { source: work, target: work, readOnly: false },
    ], () => policy);
    expect(mounts.map((m) => m.target)).toEqual([path.join(other, 'in.mp4'), base]);
  });

  it('prints a docker run command that quotes every word for a shell', () => {
    const plan = planRun(recipe({ entrypoint: ['/bin/t', '-x'] }), 'img:1', ["it's", 'a b'], {}, host({ identity: undefined }));
    const argv = dockerRunArgs(plan);
    expect(argv.slice(0, 4)).toEqual(['docker', 'run', '--rm', '-i']);
    expect(argv.slice(-5)).toEqual(['--entrypoint', '/bin/t', 'img:1', '-x', "it's", 'a b'].slice(-5));
    expect(argv.map((word) => shellQuote(word)).join(' ')).toContain(`'it'\\''s' 'a b'`);
  });

  it('gives the tool stdin unless a TTY is forced on over a stdin that is no terminal, and prints -i to match', () => {
    const flags = (plan: ReturnType<typeof planRun>) => dockerRunArgs(plan).filter((a) => a === '-i' || a === '-t');
    const piped = planRun(recipe(), 'i', [], {}, host({ stdinIsTTY: false }));
    expect([piped.stdin, flags(piped)]).toEqual([true, ['-i']]);
    const forced = planRun(recipe(), 'i', [], { tty: true }, host({ stdinIsTTY: false }));
    expect([forced.stdin, flags(forced)]).toEqual([false, ['-t']]);
    const terminal = planRun(recipe(), 'i', [], {}, host({ stdinIsTTY: true, stdoutIsTTY: true }));
    expect([terminal.stdin, flags(terminal)]).toEqual([true, ['-i', '-t']]);
  });
});

describe('demultiplexing', () => {
  it('splits frames into stdout and stderr, across chunk boundaries, byte-exact', async () => {
    const source = new PassThrough();
    const out = new PassThrough();
    const err = new PassThrough();
    const outData: Buffer[] = [];
    const errData: Buffer[] = [];
    out.on('data', (d: Buffer) => outData.push(d));
    err.on('data', (d: Buffer) => errData.push(d));
    demultiplex(source, out, err);
    const frame = (type: number, payload: Buffer) => {
      const header = Buffer.alloc(8);
      header[0] = type;
      header.writeUInt32BE(payload.length, 4);
      return Buffer.concat([header, payload]);
    };
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const stream = Buffer.concat([frame(1, all), frame(2, Buffer.from('err')), frame(1, Buffer.from('tail'))]);
    for (let i = 0; i < stream.length; i += 5) source.write(stream.subarray(i, i + 5));
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(outData)).toEqual(Buffer.concat([all, Buffer.from('tail')]));
    expect(Buffer.concat(errData).toString()).toBe('err');
  });
});
