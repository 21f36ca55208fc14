import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable, type Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demultiplex } from '../../src/runtime/stdio/streams.js';
import { CREDIT, EXIT, openCall, pumpFramedStdin, requestFrame, sendSignal, type CallRequest } from '../../src/warm/call.js';
import { serverProgram } from '../../src/warm/server.js';

/**
 * berth's warm server (native/warm-server.c), both builds, run on the host as a plain process:
 * amd64 natively, arm64 under qemu-user (installed by .ci/run), so the arm64 program berth ships
 * is exercised too. Its tools are the host's (/bin/sh...). In containers the amd64 build is
 * checked by the run-semantics suite's warm pass (run.test.ts) and warm.test.ts.
 */

const BUILDS = [
  { arch: 'amd64', runner: [] as string[] },
  { arch: 'arm64', runner: ['qemu-aarch64'] },
];

const root = mkdtempSync(path.join(tmpdir(), 'berth-warm-server-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function collector(): { stream: Writable; text: () => string; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _e, cb) {
        chunks.push(chunk);
        cb();
      },
    }),
    bytes: () => Buffer.concat(chunks),
    text: () => Buffer.concat(chunks).toString(),
  };
}

interface Ended {
  stdout: Buffer;
  stderr: string;
  code: number;
}

type Request = Partial<CallRequest> & { argv: string[] };

function frame(request: Request): Buffer {
  return requestFrame({ env: [], cwd: root, tty: false, stdin: false, ...request })!;
}

/** The connection of a call that has started (paused, as openCall leaves it). */
async function started(socket: string, request: Request): Promise<Duplex> {
  const opened = await openCall(socket, frame(request));
  if (opened.kind !== 'started') throw new Error(`not started: ${JSON.stringify(opened)}`);
  return opened.socket;
}

/** The call's output into `stdout` and `stderr` until its exit frame: its exit status. */
function exitStatus(s: Duplex, stdout: Writable, stderr: Writable, credit?: (bytes: number) => void): Promise<number> {
  return new Promise((resolve) => {
    demultiplex(s, stdout, stderr, (type, payload) => {
      if (type === EXIT) resolve(payload.readUInt32BE(0));
      if (type === CREDIT) credit?.(payload.readUInt32BE(0));
    });
    s.resume();
  });
}

/** One call through berth's own client code, as warm.ts makes it. */
async function call(
  socket: string,
  request: Request,
  options: { input?: Buffer; signalWhenReady?: [NodeJS.Signals, boolean] } = {},
): Promise<Ended | { failed: { errno: number; stage: string } }> {
  const opened = await openCall(socket, frame({ stdin: options.input !== undefined, ...request }));
  if (opened.kind === 'failed') return { failed: { errno: opened.errno, stage: opened.stage } };
  if (opened.kind !== 'started') throw new Error(`not started: ${JSON.stringify(opened)}`);
  const s = opened.socket;
  const out = collector();
  const err = collector();
  let pump: ReturnType<typeof pumpFramedStdin> | undefined;
  const signal = options.signalWhenReady;
  if (signal) {
    // Once the tool has printed "ready".
    const timer = setInterval(() => {
      if (!out.text().includes('ready')) return;
      clearInterval(timer);
      sendSignal(s, ...signal);
    }, 10);
    s.once('close', () => clearInterval(timer));
  }
  const closed = new Promise<undefined>((resolve) => s.once('close', () => resolve(undefined)));
  const status = exitStatus(s, out.stream, err.stream, (bytes) => pump?.credit(bytes));
  if (options.input) pump = pumpFramedStdin(Readable.from([options.input]) as unknown as NodeJS.ReadStream, s);
  const code = await Promise.race([status, closed]);
  // After the exit frame the server waits for berth to close the connection, as warm.ts does.
  s.destroy();
  // A connection that closed before its exit frame is a failed call, whatever a test checks after.
  if (code === undefined) throw new Error(`the server closed the call ${JSON.stringify(request.argv)} without an exit frame; stdout: ${out.text()}`);
  return { stdout: out.bytes(), stderr: err.text(), code };
}

/** Pids of tools the tests started, killed at the end whatever happened. */
const toolPids = new Set<number>();
afterAll(() => {
  for (const pid of toolPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
});

/** Whether process `pid` still runs (a zombie waiting for its reaper does not count). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Pids a tool printed, one a line, remembered for the clean-up. */
function pidsIn(text: string): number[] {
  const pids = text.split('\n').filter((l) => /^\d+$/.test(l)).map(Number);
  for (const pid of pids) toolPids.add(pid);
  return pids;
}

/** Waits (10 s at most: arm64 runs under qemu) until `check()` holds; throws, saying `what`, when it does not. */
async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await sleep(25);
  }
  if (!check()) throw new Error(`timed out waiting until ${what}`);
}

describe.each(BUILDS)('the warm server ($arch)', ({ arch, runner }) => {
  const program = path.join(root, `server-${arch}`);
  beforeAll(async () => writeFileSync(program, (await serverProgram(arch))!, { mode: 0o755 }));
  const servers: ChildProcess[] = [];
  const start = (idleSeconds: number, name: string) => {
    const socket = path.join(root, `${arch}-${name}.sock`);
    // Under umask 077, which the tools must keep (runc gives the server the container's).
    const child = spawn('sh', ['-c', 'umask 077; exec "$@"', 'sh', ...runner, program, String(idleSeconds), socket], {
      env: { PATH: '/usr/bin:/bin', BASE: 'container', KEEP: 'kept' },
      stdio: 'ignore',
    });
    servers.push(child);
    return { socket, child };
  };
  const ready = (socket: string) => until(`the server listens on ${socket}`, () => existsSync(socket));
  afterAll(() => {
    for (const s of servers) s.kill('SIGKILL');
  });

  it('runs a call: argv, environment over its own, working directory, stdout and stderr apart, exit code', async () => {
    const { socket } = start(60, 'basic');
    await ready(socket);
    const r = (await call(socket, {
      argv: ['sh', '-c', 'echo "$BASE $KEEP $NEW $1"; pwd; echo oops >&2; exit 7', 'sh', 'arg one'],
      env: ['BASE=call', 'NEW=new'],
      cwd: '/usr',
    })) as Ended;
    expect(r.stdout.toString()).toBe('call kept new arg one\n/usr\n');
    expect(r.stderr).toBe('oops\n');
    expect(r.code).toBe(7);
    // The tool has the server's umask (the socket alone is made without one, for berth's uid).
    const umask = (await call(socket, { argv: ['sh', '-c', 'umask'] })) as Ended;
    expect([umask.code, umask.stdout.toString()]).toEqual([0, '0077\n']);
    expect(statSync(socket).mode & 0o777).toBe(0o777);
    // Again on the same server (a call per connection), and 128+N for a signal.
    const killed = (await call(socket, { argv: ['sh', '-c', 'kill -9 $$'] })) as Ended;
    expect(killed.code).toBe(137);
  });

  it('streams stdin beyond its window, byte for byte, and gives /dev/null when stdin is not forwarded', async () => {
    const { socket } = start(60, 'stdin');
    await ready(socket);
    const input = randomBytes(3 * 1024 * 1024 + 17);
    const r = (await call(socket, { argv: ['cat'] }, { input })) as Ended;
    expect(r.code).toBe(0);
    expect(r.stdout.equals(input)).toBe(true);
    const none = (await call(socket, { argv: ['sh', '-c', 'readlink /proc/self/fd/0; wc -c'] })) as Ended;
    expect(none.stdout.toString()).toBe('/dev/null\n0\n');
    expect(none.code).toBe(0);
  });

  it('keeps the connection after the exit frame until berth closes it: stdin ending after the tool does no harm', async () => {
    const { socket } = start(60, 'late');
    await ready(socket);
    // The tool exits without reading stdin, whose end berth has not sent yet. Were the
    // connection closed after the exit frame, berth's late frame would meet a closed socket
    // (EPIPE), and Node would drop what berth had not read yet: the exit frame with it.
    const s = await started(socket, { argv: ['sh', '-c', 'exit 5'], stdin: true });
    let ended = false;
    s.on('end', () => (ended = true));
    expect(await exitStatus(s, collector().stream, collector().stream)).toBe(5);
    // Still open a while later; the late end of stdin is taken; closing is berth's.
    await sleep(300);
    expect(ended).toBe(false);
    s.write(Buffer.from([3, 0, 0, 0, 0, 0, 0, 0]));
    await sleep(100);
    expect([ended, s.destroyed]).toEqual([false, false]);
    s.end();
    await new Promise((resolve) => s.once('close', resolve));
  });

  it('reports a command that cannot start, with its errno', async () => {
    const { socket } = start(60, 'fail');
    await ready(socket);
    const { ENOENT, EACCES } = constants.errno;
    expect(await call(socket, { argv: ['no-such-command'] })).toEqual({ failed: { errno: ENOENT, stage: 'exec' } });
    expect(await call(socket, { argv: ['/usr'] })).toEqual({ failed: { errno: EACCES, stage: 'exec' } });
    expect(await call(socket, { argv: ['true'], cwd: '/no/such/dir' })).toEqual({ failed: { errno: ENOENT, stage: 'chdir' } });
  });

  it('passes a signal to the tool, or to its whole process group', async () => {
    const { socket } = start(60, 'signals');
    await ready(socket);
    // A shell (the tool) and a child in its group, each saying which signal reached it.
    const family = [
      'sh',
      '-c',
      'trap "echo parent TERM" TERM; (trap "echo child TERM; exit 0" TERM; echo ready; for i in $(seq 40); do sleep 0.1; done) & wait; wait; echo end',
    ];
    const toTool = (await call(socket, { argv: family }, { signalWhenReady: ['SIGTERM', false] })) as Ended;
    expect(toTool.stdout.toString()).toBe('ready\nparent TERM\nend\n');
    expect(toTool.code).toBe(0);
    const toGroup = (await call(socket, { argv: family }, { signalWhenReady: ['SIGTERM', true] })) as Ended;
    expect(toGroup.stdout.toString().split('\n').sort()).toEqual(['', 'child TERM', 'end', 'parent TERM', 'ready']);
    expect(toGroup.code).toBe(0);
  });

  it('passes signals while stdin the tool does not read waits (stdin is credited, never queued ahead of them)', async () => {
    const { socket } = start(60, 'window');
    await ready(socket);
    const r = (await call(
      socket,
      { argv: ['sh', '-c', 'trap "echo got TERM; exit 3" TERM; echo ready; while :; do sleep 0.1; done'] },
      { input: randomBytes(4 * 1024 * 1024), signalWhenReady: ['SIGTERM', false] },
    )) as Ended;
    expect(r.stdout.toString()).toBe('ready\ngot TERM\n');
    expect(r.code).toBe(3);
  });

  it('gives a TTY call a pty of the requested size', async () => {
    const { socket } = start(60, 'tty');
    await ready(socket);
    const r = (await call(socket, { argv: ['sh', '-c', 'test -t 0 && test -t 1 && test -t 2 && echo tty; stty size'], tty: true, size: [33, 101] })) as Ended;
    expect(r.stdout.toString()).toBe('tty\r\n33 101\r\n');
    expect(r.code).toBe(0);
  });

  it("kills the tool's process group when berth's connection closes, and what the tool leaves behind when it exits", async () => {
    const { socket } = start(60, 'gone');
    await ready(socket);
    const s = await started(socket, { argv: ['sh', '-c', 'sleep 600 & echo $!; echo $$; sleep 600'] });
    const out = collector();
    void exitStatus(s, out.stream, out.stream);
    await until('the tool printed two pids', () => pidsIn(out.text()).length === 2);
    const pids = pidsIn(out.text());
    expect(pids.map(running)).toEqual([true, true]);
    s.destroy();
    await until('the tool and its child are gone', () => !pids.some(running));
    expect(pids.map(running)).toEqual([false, false]);

    const left = (await call(socket, { argv: ['sh', '-c', 'sleep 600 > /dev/null & echo $!'] })) as Ended;
    expect(left.code).toBe(0);
    const [leftover] = pidsIn(left.stdout.toString());
    expect(leftover).toBeGreaterThan(0);
    await until('the process left behind is gone', () => !running(leftover!));
    expect(running(leftover!)).toBe(false);
  });

  it('ends a call when the tool exits, not waiting for a process that left its group and holds its output', async () => {
    const { socket } = start(60, 'setsid');
    await ready(socket);
    for (const tty of [false, true]) {
      // (The tool waits until the child has its own session: before, it is in the group.)
      const escape = 'setsid sleep 600 & p=$!; until [ "$(cut -d" " -f6 /proc/$p/stat)" = "$p" ]; do sleep 0.01; done; echo $p; echo out; exit 4';
      const r = (await call(socket, { argv: ['sh', '-c', escape], tty })) as Ended;
      const [escaped] = pidsIn(r.stdout.toString().replace(/\r/g, ''));
      expect(r.stdout.toString().replace(/\r/g, '')).toBe(`${escaped}\nout\n`);
      expect(r.code).toBe(4);
      // (It runs on, as it would in a warm container, until the clean-up.)
      expect(running(escaped!)).toBe(true);
    }
  });

  it('gives the tool descriptors 0, 1 and 2 only', async () => {
    const { socket } = start(60, 'fds');
    await ready(socket);
    // (3 is the directory ls reads.)
    for (const tty of [false, true]) {
      const r = (await call(socket, { argv: ['ls', '/proc/self/fd'], tty, stdin: true }, { input: Buffer.alloc(0) })) as Ended;
      expect(r.stdout.toString().replace(/\r/g, '').split(/\s+/).filter(Boolean)).toEqual(['0', '1', '2', '3']);
      expect(r.code).toBe(0);
    }
  });

  it("reads the tool's output only as berth takes it: a reader that stops holds the tool", async () => {
    const { socket } = start(60, 'backpressure');
    await ready(socket);
    const pidFile = path.join(root, `${arch}-backpressure.pid`);
    const size = 20 * 1024 * 1024;
    const s = await started(socket, { argv: ['sh', '-c', `echo $$ > ${pidFile}; exec head -c ${size} /dev/zero`] });
    // berth reads nothing for a while: the tool must be blocked writing, not done.
    await until('the tool wrote its pid', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'));
    const [pid] = pidsIn(readFileSync(pidFile, 'utf8'));
    await sleep(500);
    expect(running(pid!)).toBe(true);
    let received = 0;
    const counter = new Writable({
      write(chunk: Buffer, _e, cb) {
        received += chunk.length;
        cb();
      },
    });
    const code = await exitStatus(s, counter, counter);
    s.destroy();
    expect([code, received]).toEqual([0, size]);
    expect(running(pid!)).toBe(false);
  });

  it('exits after its idle time without calls, removing its socket', async () => {
    const { socket, child } = start(1, 'idle');
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await ready(socket);
    expect(((await call(socket, { argv: ['true'] })) as Ended).code).toBe(0);
    expect(await exited).toBe(0);
    expect(existsSync(socket)).toBe(false);
  });
});
