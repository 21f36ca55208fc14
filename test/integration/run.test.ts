import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildImage, imageExists } from '../harness/images.js';
import { removeRegistryImages } from '../harness/registry.js';
import { startSlowProxy } from '../harness/slow-proxy.js';
import { asUser, BERTH, berth, berthInTerminal, makeSandbox, ON_PODMAN, ON_ROOTLESS, OTHER_UID, writeRecipe, type Sandbox, type TerminalResult } from '../support/berth.js';

/**
 * The semantics of `berth run` (issue 3), each checked against the real engine by running the
 * built bin/run.js as a child process. `MODES` lists the ways a tool can be run; every test runs
 * in each of them.
 */
const MODES: Array<{ name: string; flags: string[]; env?: NodeJS.ProcessEnv }> = [
  { name: 'fresh container', flags: [] },
  { name: 'warm container', flags: ['--warm'] },
  // Warm calls as on an engine that shares no socket with berth (a remote one): through exec (issue 14).
  { name: 'warm container through exec', flags: ['--warm'], env: { BERTH_WARM_TRANSPORT: 'exec' } },
];

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

/**
 * What this file's runs left behind: berth's containers that mount a sandbox's work directory,
 * except warm containers (kept on purpose), where only a tool still running inside counts.
 */
function managedContainers(work = sandboxWork): string[] {
  const lines = docker('ps', '-a', '--filter', 'label=berth.managed=true', '--filter', `volume=${work}`, '--format', '{{.ID}} {{.Label "berth.warm"}}');
  const left: string[] = [];
  for (const [id, warm] of lines.split('\n').filter(Boolean).map((l) => l.split(' '))) {
    if (warm !== 'true') {
      left.push(id!);
      continue;
    }
    const top = spawnSync('docker', ['top', id!, '-o', 'pid,stat,args'], { encoding: 'utf8' });
    if (top.status !== 0) {
      // Removed meanwhile (its idle time ended) is gone; any other answer (a warm container that
      // exists but does not run) is left behind.
      if (!/no such container/i.test(top.stderr)) left.push(`${id}: ${top.stderr.trim()}`);
      continue;
    }
    for (const p of top.stdout.trim().split('\n').slice(1)) if (!/docker-init|\.berth-server|^\s*\d+\s+Z/.test(p)) left.push(`${id}: ${p.trim()}`);
  }
  return left;
}

function stopWarmContainers(work: string): void {
  const ids = docker('ps', '-q', '--filter', 'label=berth.warm=true', '--filter', `volume=${work}`).split('\n').filter(Boolean);
  if (ids.length > 0) docker('rm', '-f', ...ids);
}
let sandboxWork = '';

/** The user and group of the image that `user: image` is tested with: neither root nor the caller's. */
const IMAGE_UID = 2345;
const IMAGE_GID = 2346;
let imageUserImage = '';
beforeAll(async () => {
  const fixture = inject('fixtureImage');
  imageUserImage = `berth-test/imageuser:${fixture.split(':')[1]}-${IMAGE_UID}`;
  if (!(await imageExists(imageUserImage))) await buildImage(imageUserImage, {}, `FROM ${fixture}\nUSER ${IMAGE_UID}:${IMAGE_GID}\n`);
});

/** A terminal run that ended by itself (terminal.py kills it at its timeout) with `code`. */
function endedWith(r: TerminalResult, code: number): void {
  expect([r.timedOut, r.code], r.output).toEqual([false, code]);
}


describe.each(MODES)('berth run ($name)', ({ flags, env }) => {
  const warm = flags.includes('--warm');
  let sb: Sandbox;
  let other: Sandbox;
  const run = (args: string[], options?: Parameters<typeof berth>[2]) => berth(sb, ['run', ...flags, ...args], options);

  // In warm mode every run must have been served by a warm container: runWarm falls back to a
  // fresh one without a word on a transient failure, which would let this whole pass test fresh
  // containers twice. A container berth itself creates carries berth.pid (--dry-run's don't).
  // The engine's event stream is followed for the whole pass (`docker events --since` alone only
  // reaches back 256 events), from the pass's first millisecond (not the fresh pass's last second).
  let events: ReturnType<typeof spawn> | undefined;
  let created = '';
  afterAll(async () => {
    try {
      for (const s of [sb, other]) stopWarmContainers(s.work);
      if (!events) return;
      // A container made now marks the end: once its event is in, so are all before it.
      const sentinel = docker('create', '--label', 'berth.managed=true', '--label', `berth.tool=end-of-pass-${process.pid}`, inject('fixtureImage'), 'true');
      docker('rm', sentinel);
      for (let i = 0; i < 200 && !created.includes(sentinel); i++) await new Promise((r) => setTimeout(r, 25));
      expect(created).toContain(sentinel);
      // A fresh run's container is started; one created and never started (the workspace sync's
      // probe of what the engine sees) ran nothing.
      const lines = created.split('\n');
      const started = new Set(lines.filter((l) => l.startsWith('start ')).map((l) => l.split(' ')[1]));
      const fresh = lines.filter((l) => l.startsWith('create ') && started.has(l.split(' ')[1]) && /pid=\d/.test(l) && !l.includes('warm=true'));
      expect(fresh).toEqual([]);
      expect(created).toMatch(/warm=true/);
    } finally {
      events?.kill();
    }
  });

  beforeAll(() => {
    // Podman 4.3's event stream (through its Docker API) stops delivering partway through the
    // pass (2 runs in 3 here): Docker only.
    if (warm && !ON_PODMAN) {
      events = spawn('docker', ['events', '--since', (Date.now() / 1000).toFixed(3), '--filter', 'event=create', '--filter', 'event=start', '--filter', 'label=berth.managed=true',
        '--format', '{{.Action}} {{.Actor.ID}} pid={{index .Actor.Attributes "berth.pid"}} tool={{index .Actor.Attributes "berth.tool"}} warm={{index .Actor.Attributes "berth.warm"}}'], { stdio: ['ignore', 'pipe', 'ignore'] });
      // (tool= says which run it was, should one be fresh.)
      events.stdout!.on('data', (d: Buffer) => (created += d.toString()));
    }
  });

  beforeAll(() => {
    const image = inject('fixtureImage');
    sb = makeSandbox();
    sandboxWork = sb.work;
    other = makeSandbox({ uid: OTHER_UID });
    for (const s of [sb, other]) {
      Object.assign(s.env, env);
      writeRecipe(s, { name: 'fx', image });
      writeRecipe(s, { name: 'fx-script', image, script: 'echo "script got $# args: $*"; exit 3' });
      writeRecipe(s, { name: 'fx-env', image, env: ['RECIPE_VAR'], entrypoint: ['env-dump'] });
      writeRecipe(s, { name: 'fx-missing', image, entrypoint: ['/no/such/binary'] });
      writeRecipe(s, { name: 'fx-noexec', image, entrypoint: ['/usr/local'] });
      writeRecipe(s, { name: 'fx-net', image, network: 'bridge', notes: 'test' });
      writeRecipe(s, { name: 'fx-tty-always', image, tty: 'always' });
      writeRecipe(s, { name: 'fx-tty-never', image, tty: 'never' });
    }
  });

  describe('files', () => {
    it('mounts the current directory at the same path and works in it', async () => {
      writeFileSync(path.join(sb.work, 'in.txt'), 'inside\n');
      const r = await run(['fx', 'sh', '-c', 'pwd; cat in.txt; cat "$PWD/in.txt"']);
      expect(r.stderr).toBe('');
      expect(r.stdout.toString()).toBe(`${sb.work}\ninside\ninside\n`);
    });

    it('mounts absolute and .. paths outside the current directory at the same path', async () => {
      const outside = path.join(sb.root, 'elsewhere');
      mkdirSync(outside, { recursive: true });
      chownSync(outside, sb.uid, sb.gid);
      writeFileSync(path.join(outside, 'input.txt'), 'from outside\n');
      const sub = path.join(sb.work, 'sub');
      mkdirSync(sub, { recursive: true });
      const r = await run(['fx', 'sh', '-c', 'cat "$1" && cat "$2" > "$3"', 'sh', path.join(outside, 'input.txt'), '../elsewhere/input.txt', path.join(outside, 'output.txt')], {
        cwd: sb.work,
      });
      expect(r.stderr).toBe('');
      expect(r.stdout.toString()).toBe('from outside\n');
      expect(readFileSync(path.join(outside, 'output.txt'), 'utf8')).toBe('from outside\n');
    });

    it('mounts a path given as --flag=/abs/path', async () => {
      const outside = path.join(sb.root, 'flagged');
      mkdirSync(outside, { recursive: true });
      writeFileSync(path.join(outside, 'f.txt'), 'flag value\n');
      const r = await run(['fx', 'sh', '-c', 'cat "${1#--in=}"', 'sh', `--in=${path.join(outside, 'f.txt')}`]);
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(r.stdout.toString()).toBe('flag value\n');
    });

    it('--no-path-mounts leaves outside paths invisible', async () => {
      const outside = path.join(sb.root, 'hidden');
      mkdirSync(outside, { recursive: true });
      writeFileSync(path.join(outside, 'secret.txt'), 'secret');
      const r = await berth(sb, ['run', ...flags, '--no-path-mounts', 'fx', 'cat', path.join(outside, 'secret.txt')]);
      expect(r.code).toBe(1);
      expect(r.stdout.toString()).toBe('');
    });

    it('-v mounts extra directories, read-only with :ro, and refuses a missing source without creating it', async () => {
      const extra = path.join(sb.root, 'extra');
      mkdirSync(extra, { recursive: true });
      writeFileSync(path.join(extra, 'x'), 'x\n');
      const ok = await berth(sb, ['run', ...flags, '-v', `${extra}:/data:ro`, 'fx', 'sh', '-c', 'cat /data/x; touch /data/y']);
      expect(ok.stdout.toString()).toBe('x\n');
      expect(ok.code).not.toBe(0);
      expect(existsSync(path.join(extra, 'y'))).toBe(false);
      const missing = path.join(sb.root, 'not-there');
      const bad = await berth(sb, ['run', ...flags, '-v', `${missing}:/data`, 'fx', 'true']);
      expect(bad.code).toBe(125);
      expect(bad.stderr).toContain('does not exist');
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(missing)).toBe(false);
    });
  });

  describe('ownership', () => {
    it('runs as the invoking uid:gid, so written files belong to the user', async () => {
      const r = await berth(other, ['run', ...flags, 'fx', 'write-file', 'made.txt', 'hello']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const st = statSync(path.join(other.work, 'made.txt'));
      // With the container's umask (022), as docker gives every process, warm ones included.
      expect([st.uid, st.gid, st.mode & 0o777]).toEqual([OTHER_UID, other.gid, 0o644]);
    });

    it('gives the user a name, a HOME that is writable, and keeps HOME between runs', async () => {
      const r = await berth(other, ['run', ...flags, 'fx', 'ids']);
      // HOME is the tool's own directory in berth's cache, at its own path.
      const home = path.join(other.cache, 'berth', 'home', 'fx');
      // On rootless Podman the name is the one keep-id gives: the user's own, from the host.
      const name = ON_ROOTLESS ? execFileSync('id', ['-nu', String(OTHER_UID)], { encoding: 'utf8' }).trim() : 'tester';
      expect(r.stdout.toString()).toBe(`uid=${OTHER_UID} gid=${other.gid} user=${name} home=${home} home-writable=yes\n`);
      await berth(other, ['run', ...flags, 'fx', 'sh', '-c', 'echo kept > "$HOME/cache-file"']);
      const again = await berth(other, ['run', ...flags, 'fx', 'sh', '-c', 'cat "$HOME/cache-file"']);
      expect(again.stdout.toString()).toBe('kept\n');
    });

    it('user: image runs as the image user', async () => {
      // An image user that is neither root nor berth's, so a berth that ran every tool as root, or
      // as the caller, would show.
      writeRecipe(other, { name: 'fx-imageuser', image: imageUserImage, user: 'image' });
      const r = await berth(other, ['run', ...flags, 'fx-imageuser', 'sh', '-c', 'echo "$(id -u):$(id -g)"']);
      expect([r.code, r.stdout.toString(), r.stderr]).toEqual([0, `${IMAGE_UID}:${IMAGE_GID}\n`, '']);
    });
  });

  describe('streams', () => {
    it('allocates no TTY when stdin or stdout is not a terminal, /dev/null included', async () => {
      const piped = await run(['fx', 'tty-info']);
      expect(piped.stdout.toString()).toBe('stdin=notty stdout=notty\n');
      const devnull = await run(['fx', 'tty-info'], { stdin: 'null' });
      expect(devnull.stdout.toString()).toBe('stdin=notty stdout=notty\n');
    });

    it('keeps stdout and stderr apart', async () => {
      const r = await run(['fx', 'sh', '-c', 'echo out1; echo err1 >&2; echo out2; echo err2 >&2']);
      expect(r.stdout.toString()).toBe('out1\nout2\n');
      expect(r.stderr).toBe('err1\nerr2\n');
    });

    it('round-trips all 256 byte values with nothing added before or after', async () => {
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const input = Buffer.concat([bytes, bytes.reverse(), bytes]);
      const r = await run(['fx', 'cat'], { input });
      expect(r.stdout.equals(input)).toBe(true);
      expect(r.code).toBe(0);
    });

    it('passes stdin EOF through (a tool reading to the end finishes)', async () => {
      const r = await run(['fx', 'wc', '-l'], { input: 'a\nb\nc\n' });
      expect(r.stdout.toString().trim()).toBe('3');
      const empty = await run(['fx', 'wc', '-c'], { input: '' });
      expect(empty.stdout.toString().trim()).toBe('0');
      // stdin /dev/null: berth sends the end without reading it (see forwardStdin).
      const devnull = await run(['fx', 'wc', '-c'], { stdin: 'null' });
      expect([devnull.code, devnull.stdout.toString().trim(), devnull.stderr]).toEqual([0, '0', '']);
    });

    it("streams 512 MB through cat unchanged, with berth's peak memory under 100 MB", async () => {
      const size = 512 * 1024 * 1024;
      const chunk = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 7 + (i >> 8)) & 0xff;
      const inHash = createHash('sha256');
      let sent = 0;
      const source = new Readable({
        read() {
          if (sent >= size) return this.push(null);
          const piece = Buffer.from(chunk);
          piece.writeUInt32BE(sent, 0);
          inHash.update(piece);
          sent += piece.length;
          this.push(piece);
        },
      });
      const outHash = createHash('sha256');
      let received = 0;
      const sink = new Writable({
        write(data: Buffer, _enc, done) {
          outHash.update(data);
          received += data.length;
          done();
        },
      });
      const r = await run(['fx', 'cat'], { input: source, stdout: sink, measureMemory: true, timeoutMs: 120_000 });
      expect(r.code).toBe(0);
      expect(received).toBe(size);
      expect(outHash.digest('hex')).toBe(inHash.digest('hex'));
      expect(r.maxRssKb).toBeDefined();
      // Issue 6's bound (Node alone takes ~45 MB): the data is never held whole, and spent
      // buffers do not pile up (see spent() in src/runtime/stdio/streams.ts).
      expect(r.maxRssKb! * 1024).toBeLessThan(100 * 1024 * 1024);
    });

    it('gives the tool SIGPIPE when the reader of its output goes away, like a native pipeline', async () => {
      const pipeline = `"${process.execPath}" "${BERTH}" run ${flags.join(' ')} fx yes | head -n 2; echo "status=\${PIPESTATUS[0]}"`;
      const [shell, ...shellArgs] = asUser(sb, ['bash', '-c', pipeline]);
      const out = execFileSync(shell!, shellArgs, { cwd: sb.work, env: sb.env, encoding: 'utf8' });
      expect(out).toBe('y\ny\nstatus=141\n');
      expect(managedContainers()).toEqual([]);
    });

    it("sets TERM for a TTY as docker does: the terminal's, else xterm", async () => {
      const term = async (env: NodeJS.ProcessEnv) => {
        const r = await berthInTerminal(sb, ['run', ...flags, 'fx', 'sh', '-c', 'echo "term=$TERM"'], { env });
        endedWith(r, 0);
        return r.output;
      };
      expect(await term({ TERM: 'screen-256color' })).toContain('term=screen-256color');
      expect(await term({ TERM: undefined })).toContain('term=xterm\r');
    });

    it('gives a TTY, in raw mode, when stdin and stdout are a terminal, and restores the terminal', async () => {
      const r = await berthInTerminal(sb, ['run', ...flags, 'fx', 'tty-info'], { rows: 33, cols: 101 });
      endedWith(r, 0);
      expect(r.output).toContain('stdin=tty stdout=tty');
      expect(r.output).toContain('size=33 101');
      expect(r.restored).toBe(true);
      // Raw mode: the host terminal does not echo what is typed; only the container's TTY does.
      const typed = await berthInTerminal(sb, ['run', ...flags, 'fx', 'sh', '-c', 'echo go; read line; echo "read:$line"'], {
        steps: [{ wait: 'go', send: 'marker-xyz\r' }],
      });
      endedWith(typed, 0);
      expect(typed.output.split('marker-xyz').length - 1).toBe(2);
      expect(typed.output).toContain('read:marker-xyz');
      expect(typed.restored).toBe(true);
    });

    it('--no-tty and --tty override the choice', async () => {
      const off = await berthInTerminal(sb, ['run', ...flags, '--no-tty', 'fx', 'tty-info']);
      endedWith(off, 0);
      expect(off.output).toContain('stdin=notty stdout=notty');
      expect(off.restored).toBe(true);
      const on = await run(['--tty', 'fx', 'tty-info'], { stdin: 'null' });
      expect(on.stdout.toString()).toContain('stdin=tty stdout=tty');
    });

    it("a recipe's tty: always gives a TTY over pipes, tty: never none on a terminal; --tty and --no-tty still win", async () => {
      const always = await run(['fx-tty-always', 'tty-info'], { stdin: 'null' });
      expect(always.code).toBe(0);
      expect(always.stdout.toString()).toMatch(/^stdin=tty stdout=tty\r\n/);
      const never = await berthInTerminal(sb, ['run', ...flags, 'fx-tty-never', 'tty-info']);
      endedWith(never, 0);
      expect(never.output).toContain('stdin=notty stdout=notty');
      const off = await run(['--no-tty', 'fx-tty-always', 'tty-info'], { stdin: 'null' });
      expect(off.stdout.toString()).toBe('stdin=notty stdout=notty\n');
      const on = await berthInTerminal(sb, ['run', ...flags, '--tty', 'fx-tty-never', 'tty-info']);
      endedWith(on, 0);
      expect(on.output).toContain('stdin=tty stdout=tty');
    });

    it("follows the terminal's window size", async () => {
      const r = await berthInTerminal(sb, ['run', ...flags, 'fx', 'tty-info', '--watch'], {
        rows: 24,
        cols: 80,
        steps: [{ wait: 'size=24 80', resize: [40, 132] }],
      });
      expect(r.output).toContain('size=40 132');
      endedWith(r, 0);
    });
  });

  describe('exit status', () => {
    it('passes every exit code 0-255 through exactly', async () => {
      const codes = Array.from({ length: 256 }, (_, i) => i);
      const seen: number[] = [];
      // Rootless Podman 4.3's service crashes on concurrent keep-id creates (podman#23264): one at a time there.
      const batchSize = ON_ROOTLESS ? 1 : 8;
      for (let i = 0; i < codes.length; i += batchSize) {
        const batch = codes.slice(i, i + batchSize);
        const results = await Promise.all(batch.map((c) => run(['fx', 'exit-with', String(c)])));
        seen.push(...results.map((r) => r.code ?? -1));
      }
      expect(seen).toEqual(codes);
    }, 600_000);

    it('gives 128+N when the tool is killed by signal N', async () => {
      const r = await run(['fx', 'sh', '-c', 'kill -USR1 $$']);
      expect(r.code).toBe(138);
    });

    it('uses 127 for an unknown tool (with suggestions) and a missing entrypoint, 126 for one that cannot run', async () => {
      const unknown = await run(['fz', 'x']);
      expect(unknown.code).toBe(127);
      expect(unknown.stderr).toMatch(/no recipe for "fz".*did you mean.*fx/);
      // A fresh container's init on Podman (catatonit) exits 1 for both, saying why ("failed to
      // exec pid1"); warm, berth's server execs the tool itself.
      const catatonit = ON_PODMAN && !flags.includes('--warm');
      const missing = await run(['fx-missing']);
      expect(missing.code).toBe(catatonit ? 1 : 127);
      const noexec = await run(['fx-noexec']);
      expect(noexec.code).toBe(catatonit ? 1 : 126);
      expect(managedContainers()).toEqual([]);
    });

    it('uses 125, one line and no stack trace, when the engine cannot be reached', async () => {
      const r = await run(['fx', 'true'], { env: { DOCKER_HOST: `unix://${sb.root}/no.sock` } });
      expect(r.code).toBe(125);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('cannot reach the Docker engine');
      const debug = await run(['fx', 'true'], { env: { DOCKER_HOST: `unix://${sb.root}/no.sock`, BERTH_DEBUG: '1' } });
      expect(debug.stderr).toMatch(/\n\s+at /);
    });
  });

  describe('signals', () => {
    function runUntilReady(args: string[]) {
      let child: ReturnType<typeof spawn> | undefined;
      let out = '';
      const result = run(args, {
        onSpawn: (c) => {
          child = c;
          c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        },
        stdout: new Writable({ write: (_d, _e, cb) => cb() }),
      });
      const ready = new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (out.includes('ready')) {
            clearInterval(timer);
            resolve();
          }
        }, 20);
      });
      return { result, ready, kill: (s: NodeJS.Signals) => child!.kill(s), output: () => out };
    }

    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const) {
      it(`forwards ${signal} to the tool`, async () => {
        const t = runUntilReady(['fx', 'trap-signals']);
        await t.ready;
        t.kill(signal);
        const r = await t.result;
        expect(t.output()).toContain(`got ${signal.slice(3)}`);
        expect(r.code).toBe(0);
        expect(managedContainers()).toEqual([]);
      });
    }

    it('stops a tool that installs no handlers on Ctrl-C (it runs under an init)', async () => {
      const t = runUntilReady(['fx', 'no-trap']);
      await t.ready;
      t.kill('SIGINT');
      const r = await t.result;
      expect(r.code).toBe(130);
      expect(managedContainers()).toEqual([]);
    });

    it('kills the tool on a second Ctrl-C', async () => {
      const t = runUntilReady(['fx', 'sh', '-c', 'trap "echo ignoring" INT; echo ready; while :; do sleep 1; done']);
      await t.ready;
      t.kill('SIGINT');
      await new Promise((r) => setTimeout(r, 300));
      t.kill('SIGINT');
      const r = await t.result;
      expect(r.code).toBe(137);
      expect(managedContainers()).toEqual([]);
    });

    it('kills only on a Ctrl-C within 3 seconds of the one before: one 3.5 s later reaches the tool again', async () => {
      const t = runUntilReady(['fx', 'sh', '-c', 'trap "echo ignoring" INT; echo ready; while :; do sleep 0.1; done']);
      await t.ready;
      const ignored = async (n: number) => {
        for (let i = 0; i < 100 && t.output().split('ignoring').length - 1 < n; i++) await new Promise((r) => setTimeout(r, 50));
        expect(t.output().split('ignoring').length - 1).toBe(n);
      };
      t.kill('SIGINT');
      await ignored(1);
      // Past the window (measured from the first), a plain Ctrl-C again: the tool traps it.
      await new Promise((r) => setTimeout(r, 3500));
      t.kill('SIGINT');
      await ignored(2);
      // Within the window of that one (2.5 s on, well inside it): the tool is killed.
      await new Promise((r) => setTimeout(r, 2500));
      t.kill('SIGINT');
      const r = await t.result;
      expect(r.code).toBe(137);
      expect(t.output()).toBe('ready\nignoring\nignoring\n');
      expect(managedContainers()).toEqual([]);
    });

    it('leaves an orphan when berth is SIGKILLed, which gc and the next run remove (warm: nothing is left)', async () => {
      for (const next of [['gc'], ['run', ...flags, 'fx', 'true']]) {
        const t = runUntilReady(['fx', 'no-trap']);
        await t.ready;
        t.kill('SIGKILL');
        await t.result;
        if (warm) {
          // The warm server kills the tool when berth's connection closes.
          const deadline = Date.now() + 10_000;
          while (managedContainers().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
          expect(managedContainers()).toEqual([]);
        } else expect(managedContainers()).toHaveLength(1);
        const r = await berth(sb, next);
        expect(r.code).toBe(0);
        if (next[0] === 'gc') {
          if (warm) expect(r.stdout.toString()).toBe('nothing to remove\n');
          else expect(r.stdout.toString()).toMatch(/removed [0-9a-f]{12} \(fx, its berth \(pid \d+\) is gone\)/);
        }
        expect(managedContainers()).toEqual([]);
      }
    });
  });

  describe('environment', () => {
    it('passes TERM, LANG, LC_*, TZ, COLORTERM, NO_COLOR, the recipe env and -e; nothing else', async () => {
      const r = await run(['-e', 'EXTRA=1', '-e', 'FROM_HOST', 'fx-env'], {
        env: { TERM: 'xterm-test', LC_ALL: 'C', TZ: 'Europe/Paris', COLORTERM: 'truecolor', NO_COLOR: '1', RECIPE_VAR: 'r', FROM_HOST: 'h', SECRET_TOKEN: 'nope' },
      });
      expect([r.code, r.stderr]).toEqual([0, '']);
      // The whole environment (env-dump sorts it): the image's PATH, berth's HOME and USER, what
      // the engine (HOSTNAME; Podman's container=podman) and busybox's sh (PWD, SHLVL) add, and
      // the passed variables.
      const lines = r.stdout
        .toString()
        .replace(/^HOSTNAME=[0-9a-f]{12}$/m, 'HOSTNAME=<id>')
        .split('\n')
        .filter((line) => !(ON_PODMAN && line === 'container=podman'));
      expect(lines).toEqual([
        'COLORTERM=truecolor',
        'EXTRA=1',
        'FROM_HOST=h',
        `HOME=${path.join(sb.cache, 'berth', 'home', 'fx-env')}`,
        'HOSTNAME=<id>',
        'LANG=C.UTF-8',
        'LC_ALL=C',
        'NO_COLOR=1',
        'PATH=/usr/local/bin:/bin',
        `PWD=${sb.work}`,
        'RECIPE_VAR=r',
        'SHLVL=1',
        'TERM=xterm-test',
        'TZ=Europe/Paris',
        // (On rootless Podman every berth here is its user, named as the host names it.)
        `USER=${ON_ROOTLESS ? execFileSync('id', ['-nu', String(OTHER_UID)], { encoding: 'utf8' }).trim() : 'root'}`,
        '',
      ]);
    });
  });

  describe('least privilege', () => {
    it('is not privileged and has no log driver (the container as the engine holds it)', async () => {
      // The tool waits for a file while the test inspects the container it runs in (warm: the
      // warm container; its hostname is its id).
      const go = path.join(sb.work, `go-${Date.now()}`);
      let out = '';
      const result = run(['fx', 'sh', '-c', 'hostname; while [ ! -e "$1" ]; do sleep 0.1; done', 'sh', go], {
        onSpawn: (c) => c.stdout!.on('data', (d: Buffer) => (out += d.toString())),
        stdout: new Writable({ write: (_d, _e, cb) => cb() }),
      });
      try {
        for (let i = 0; i < 400 && !out.includes('\n'); i++) await new Promise((r) => setTimeout(r, 50));
        const id = out.trim();
        expect(id).toMatch(/^[0-9a-f]{12}$/);
        const host = JSON.parse(docker('inspect', '--format', '{{json .HostConfig}}', id)) as Record<string, unknown>;
        // (Podman answers a log driver's empty Config as null.)
        const log = host.LogConfig as { Type?: string; Config?: unknown } | undefined;
        const logConfig = { Type: log?.Type, Config: log?.Config ?? {} };
        expect({ Privileged: host.Privileged, LogConfig: logConfig, CapAdd: host.CapAdd ?? [], SecurityOpt: host.SecurityOpt }).toEqual({
          Privileged: false,
          LogConfig: { Type: 'none', Config: {} },
          CapAdd: [],
          SecurityOpt: ['no-new-privileges'],
        });
      } finally {
        writeFileSync(go, '');
      }
      expect((await result).code).toBe(0);
    });

    it('has no network unless the recipe asks, no new privileges, no extra capabilities', async () => {
      const probe = 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort; grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status';
      const none = await run(['fx', 'sh', '-c', probe]);
      // root in the container keeps docker's default set and no more (a8 04 25 fb), never all; on
      // rootless Podman every berth here is the user, who has none.
      const rootCaps = ON_ROOTLESS ? '0000000000000000' : '00000000a80425fb';
      expect(none.stdout.toString()).toMatch(new RegExp(`^lo\\nCapEff:\\s+${rootCaps}\\nNoNewPrivs:\\s+1\\nSeccomp:\\s+2\\n$`));
      const asUser = await berth(other, ['run', ...flags, 'fx', 'sh', '-c', probe]);
      expect(asUser.stdout.toString()).toMatch(/^lo\nCapEff:\s+0000000000000000\nNoNewPrivs:\s+1\nSeccomp:\s+2\n$/);
      const bridge = await run(['fx-net', 'sh', '-c', probe]);
      expect(bridge.stdout.toString()).toMatch(/^eth0\nlo\n/);
      // --network overrides the recipe, both ways.
      const off = await run(['--network', 'none', 'fx-net', 'sh', '-c', probe]);
      expect(off.stdout.toString()).toMatch(/^lo\nCapEff/);
      const on = await run(['--network', 'bridge', 'fx', 'sh', '-c', probe]);
      expect(on.stdout.toString()).toMatch(/^eth0\nlo\n/);
    });
  });

  it('runs a recipe script with the args as "$@"', async () => {
    const r = await run(['fx-script', 'a', 'b c']);
    expect(r.stdout.toString()).toBe('script got 2 args: a b c\n');
    expect(r.code).toBe(3);
  });

  it('passes flags after the tool name to the tool, --help included', async () => {
    const r = await run(['fx', 'echo-args', '--help', '-q', '--pull', 'never', '--', 'x']);
    expect(r.stdout.toString()).toBe('<--help>\n<-q>\n<--pull>\n<never>\n<-->\n<x>\n');
  });

  it('--dry-run prints a docker run command (podman run on Podman) that a shell runs the same way', async () => {
    for (const args of [['fx', 'echo-args', 'a b', "it's", '$HOME'], ['fx', 'ids'], ['fx', 'exit-with', '7', 'bye']]) {
      const dry = await berth(other, ['run', '--dry-run', ...args]);
      expect(dry.code).toBe(0);
      expect(dry.stdout.toString()).toMatch(ON_PODMAN ? /^podman run --rm / : /^docker run --rm /);
      // Without touching the engine: with none reachable, the command for a rootful Docker, which
      // is this one on Docker.
      const offline = await berth(other, ['run', '--dry-run', ...args], { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
      expect([offline.code, offline.stderr]).toEqual([0, '']);
      if (!ON_PODMAN) expect(offline.stdout.toString()).toBe(dry.stdout.toString());
      else if (!ON_ROOTLESS) expect(offline.stdout.toString()).toBe(dry.stdout.toString().replace(/^podman /, 'docker '));
      // The Podman socket under test through podman's remote client, as a user of it would.
      const command = dry.stdout.toString().replace(/^podman /, `podman --remote --url ${process.env.DOCKER_HOST} `);
      const viaShell = await new Promise<{ out: string; code: number | null }>((resolve) => {
        const child = spawn('sh', ['-c', command], { cwd: other.work, env: other.env, uid: OTHER_UID, gid: other.gid, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('close', (code) => resolve({ out, code }));
      });
      const real = await berth(other, ['run', ...flags, ...args]);
      expect(viaShell.out).toBe(real.stdout.toString());
      expect(viaShell.code).toBe(real.code);
    }
  });

  it('leaves no container behind', () => {
    expect(managedContainers()).toEqual([]);
  });
});

// The pulls come from the test registry, which Podman would reach only as an insecure registry
// configured for it: Docker only.
describe.skipIf(ON_PODMAN)('images', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = makeSandbox();
  });

  function uniqueRef(name: string): string {
    return `${inject('registry')}/berth-test/${name}-${process.pid}-${Date.now()}:1`;
  }

  function pushFixture(ref: string): string {
    docker('tag', inject('fixtureImage'), ref);
    docker('push', ref);
    const digest = docker('inspect', '--format', '{{index .RepoDigests 0}}', ref).split('@')[1]!;
    docker('rmi', ref);
    return digest;
  }

  it('pulls on first use with one plain progress line on stderr, nothing on stdout, then runs from cache with no registry', async () => {
    const ref = uniqueRef('pull');
    pushFixture(ref);
    writeRecipe(sb, { name: 'pulled', image: ref });
    const first = await berth(sb, ['run', 'pulled', 'echo', 'ok']);
    expect(first.stdout.toString()).toBe('ok\n');
    expect(first.stderr).toBe(`berth: pulling ${ref.replace(/^/, '')}\n`);
    // Cached: a registry that does not exist is never contacted.
    const dead = `127.0.0.1:9/berth-test/offline:1`;
    docker('tag', ref, dead);
    const cached = await berth(sb, ['run', '--image', dead, 'pulled', 'echo', 'ok']);
    expect(cached.stdout.toString()).toBe('ok\n');
    expect(cached.stderr).toBe('');
    docker('rmi', dead, ref);
  });

  it('runs a pinned digest by digest', async () => {
    const ref = uniqueRef('digest');
    const digest = pushFixture(ref);
    writeRecipe(sb, { name: 'pinned', image: ref, digest });
    const r = await berth(sb, ['run', 'pinned', 'echo', 'ok']);
    expect(r.stdout.toString()).toBe('ok\n');
    expect(r.stderr).toContain(`@${digest}`);
    expect(docker('images', '--digests', '--format', '{{.Digest}}', ref.split(':').slice(0, -1).join(':'))).toContain(digest);
    // The tag moves on to another image (here and in the registry): the digest still names the first.
    await buildImage(ref, { marker: 'moved\n' }, `FROM ${inject('fixtureImage')}\nCOPY marker /marker\n`);
    docker('push', ref);
    const pinned = await berth(sb, ['run', 'pinned', 'sh', '-c', 'cat /marker 2>/dev/null || echo first image']);
    expect(pinned.stdout.toString()).toBe('first image\n');
    writeRecipe(sb, { name: 'by-tag', image: ref });
    expect((await berth(sb, ['run', 'by-tag', 'cat', '/marker'])).stdout.toString()).toBe('moved\n');
    // A warm run resolves the image the same way: gone from the engine, it is pulled by digest.
    docker('rmi', `${ref.slice(0, ref.lastIndexOf(':'))}@${digest}`);
    const warm = await berth(sb, ['run', '--warm', 'pinned', 'sh', '-c', 'cat /marker 2>/dev/null || echo first image']);
    expect(warm.stdout.toString()).toBe('first image\n');
    expect(warm.stderr).toMatch(new RegExp(`^berth: pulling \\S+@${digest}\\n$`));
    expect(docker('ps', '-q', '--filter', 'label=berth.warm=true', '--filter', 'label=berth.tool=pinned')).not.toBe('');
    expect((await berth(sb, ['warm', 'stop', 'pinned'])).code).toBe(0);
  });

  it('shows a spinner with bytes on a terminal', async () => {
    const ref = uniqueRef('spinner');
    // A layer of its own: layers the engine already has are not downloaded, so show no bytes.
    await buildImage(ref, { 'noise.bin': randomBytes(3 * 1024 * 1024) }, `FROM ${inject('fixtureImage')}\nCOPY noise.bin /noise.bin\n`);
    docker('push', ref);
    docker('rmi', ref);
    writeRecipe(sb, { name: 'spun', image: ref });
    const r = await berthInTerminal(sb, ['run', 'spun', 'echo', 'ok'], { cols: 200 });
    endedWith(r, 0);
    expect(r.output).toMatch(/Pulling .*MB/);
    expect(r.output).toContain('ok');
  });

  it('pulls once when two processes need the same image at once, and both run', async () => {
    // Through a relay that holds each manifest and blob request for 3 s: the engine has the
    // fixture's layers, so a direct pull ends before the second berth has even started, and two
    // berths without the pull lock would pass as well. Here their pulls would overlap.
    const proxy = await startSlowProxy(inject('registry'), 3000);
    try {
      const ref = uniqueRef('concurrent').replace(inject('registry'), proxy.host);
      pushFixture(ref.replace(proxy.host, inject('registry')));
      writeRecipe(sb, { name: 'twice', image: ref });
      const [a, b] = await Promise.all([berth(sb, ['run', 'twice', 'echo', 'a']), berth(sb, ['run', 'twice', 'echo', 'b'])]);
      expect([a.code, a.stdout.toString()]).toEqual([0, 'a\n']);
      expect([b.code, b.stdout.toString()]).toEqual([0, 'b\n']);
      expect(a.stderr + b.stderr).toBe(`berth: pulling ${ref}\n`);
      // (The pull went through the relay: one manifest request.)
      expect(proxy.requests().filter((r) => r.includes('/manifests/'))).toHaveLength(1);
    } finally {
      await proxy.stop();
      await removeRegistryImages(proxy.host);
    }
  });

  it('--pull never fails with 125 and says how to pull; a failed pull gives 125', async () => {
    const ref = uniqueRef('never');
    writeRecipe(sb, { name: 'never', image: ref });
    const never = await berth(sb, ['run', '--pull', 'never', 'never', 'true']);
    expect(never.code).toBe(125);
    expect(never.stderr).toContain(`docker pull ${ref}`);
    const failed = await berth(sb, ['run', 'never', 'true']);
    expect(failed.code).toBe(125);
    expect(failed.stderr.trim().split('\n').at(-1)).toMatch(/pulling .* failed|manifest unknown|not found/i);
  });

  it('BERTH_REGISTRY_MIRROR wins over the registryMirror setting, and --pull over pullPolicy', async () => {
    const own = makeSandbox();
    const name = `berth-test/precedence-${process.pid}-${Date.now()}`;
    const digest = pushFixture(`${inject('registry')}/${name}:1`);
    writeRecipe(own, { name: 'prec', image: `docker.io/${name}:1`, digest });
    // The setting names a mirror that is not there (nothing listens on port 9).
    expect((await berth(own, ['config', 'set', 'registryMirror', '127.0.0.1:9'])).code).toBe(0);
    const bySetting = await berth(own, ['run', 'prec', 'true']);
    expect(bySetting.code).toBe(125);
    expect(bySetting.stderr).toContain(`pulling 127.0.0.1:9/${name}:1@${digest}`);
    // pullPolicy never would not pull; --pull missing does, from the mirror the variable names.
    expect((await berth(own, ['config', 'set', 'pullPolicy', 'never'])).code).toBe(0);
    const env = { BERTH_REGISTRY_MIRROR: inject('registry') };
    const never = await berth(own, ['run', 'prec', 'true'], { env });
    expect(never.code).toBe(125);
    expect(never.stderr).toContain('the pull policy is "never"');
    const flagged = await berth(own, ['run', '--pull', 'missing', 'prec', 'echo', 'both win'], { env });
    expect([flagged.code, flagged.stdout.toString(), flagged.stderr]).toEqual([0, 'both win\n', `berth: pulling ${inject('registry')}/${name}:1@${digest}\n`]);
  });

  it('rewrites docker.io references to a registry mirror, keeping the digest', async () => {
    const name = `berth-test/mirrored-${process.pid}-${Date.now()}`;
    const digest = pushFixture(`${inject('registry')}/${name}:1`);
    writeRecipe(sb, { name: 'mirrored', image: `docker.io/${name}:1`, digest });
    const r = await berth(sb, ['run', 'mirrored', 'echo', 'via mirror'], { env: { BERTH_REGISTRY_MIRROR: inject('registry') } });
    expect(r.stdout.toString()).toBe('via mirror\n');
    expect(r.stderr).toBe(`berth: pulling ${inject('registry')}/${name}:1@${digest}\n`);
  });
});
