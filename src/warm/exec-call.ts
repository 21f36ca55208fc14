import { Duplex, Writable } from 'node:stream';
import { engineStatus, type EngineClient } from '../runtime/engine-client.js';
import { demultiplex } from '../runtime/stdio/streams.js';
import { startCall, type Opened } from './call.js';
import { SERVER_IN_IMAGE } from './server.js';

/**
 * Warm calls where berth cannot reach the warm server's socket: an engine on another machine
 * (ssh://, a remote tcp://) or in a VM, whose containers see none of berth's files. The container
 * has the server in its own root filesystem (put there before its start) and its socket in its
 * own /dev/shm; each call is one `docker exec` of the server's relay (`--relay SOCKET`,
 * native/warm-server.c), which copies the exec's stdin to the socket and the socket to its
 * stdout. So berth speaks the very protocol of call.ts through the exec's stream: the same
 * frames, stdin credit, signals and resizes sent to the server (which signals the tool: the
 * engine cannot signal an exec), exit codes 128+N, a pty the server allocates, the tool's process
 * group killed when berth goes away (its exec's stdin closes, the relay's connection with it).
 *
 * Costs, against the socket: the engine's two requests (create, start) and runc's exec of the
 * relay (~60 ms); against a fresh container, still a fraction (bench/run.ts measures it).
 */

/** The server's socket in an exec-served container: /dev/shm is a tmpfs of the container's own, writable by any of its users (mode 1777). */
export const EXEC_SOCKET = '/dev/shm/.berth-warm';

/**
 * An exec's stream as the server's connection: reading gives the relay's stdout (the engine
 * multiplexes it: no TTY), writing goes to its stdin. The relay's stderr (it writes none) is
 * dropped.
 */
class ExecChannel extends Duplex {
  private wake?: () => void;

  constructor(private readonly raw: Duplex) {
    super();
    const out = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        if (this.push(chunk)) callback();
        else this.wake = callback;
      },
    });
    demultiplex(raw, out, new Writable({ write: (_chunk, _encoding, callback) => callback() }));
    // What the engine sent last reaches the reader before the end.
    raw.once('end', () => out.end());
    out.once('finish', () => this.push(null));
    raw.once('close', () => out.end());
    raw.once('error', (error) => this.destroy(error));
  }

  override _read(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.raw.write(chunk, (error) => callback(error));
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.raw.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.raw.destroy();
    callback(error);
  }
}

/**
 * Asks the server in the warm container `name` to start the call, through an exec of its relay.
 * `absent`: no such container running (made anew); `aborted`: it is paused (the call runs fresh);
 * `closed`: the relay found no server (idling out: the container is about to stop).
 */
export async function openExecCall(engine: EngineClient, name: string, request: Buffer, abort?: AbortSignal): Promise<Opened> {
  let execId: string;
  try {
    execId = await engine.createExec(name, { Cmd: [SERVER_IN_IMAGE, '--relay', EXEC_SOCKET], AttachStdin: true, AttachStdout: true, AttachStderr: true });
  } catch (error) {
    // 409: not running (stopping, or created and not started), or paused.
    if (engineStatus(error) === 409 && /paused/i.test((error as Error).message)) return { kind: 'aborted' };
    if (engineStatus(error) === 404 || engineStatus(error) === 409) return { kind: 'absent' };
    throw error;
  }
  const raw = await engine.startExec(execId);
  return startCall(new ExecChannel(raw), request, abort, true);
}
