import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Duplex } from 'node:stream';
import path from 'node:path';
import { privateDirectory } from '../../platform/files.js';
import { SSH_FAILED } from '../engine-client.js';

/** An `ssh://[user@]host[:port]` engine: what the ssh command needs. */
export interface SshEndpoint {
  /** The endpoint as configured (the control socket is named after it). */
  url: string;
  user?: string;
  hostname: string;
  port?: number;
}


/**
 * How long ssh may take to connect (its own ConnectTimeout): a host that drops packets fails a
 * run in seconds; the request's own deadline (engine-api.ts) bounds the rest.
 */
const CONNECT_TIMEOUT_S = Number(process.env.BERTH_SSH_CONNECT_TIMEOUT) || 10;

/**
 * How long the shared connection stays up after berth's last use: the next run within it costs no
 * ssh connection set-up either (the docker CLI's own advice for ssh engines).
 */
const PERSIST_S = 60;

/** ssh creates its control socket as PATH.XXXXXXXXXXXXXXXX first; sun_path takes 107 bytes. */
const CONTROL_PATH_MAX = 107 - 17;

/**
 * The ssh command line of one connection to the engine: the system `ssh`, so host keys, keys,
 * agents, jump hosts and `~/.ssh/config` are ssh's own and berth adds no trust of its own. Every
 * connection shares one ssh connection (ControlMaster, its socket in berth's runtime directory, one
 * per endpoint): the first becomes the master, the others are channels in it; on the far side each
 * runs `docker system dial-stdio`, which carries one HTTP connection to the engine, as the docker
 * CLI does. BatchMode: ssh never prompts (berth's terminal is the tool's); a password or an unknown
 * host key fails in one line instead.
 */
export function sshCommand(endpoint: SshEndpoint, controlSocket: string | undefined): string[] {
  const sharing = controlSocket ? ['-o', 'ControlMaster=auto', '-o', `ControlPath=${controlSocket}`, '-o', `ControlPersist=${PERSIST_S}`] : [];
  return [
    ...sharing,
    '-o',
    'BatchMode=yes',
    '-o',
    `ConnectTimeout=${CONNECT_TIMEOUT_S}`,
    ...(endpoint.user ? ['-l', endpoint.user] : []),
    ...(endpoint.port ? ['-p', String(endpoint.port)] : []),
    // After `--` the host is never read as an option (a host of `-oProxyCommand=...`).
    '--',
    endpoint.hostname,
    'docker',
    'system',
    'dial-stdio',
  ];
}

/** The control socket for `endpoint` under berth's runtime directory, made private; undefined where its path would be too long for a socket. */
export function controlSocketFor(file: string): string | undefined {
  if (Buffer.byteLength(file) > CONTROL_PATH_MAX) return undefined;
  try {
    privateDirectory(path.dirname(file));
  } catch {
    return undefined;
  }
  return file;
}

/**
 * One connection to the engine through ssh, as a stream: what berth writes goes to the far
 * side's `docker system dial-stdio`, what it answers is read. ssh runs in a process group of its
 * own, so a Ctrl-C at the terminal reaches the tool (berth forwards it), not the connection.
 * `after`: spawned only once it settles (the first connection of a run sets up the shared ssh
 * connection; the others then join it instead of each making their own).
 */
export class SshConnection extends Duplex {
  private child?: ChildProcess;
  private readonly spawned: Promise<ChildProcess | undefined>;
  private stderr = '';
  private answered = false;
  private referenced = true;
  /** Settles once the far side has answered or the connection has ended (a later one may then share it). */
  readonly settled: Promise<void>;

  constructor(args: string[], after?: Promise<void>) {
    super();
    let settle!: () => void;
    this.settled = new Promise((resolve) => (settle = resolve));
    this.spawned = (after ?? Promise.resolve()).then(() => {
      if (this.destroyed) {
        settle();
        return undefined;
      }
      const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      this.child = child;
      if (!this.referenced) this.unrefChild();
      child.stdout!.on('data', (chunk: Buffer) => {
        if (!this.answered) {
          this.answered = true;
          settle();
        }
        if (!this.push(chunk)) child.stdout!.pause();
      });
      child.stdout!.on('end', () => this.push(null));
      child.stderr!.on('data', (chunk: Buffer) => {
        // The last words are what is said when it fails; keep a little.
        this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4096);
      });
      child.stdin!.on('error', () => undefined); // its end is reported by 'close'
      child.on('error', (error: NodeJS.ErrnoException) => {
        settle();
        const words = error.code === 'ENOENT' ? 'ssh is not installed (berth reaches ssh:// engines through the system ssh)' : error.message;
        this.destroy(Object.assign(new Error(words), { code: SSH_FAILED }));
      });
      child.on('close', (code, signal) => {
        settle();
        if (this.destroyed) return;
        if (!this.answered && (code !== 0 || signal)) {
          this.destroy(Object.assign(new Error(this.lastWords() || `ssh exited with ${signal ?? `code ${code}`}`), { code: SSH_FAILED, exitCode: code }));
          return;
        }
        this.push(null);
        this.destroy();
      });
      return child;
    });
  }

  /** What ssh (or the far side) said last: its error. */
  private lastWords(): string {
    const lines = this.stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    return lines.at(-1) ?? '';
  }

  override _read(): void {
    this.child?.stdout?.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    void this.spawned.then((child) => {
      if (!child || !child.stdin || child.stdin.destroyed) callback();
      else child.stdin.write(chunk, () => callback());
    });
  }

  /** Half-closes: the far side sees the end of what berth sends (an attach's stdin ends). */
  override _final(callback: (error?: Error | null) => void): void {
    void this.spawned.then((child) => {
      child?.stdin?.end();
      callback();
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // The channel's client only: the shared connection lives on for the run's other requests.
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    callback(error);
  }

  /** Idle in the pool: does not keep berth running. */
  unref(): this {
    this.referenced = false;
    this.unrefChild();
    return this;
  }

  ref(): this {
    this.referenced = true;
    const child = this.child;
    if (child) {
      child.ref();
      for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { ref?: () => void } | null)?.ref?.();
    }
    return this;
  }

  private unrefChild(): void {
    const child = this.child;
    if (!child) return;
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
  }
}

/**
 * The connections of one engine over ssh: the first of a run goes alone (it sets up the shared
 * connection), and the others wait until it has answered or failed, then share it, so a run
 * costs one ssh connection set-up however many requests it has in flight.
 */
export class SshConnector {
  private first?: Promise<void>;
  private readonly args: string[];
  readonly sharing: boolean;

  constructor(endpoint: SshEndpoint, controlSocket: string | undefined) {
    const socket = controlSocket === undefined ? undefined : controlSocketFor(controlSocket);
    this.sharing = socket !== undefined;
    this.args = sshCommand(endpoint, socket);
    // A master left from an earlier run within its persist time: nothing to wait for.
    if (socket && existsSync(socket)) this.first = Promise.resolve();
  }

  connect(): SshConnection {
    if (!this.sharing) return new SshConnection(this.args);
    if (this.first) return new SshConnection(this.args, this.first);
    const connection = new SshConnection(this.args);
    this.first = connection.settled;
    return connection;
  }
}
