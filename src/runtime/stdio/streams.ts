import { fstatSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Duplex, Writable } from 'node:stream';
import type { RunPlan } from '../../core/run/plan.js';

const require = createRequire(import.meta.url);

/**
 * What streams through berth arrives in new buffers (a read each), which V8 frees only when it
 * collects garbage; a stream makes little other garbage, so collections are rare and tens of MB
 * of spent buffers pile up (1 GiB through cat: peak RSS ~100 MB). A minor collection each 8 MiB
 * streamed keeps it near 80 MB, for well under 1% of the time. The collector is reached the one
 * way Node allows at run time (the flag, then a new context); without it, nothing changes.
 */
const COLLECT_EVERY = 8 * 1024 * 1024;
let streamed = 0;
let collect: ((options: { type: 'minor' }) => void) | null | undefined;
export function spent(bytes: number): void {
  streamed += bytes;
  if (streamed < COLLECT_EVERY) return;
  streamed = 0;
  if (collect === undefined) {
    try {
      (require('node:v8') as typeof import('node:v8')).setFlagsFromString('--expose-gc');
      collect = (require('node:vm') as typeof import('node:vm')).runInNewContext('gc') as typeof collect;
    } catch {
      collect = null;
    }
  }
  collect?.({ type: 'minor' });
}

/** What lets a session drop the rest of the tool's output once berth's reader has gone. */
export interface OutputCopy {
  discard(): void;
}

/**
 * Splits the engine's multiplexed attach stream (no TTY) into stdout and stderr. Each frame is
 * an 8-byte header (stream type, 3 zero bytes, big-endian length) and its payload. Bytes are
 * passed on as they arrive, partial frames included, and the socket is paused while a target is
 * full, so nothing is buffered whole and binary data is untouched. berth's warm server speaks
 * this format too (TTY or not), with frames of its own, types 3 and up, which go whole to
 * `control` (warm-call.ts).
 */
export function demultiplex(source: Duplex, stdout: Writable, stderr: Writable, control?: (type: number, payload: Buffer) => void): OutputCopy {
  let header = Buffer.alloc(0);
  let remaining = 0;
  let target: Writable | undefined = stdout;
  let controlType = 0;
  let controlPayload: Buffer[] = [];
  let discarded = false;
  const full = new Set<Writable>();
  const resumeWhenDrained = (stream: Writable) => {
    source.pause();
    if (full.has(stream)) return;
    full.add(stream);
    stream.once('drain', () => {
      full.delete(stream);
      if (full.size === 0) source.resume();
    });
  };
  const controlDone = () => {
    target = stdout;
    control?.(controlType, Buffer.concat(controlPayload));
    controlPayload = [];
  };
  source.on('data', (chunk: Buffer) => {
    spent(chunk.length);
    let offset = 0;
    while (offset < chunk.length) {
      if (remaining === 0) {
        const need = 8 - header.length;
        header = Buffer.concat([header, chunk.subarray(offset, offset + need)]);
        offset += Math.min(need, chunk.length - offset);
        if (header.length < 8) return;
        remaining = header.readUInt32BE(4);
        if (control && header[0]! >= 3) {
          controlType = header[0]!;
          target = undefined;
          if (remaining === 0) controlDone();
        } else target = header[0] === 2 ? stderr : stdout;
        header = Buffer.alloc(0);
        continue;
      }
      const take = Math.min(remaining, chunk.length - offset);
      const part = chunk.subarray(offset, offset + take);
      offset += take;
      remaining -= take;
      if (!target) {
        controlPayload.push(part);
        if (remaining === 0) controlDone();
      } else if (!discarded && !target.write(part)) resumeWhenDrained(target);
    }
  });
  return {
    discard() {
      discarded = true;
      full.clear();
      source.resume();
    },
  };
}

/** Copies the output of a TTY container (one raw stream) with the same backpressure. */
export function copyRaw(source: Duplex, target: Writable): OutputCopy {
  const onData = (chunk: Buffer) => {
    spent(chunk.length);
    if (!target.write(chunk)) {
      source.pause();
      target.once('drain', () => source.resume());
    }
  };
  source.on('data', onData);
  return {
    discard() {
      source.off('data', onData);
      source.on('data', () => undefined);
      source.resume();
    },
  };
}

/**
 * Whether berth's stdin is /dev/null (`< /dev/null`, a service, an editor running a linter): the
 * tool then gets EOF at once, and berth never sets up process.stdin (~2 ms of Node's start-up).
 */
export function stdinIsDevNull(): boolean {
  try {
    const stdin = fstatSync(0);
    return stdin.isCharacterDevice() && stdin.rdev === statSync('/dev/null').rdev;
  } catch {
    return false;
  }
}

/** Forwards berth's stdin to the tool (pumpStdin), or its end only when it is /dev/null. */
export function forwardStdin(io: { readonly stdin: NodeJS.ReadStream }, socket: Duplex): () => void {
  if (!stdinIsDevNull()) return pumpStdin(io.stdin, socket);
  socket.on('error', () => undefined);
  socket.end();
  return () => undefined;
}

/**
 * Streams stdin into the attach socket with backpressure; the end of stdin half-closes the
 * socket, which the tool sees as EOF. Returns what undoes it (and lets the process exit).
 */
export function pumpStdin(stdin: NodeJS.ReadStream, socket: Duplex): () => void {
  const onEnd = () => socket.end();
  const onData = (chunk: Buffer) => spent(chunk.length);
  stdin.on('end', onEnd);
  // A stdin that fails (a terminal hung up) has ended, for the tool as for berth.
  stdin.on('error', onEnd);
  stdin.on('data', onData);
  stdin.pipe(socket, { end: false });
  socket.on('error', () => undefined);
  return () => {
    stdin.off('end', onEnd);
    stdin.off('error', onEnd);
    stdin.off('data', onData);
    stdin.unpipe(socket);
    stdin.pause();
  };
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

/**
 * berth's side of a tool's session, the same for a fresh container and a warm call: the tool's
 * output copied to berth's (demultiplexed unless it has a TTY; a warm server's frames of its own
 * go to `control`), the signals that reach berth forwarded through `signal` (a second Ctrl-C within
 * 3 s is `hard`: kill it all), SIGPIPE for the tool when the reader of berth's output goes away
 * (`berth run yes | head`, its output dropped from then on, as natively), and the terminal in raw
 * mode for a TTY that reads it. `outputDone` settles when the output ends; `restore` undoes the rest.
 */
export function hostSession(
  socket: Duplex,
  plan: Pick<RunPlan, 'tty' | 'stdin'>,
  io: { readonly stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
  signal: (signal: NodeJS.Signals, hard: boolean) => void,
  control?: (type: number, payload: Buffer) => void,
): { outputDone: Promise<void>; restore: () => void } {
  const cleanups: Array<() => void> = [];
  const outputDone = new Promise<void>((resolve) => {
    socket.once('end', resolve);
    socket.once('close', resolve);
    socket.once('error', () => resolve());
  });
  // A warm server's stream is framed even for a TTY (`control` takes its own frames).
  const output = plan.tty && !control ? copyRaw(socket, io.stdout) : demultiplex(socket, io.stdout, io.stderr, control);
  const onOutputError = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') return;
    output.discard();
    signal('SIGPIPE', false);
  };
  io.stdout.on('error', onOutputError);
  io.stderr.on('error', onOutputError);
  cleanups.push(() => {
    io.stdout.off('error', onOutputError);
    io.stderr.off('error', onOutputError);
  });
  let lastInterrupt = 0;
  for (const name of FORWARDED) {
    const onSignal = () => {
      const now = Date.now();
      const hard = name === 'SIGINT' && now - lastInterrupt < 3000;
      if (name === 'SIGINT') lastInterrupt = now;
      signal(name, hard);
    };
    process.on(name, onSignal);
    cleanups.push(() => process.off(name, onSignal));
  }
  if (plan.tty && plan.stdin) {
    io.stdin.setRawMode(true);
    cleanups.push(() => io.stdin.setRawMode(false));
  }
  const restore = () => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  };
  return { outputDone, restore };
}
