import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { constants } from 'node:os';
import type { StartFailure } from '../runtime/container/start-failure.js';
import { spent } from '../runtime/stdio/streams.js';

/**
 * berth's side of the warm server's protocol (native/warm-server.c has the other side and the
 * whole description): one unix-socket connection per call, frames with docker's 8-byte header
 * (type, 3 zero bytes, big-endian payload length) both ways.
 */

// The server's limits (native/warm-server.c's defines of the same names; a unit test compares).
/** stdin berth may send that the server has not yet passed on to the tool. */
export const WINDOW = 256 * 1024;
/** The largest frame berth sends after the request. */
export const CHUNK = 64 * 1024;
/** The largest request (argv, environment...) and the most strings in it. */
export const MAX_REQUEST = 2 * 1024 * 1024;
export const MAX_STRINGS = 65536;

// berth -> server
const REQUEST = 1;
const STDIN = 2;
const STDIN_END = 3;
const SIGNAL = 4;
const RESIZE = 5;
// server -> berth (1 and 2 are stdout and stderr, as the engine's)
export const EXIT = 3;
export const CREDIT = 4;
const FAILED = 5;
const STARTED = 6;

export interface CallRequest {
  argv: string[];
  env: string[];
  cwd: string;
  tty: boolean;
  /** Whether berth forwards its stdin; else the tool's is /dev/null. */
  stdin: boolean;
  /** [rows, columns] of a TTY. */
  size?: [number, number];
}

function header(type: number, length: number): Buffer {
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUInt32BE(length, 4);
  return h;
}

/** The request frame; undefined when it is over the server's limits (the kernel's own for argv and environment are about as much). */
export function requestFrame(request: CallRequest): Buffer | undefined {
  const { argv, env, size } = request;
  const fields = ['1', `${request.tty ? 't' : ''}${request.stdin ? 'i' : ''}`, String(size?.[0] ?? 0), String(size?.[1] ?? 0), request.cwd];
  const strings = [...fields, String(argv.length), ...argv, String(env.length), ...env];
  const payload = Buffer.from(strings.map((s) => `${s}\0`).join(''));
  if (payload.length > MAX_REQUEST || strings.length > MAX_STRINGS) return undefined;
  return Buffer.concat([header(REQUEST, payload.length), payload]);
}

export type Opened =
  | { kind: 'started'; socket: Duplex }
  | { kind: 'failed'; errno: number; stage: string }
  /** No server listens there (no socket, or nobody behind it). */
  | { kind: 'absent' }
  /** A server listens but took no connection now (its backlog is full): try again. */
  | { kind: 'busy' }
  /** The server closed the connection before starting the tool (it was idling out). */
  | { kind: 'closed' }
  /** Given up by the caller (`abort`) before the tool started. */
  | { kind: 'aborted' };

/**
 * Connects to the server at `file` and asks it to start the call. Resolves once the tool has
 * started (the socket is then paused, ready for hostSession) or could not start.
 */
export function openCall(file: string, request: Buffer, abort?: AbortSignal): Promise<Opened> {
  return startCall(connect(file), request, abort, false);
}

/**
 * Asks the server at the other end of `socket` to start the call (`connected`: the stream is
 * open already, else its 'connect' is waited for; an error before it means nobody listens).
 * Resolves once the tool has started (the socket is then paused, ready for hostSession) or could
 * not start.
 */
export function startCall(socket: Duplex, request: Buffer, abort: AbortSignal | undefined, connected: boolean): Promise<Opened> {
  return new Promise((resolve) => {
    let got: Buffer = Buffer.alloc(0);
    const onAbort = () => done({ kind: 'aborted' });
    abort?.addEventListener('abort', onAbort);
    const done = (opened: Opened) => {
      abort?.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (opened.kind !== 'started') socket.destroy();
      resolve(opened);
    };
    const onData = (chunk: Buffer) => {
      got = got.length ? Buffer.concat([got, chunk]) : chunk;
      if (got.length < 8 || got.length < 8 + got.readUInt32BE(4)) return;
      const length = got.readUInt32BE(4);
      socket.pause();
      if (got[0] === STARTED) {
        const rest = got.subarray(8 + length);
        if (rest.length) socket.unshift(rest);
        done({ kind: 'started', socket });
      } else if (got[0] === FAILED && length >= 4) {
        done({ kind: 'failed', errno: got.readUInt32BE(8), stage: got.toString('latin1', 12, 8 + length) });
      } else done({ kind: 'closed' });
    };
    const onClose = () => done({ kind: 'closed' });
    // Errors end in 'close'; one before the connection means nobody listens.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!connected) done(error.code === 'EAGAIN' ? { kind: 'busy' } : { kind: 'absent' });
    });
    if (connected) socket.write(request);
    else {
      socket.once('connect', () => {
        connected = true;
        socket.write(request);
      });
    }
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

/** A start that failed for an errno, as docker's cases take it (worded as the engine words them). */
const ERRNO_FAILURES: Record<string, { words: string; kind: StartFailure['kind'] }> = {
  ENOENT: { words: 'no such file or directory', kind: 'not-found' },
  EACCES: { words: 'permission denied', kind: 'cannot-execute' },
  ENOEXEC: { words: 'exec format error', kind: 'cannot-execute' },
  ENOTDIR: { words: 'not a directory', kind: 'cannot-execute' },
  EISDIR: { words: 'is a directory', kind: 'cannot-execute' },
};

/** Why a warm call did not start, from the errno and the stage (exec, chdir, …) the server reports. */
export function warmStartFailure(errno: number, stage: string, command: string): StartFailure {
  const name = Object.entries(constants.errno).find(([, n]) => n === errno)?.[0] ?? `errno ${errno}`;
  const { words, kind } = ERRNO_FAILURES[name] ?? { words: name, kind: 'other' };
  if (stage !== 'exec') return { kind, detail: `${stage}: ${words}` };
  if (name === 'ENOENT' && !command.includes('/')) return { kind, detail: `exec: "${command}": executable file not found in $PATH` };
  return { kind, detail: `exec: "${command}": ${words}` };
}

export function sendSignal(socket: Duplex, signal: NodeJS.Signals, group: boolean): void {
  socket.write(Buffer.concat([header(SIGNAL, 2), Buffer.from([constants.signals[signal], group ? 1 : 0])]));
}

export function sendResize(socket: Duplex, rows: number, columns: number): void {
  const payload = Buffer.alloc(4);
  payload.writeUInt16BE(rows, 0);
  payload.writeUInt16BE(columns, 2);
  socket.write(Buffer.concat([header(RESIZE, 4), payload]));
}

/**
 * Streams stdin to the server in frames, never more than WINDOW ahead of what it has passed on
 * (`credit` is told of each CREDIT frame): so the server always reads its socket, and a signal
 * never waits behind stdin the tool does not read. Its end is a frame of its own.
 */
export function pumpFramedStdin(stdin: NodeJS.ReadStream, socket: Duplex): { credit(bytes: number): void; stop(): void } {
  let credit = WINDOW;
  let pending: Buffer | undefined;
  let ended = false;
  let endSent = false;
  const send = (chunk: Buffer) => {
    let offset = 0;
    socket.cork();
    while (offset < chunk.length && credit > 0) {
      const n = Math.min(chunk.length - offset, credit, CHUNK);
      socket.write(header(STDIN, n));
      socket.write(chunk.subarray(offset, offset + n));
      offset += n;
      credit -= n;
    }
    socket.uncork();
    pending = offset < chunk.length ? chunk.subarray(offset) : undefined;
    if (pending) stdin.pause();
  };
  const finish = () => {
    if (!ended || pending || endSent) return;
    endSent = true;
    socket.write(header(STDIN_END, 0));
  };
  const onData = (chunk: Buffer) => {
    spent(chunk.length);
    send(chunk);
  };
  const onEnd = () => {
    ended = true;
    finish();
  };
  stdin.on('data', onData);
  stdin.on('end', onEnd);
  // A stdin that fails (a terminal hung up) has ended, for the tool as for berth.
  stdin.on('error', onEnd);
  return {
    credit(bytes: number) {
      credit += bytes;
      if (!pending) return;
      send(pending);
      if (!pending) {
        if (!ended) stdin.resume();
        finish();
      }
    },
    stop() {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onEnd);
      stdin.pause();
    },
  };
}
