import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { demultiplex } from '../../src/engine/streams.js';
import { CREDIT, EXIT, openCall, pumpFramedStdin, requestFrame, sendSignal, type CallRequest } from '../../src/engine/warm-call.js';
import { serverProgram } from '../../src/engine/warm-server.js';

/**
 * berth's warm server (native/warm-server.c), both builds, run on the host as a plain process:
 * amd64 natively, arm64 under qemu-user (installed by .ci/run), so the arm64 program berth ships
 * is exercised too. Its tools are the host's (/bin/sh...). In containers the amd64 build is
 * checked by the run-semantics suite's warm pass (run.test.ts) and warm.test.ts.
 */

const ARCHES = [
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
  code: number | undefined;
}

/** One call through berth's own client code, as warm.ts makes it. */
async function call(
  socket: string,
  request: Partial<CallRequest> & { argv: string[] },
  options: { input?: Buffer; signalWhenReady?: [NodeJS.Signals, boolean] } = {},
): Promise<Ended | { failed: { errno: number; stage: string } }> {
  const opened = await openCall(socket, requestFrame({ env: [], cwd: root, tty: false, stdin: options.input !== undefined, ...request }));
  if (opened.kind === 'failed') return { failed: { errno: opened.errno, stage: opened.stage } };
  if (opened.kind !== 'started') throw new Error(`not started: ${JSON.stringify(opened)}`);
  const s = opened.socket;
  const out = collector();
  const err = collector();
  let code: number | undefined;
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
  let exited: () => void;
  const ended = new Promise<void>((resolve) => {
    exited = resolve;
    s.once('close', resolve);
  });
  demultiplex(s, out.stream, err.stream, (type, payload) => {
    if (type === EXIT) {
      code = payload.readUInt32BE(0);
      exited();
    }
    if (type === CREDIT) pump?.credit(payload.readUInt32BE(0));
  });
  if (options.input) pump = pumpFramedStdin(Readable.from([options.input]) as unknown as NodeJS.ReadStream, s);
  s.resume();
  await ended;
  // After the exit frame the server waits for berth to close the connection, as warm.ts does.
  s.destroy();
  return { stdout: out.bytes(), stderr: err.text(), code };
}

function processGone(marker: string): boolean {
  try {
    execFileSync('pgrep', ['-f', marker]);
    return false;
  } catch {
    return true;
  }
}

describe.each(ARCHES)('the warm server ($arch)', ({ arch, runner }) => {
  const program = path.join(root, `server-${arch}`);
  writeFileSync(program, serverProgram(arch)!, { mode: 0o755 });
  const servers: ChildProcess[] = [];
  const start = (idleSeconds: number, name: string) => {
    const socket = path.join(root, `${arch}-${name}.sock`);
    const [command, ...args] = [...runner, program, String(idleSeconds), socket];
    const child = spawn(command!, args, { env: { PATH: '/usr/bin:/bin', BASE: 'container', KEEP: 'kept' }, stdio: 'ignore' });
    servers.push(child);
    return { socket, child };
  };
  const ready = async (socket: string) => {
    for (let i = 0; i < 200 && !existsSync(socket); i++) await sleep(25);
  };
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
    // The tool has the server's umask (the socket alone is made without one).
    const umask = (await call(socket, { argv: ['sh', '-c', 'umask'] })) as Ended;
    expect(umask.stdout.toString()).toBe(`${/^Umask:\s+(\d+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]}\n`);
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
  });

  it('keeps the connection until berth has closed it after the exit frame: stdin ending after the tool does no harm', async () => {
    const { socket } = start(60, 'late');
    await ready(socket);
    // The tool exits at once; berth's stdin-end frame may arrive after that (a closed socket
    // there made berth drop the unread exit frame, 1 call in ~250).
    const codes = [];
    for (let i = 0; i < 100; i++) codes.push(((await call(socket, { argv: ['sh', '-c', 'exit 5'] }, { input: Buffer.alloc(0) })) as Ended).code);
    expect(codes).toEqual(Array(100).fill(5));
  });

  it('reports a command that cannot start, with its errno', async () => {
    const { socket } = start(60, 'fail');
    await ready(socket);
    expect(await call(socket, { argv: ['no-such-command'] })).toEqual({ failed: { errno: 2, stage: 'exec' } });
    expect(await call(socket, { argv: ['/usr'] })).toEqual({ failed: { errno: 13, stage: 'exec' } });
    expect(await call(socket, { argv: ['true'], cwd: '/no/such/dir' })).toEqual({ failed: { errno: 2, stage: 'chdir' } });
  });

  it('passes signals to the tool, and its group with SIGKILL', async () => {
    const { socket } = start(60, 'signals');
    await ready(socket);
    const trapped = (await call(
      socket,
      { argv: ['sh', '-c', 'trap "echo got TERM; exit 3" TERM; echo ready; while :; do sleep 0.1; done'] },
      { signalWhenReady: ['SIGTERM', false] },
    )) as Ended;
    expect(trapped.stdout.toString()).toBe('ready\ngot TERM\n');
    expect(trapped.code).toBe(3);
    const group = (await call(socket, { argv: ['sh', '-c', 'trap "" INT TERM; echo ready; sleep 876.5; wait'] }, { signalWhenReady: ['SIGKILL', true] })) as Ended;
    expect(group.code).toBe(137);
    expect(processGone('sleep 876.5')).toBe(true);
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
    const opened = await openCall(socket, requestFrame({ argv: ['sh', '-c', 'sleep 765.4 & sleep 765.3'], env: [], cwd: root, tty: false, stdin: false }));
    expect(opened.kind).toBe('started');
    for (let i = 0; i < 100 && processGone('sleep 765.3'); i++) await sleep(20);
    expect(processGone('sleep 765.3')).toBe(false);
    if (opened.kind === 'started') opened.socket.destroy();
    for (let i = 0; i < 100 && !(processGone('sleep 765.3') && processGone('sleep 765.4')); i++) await sleep(50);
    expect([processGone('sleep 765.3'), processGone('sleep 765.4')]).toEqual([true, true]);

    const left = (await call(socket, { argv: ['sh', '-c', 'sleep 654.3 > /dev/null & echo started'] })) as Ended;
    expect(left.stdout.toString()).toBe('started\n');
    for (let i = 0; i < 100 && !processGone('sleep 654.3'); i++) await sleep(20);
    expect(processGone('sleep 654.3')).toBe(true);
  });

  it('exits after its idle time without calls, removing its socket', async () => {
    const { socket, child } = start(1, 'idle');
    await ready(socket);
    expect(((await call(socket, { argv: ['true'] })) as Ended).code).toBe(0);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(existsSync(socket)).toBe(false);
  });
});
