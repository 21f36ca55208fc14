import { createRequire } from 'node:module';
import { connect as netConnect } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import { EngineApiError, NO_ANSWER, STALLED } from '../engine-client.js';
import { sshControlSocket } from '../../platform/paths.js';
import { engineTarget, type Target } from './endpoint.js';

const require = createRequire(import.meta.url);

export interface ResponseHead {
  status: number;
  headers: Record<string, string>;
}

export interface ResponseHandlers {
  /** The status line and headers; returning 'upgrade' ends parsing (the rest is the raw stream). */
  head(head: ResponseHead): 'upgrade' | undefined;
  data(chunk: Buffer): void;
  /** The body is complete; keepAlive: the connection may carry another request. */
  end(keepAlive: boolean): void;
}

/** Reads one HTTP/1.1 response, fed the bytes as they arrive. */
export class ResponseParser {
  private buffer: Buffer = Buffer.alloc(0);
  private state: 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'until-close' | 'done' = 'head';
  private left = 0;
  private keepAlive = true;

  constructor(
    private readonly bodyless: boolean,
    private readonly on: ResponseHandlers,
  ) {}

  get started(): boolean {
    return this.state !== 'head' || this.buffer.length > 0;
  }

  get done(): boolean {
    return this.state === 'done';
  }

  /** Parses `chunk`; after an upgrade, returns the bytes that already belong to the raw stream. */
  push(chunk: Buffer): Buffer | undefined {
    this.buffer = this.buffer.length > 0 ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      switch (this.state) {
        case 'head': {
          const end = this.buffer.indexOf('\r\n\r\n');
          if (end === -1) {
            if (this.buffer.length > 64 * 1024) throw new Error('the engine sent a response head over 64 KiB');
            return undefined;
          }
          const [statusLine = '', ...lines] = this.buffer.toString('latin1', 0, end).split('\r\n');
          this.buffer = this.buffer.subarray(end + 4);
          const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
          if (!status) throw new Error(`the engine sent no HTTP response: ${JSON.stringify(statusLine.slice(0, 80))}`);
          const headers: Record<string, string> = {};
          for (const line of lines) {
            const colon = line.indexOf(':');
            if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
          }
          if (status === 100) continue;
          if (this.on.head({ status, headers }) === 'upgrade') {
            this.state = 'done';
            return this.buffer;
          }
          this.keepAlive = !/\bclose\b/i.test(headers.connection ?? '');
          if (this.bodyless || status === 204 || status === 304 || status < 200) this.finish();
          else if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) this.state = 'chunk-size';
          else if (headers['content-length'] !== undefined) {
            this.left = Number(headers['content-length']);
            this.state = 'length';
            if (!(this.left > 0)) this.finish();
          } else {
            this.keepAlive = false;
            this.state = 'until-close';
          }
          break;
        }
        case 'length':
        case 'chunk-data': {
          if (this.buffer.length === 0) return undefined;
          const take = Math.min(this.left, this.buffer.length);
          this.on.data(this.buffer.subarray(0, take));
          this.buffer = this.buffer.subarray(take);
          this.left -= take;
          if (this.left === 0) {
            if (this.state === 'length') this.finish();
            else this.state = 'chunk-end';
          }
          break;
        }
        case 'chunk-size': {
          const eol = this.buffer.indexOf('\r\n');
          if (eol === -1) return undefined;
          const size = Number.parseInt(this.buffer.toString('latin1', 0, eol).split(';')[0]!, 16);
          if (!Number.isFinite(size) || size < 0) throw new Error('the engine sent a malformed chunked response');
          this.buffer = this.buffer.subarray(eol + 2);
          if (size === 0) this.state = 'trailers';
          else {
            this.left = size;
            this.state = 'chunk-data';
          }
          break;
        }
        case 'chunk-end': {
          if (this.buffer.length < 2) return undefined;
          this.buffer = this.buffer.subarray(2);
          this.state = 'chunk-size';
          break;
        }
        case 'trailers': {
          const eol = this.buffer.indexOf('\r\n');
          if (eol === -1) return undefined;
          this.buffer = this.buffer.subarray(eol + 2);
          if (eol === 0) this.finish();
          break;
        }
        case 'until-close': {
          if (this.buffer.length > 0) this.on.data(this.buffer);
          this.buffer = Buffer.alloc(0);
          return undefined;
        }
        case 'done':
          return undefined;
      }
    }
  }

  /** The connection closed: the end of a body read until close, else a truncated response. */
  closed(): boolean {
    if (this.state !== 'until-close') return false;
    this.finish();
    return true;
  }

  private finish(): void {
    this.state = 'done';
    this.buffer = Buffer.alloc(0);
    this.on.end(this.keepAlive);
  }
}

interface Reply {
  head: ResponseHead;
  /** The body as it arrives (not for an upgrade). */
  body: Readable;
  /** The raw connection after a 101. */
  socket?: Duplex;
}

/**
 * The deadline of every engine call that is not the tool's own run (create, inspect, list, start,
 * remove, …): an engine that accepts connections and never answers fails berth in one line
 * instead of hanging it. The wait for a tool's exit has none (`timeoutMs: Infinity`).
 */
export const CALL_TIMEOUT_MS = Number(process.env.BERTH_ENGINE_TIMEOUT) * 1000 || 60_000;

/**
 * The transport of the Engine API: HTTP/1.1 over the engine's socket, spoken here directly. A run
 * is start-up bound, and the engine's protocol is a small part of HTTP: requests with a JSON body
 * or none, responses framed by Content-Length or chunked, keep-alive, and the 101 upgrade of
 * attach and exec start. node:http costs more than a whole run's requests the first time it is
 * used (loading it and its agent, parser and IP checks: ~12 ms); node:net is most of what it
 * needs, and the standard streams load it anyway when they are pipes or terminals. The engine's
 * paths and bodies are docker-client.ts's.
 */
export class EngineApi {
  private found?: Target;
  /** Where the engine is: found once, at the first request (one berth cannot speak to fails it). */
  get target(): Target {
    return (this.found ??= engineTarget());
  }
  /** Connections kept open between requests (keep-alive). */
  private readonly idle: Array<{ socket: Duplex; forget: () => void }> = [];

  /** Lets the process exit: idle keep-alive connections are closed. */
  close(): void {
    for (const { socket } of this.idle.splice(0)) socket.destroy();
  }

  /**
   * A JSON call: resolves with the parsed body, rejects with EngineApiError on an error status.
   * `timeoutMs` bounds the whole exchange (connect to the body's end), for calls that must not
   * wait on an engine that does not answer; it rejects with code NO_ANSWER.
   */
  async call<T = unknown>(method: string, apiPath: string, body?: unknown, options: { timeoutMs?: number } = {}): Promise<T> {
    const timeoutMs = options.timeoutMs ?? CALL_TIMEOUT_MS;
    const reply = await this.request(method, apiPath, body, {}, Number.isFinite(timeoutMs) ? timeoutMs : undefined);
    if (reply.head.status >= 400) throw await failure(reply);
    const text = await readAll(reply.body);
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      return text as T; // the few plain-text answers (_ping)
    }
  }

  /**
   * A streamed response (a pull's or a build's progress, a wait's answer): resolves once the
   * status is good, else rejects. `body`: bytes sent as they are, of their own type (a build's tar
   * context). `headMs`: the deadline of the response's head only (the body is the stream's own).
   */
  async stream(method: string, apiPath: string, headers: Record<string, string> = {}, options: { stallMs?: number; headMs?: number; body?: RawBody } = {}): Promise<Readable> {
    const reply = await this.request(method, apiPath, options.body, headers, options.headMs, options.stallMs, options.headMs !== undefined);
    if (reply.head.status >= 400) throw await failure(reply);
    return reply.body;
  }

  /**
   * A hijacked connection (attach, exec start): the raw socket after the engine's 101. The
   * request carries only its JSON options, so nothing but the tool's stdin ever reaches the stream.
   */
  async upgrade(apiPath: string, body?: unknown): Promise<Duplex> {
    // The deadline holds until the engine's 101; the raw stream after it is the tool's own.
    const reply = await this.request('POST', apiPath, body, { Connection: 'Upgrade', Upgrade: 'tcp' }, CALL_TIMEOUT_MS);
    if (reply.socket) return reply.socket;
    // A response instead of the upgrade: the engine refused (no such container, …).
    throw await failure(reply);
  }

  /** An ssh engine's connections (one shared ssh connection: ssh.ts). */
  private ssh?: import('./ssh.js').SshConnector;

  private connect(): Duplex | Promise<Duplex> {
    const t = this.target;
    if (t.kind === 'unix') return netConnect(t.path);
    if (t.kind === 'ssh') {
      if (this.ssh) return this.ssh.connect();
      // child_process loads only for an engine reached over ssh.
      return import('./ssh.js').then(({ SshConnector }) => (this.ssh ??= new SshConnector(t, sshControlSocket(t.url))).connect());
    }
    if (t.kind === 'tcp') return netConnect({ host: t.hostname, port: t.port }).setNoDelay(true);
    // TLS loads only for an engine reached over it.
    const { connect } = require('node:tls') as typeof import('node:tls');
    return connect({ host: t.hostname, port: t.port, servername: /^[\d.:]+$/.test(t.hostname) ? undefined : t.hostname, ca: t.ca, cert: t.cert, key: t.key }).setNoDelay(true);
  }

  /**
   * Sends one request on an idle connection or a new one. A kept connection that the engine has
   * closed meanwhile fails before any response byte: the request is sent again on a new one.
   */
  private request(method: string, apiPath: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs?: number, stallMs?: number, untilHead = false): Promise<Reply> {
    // A body is JSON, or bytes of their own type (a tar archive).
    const raw = isRaw(body) ? body : undefined;
    const payload = raw ? raw.raw : body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    let head = `${method} ${apiPath} HTTP/1.1\r\nHost: ${this.target.host}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    if (payload) head += `Content-Type: ${raw ? raw.type : 'application/json'}\r\n`;
    head += `Content-Length: ${payload?.length ?? 0}\r\n\r\n`;
    const bytes = payload ? Buffer.concat([Buffer.from(head, 'latin1'), payload]) : Buffer.from(head, 'latin1');
    const upgrade = headers.Upgrade !== undefined;
    // One deadline for both attempts, so a retry does not double the wait.
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    const attempt = async (retry: boolean): Promise<Reply> => {
      const kept = retry ? this.take() : undefined;
      const socket = kept ?? (await this.connect());
      return this.exchange(socket, method === 'HEAD', upgrade, bytes, deadline, stallMs, untilHead).catch((error: unknown) => {
        if (kept && (error as { beforeResponse?: boolean }).beforeResponse) return attempt(false);
        throw error;
      });
    };
    return attempt(true);
  }

  private exchange(socket: Duplex, bodyless: boolean, upgrade: boolean, bytes: Buffer, deadline?: number, stallMs?: number, untilHead = false): Promise<Reply> {
    const { PassThrough } = require('node:stream') as typeof import('node:stream');
    return new Promise((resolve, reject) => {
      const body = new PassThrough();
      let replied = false;
      // Past the deadline the exchange fails as a dead connection would: socket gone, error out.
      const timer =
        deadline === undefined
          ? undefined
          : setTimeout(() => onError(noAnswer()), Math.max(0, deadline - Date.now()));
      // A stream that stops moving (a pull whose registry stalls): no byte for stallMs fails it.
      let stall: NodeJS.Timeout | undefined;
      const moved = () => {
        if (stallMs === undefined) return;
        clearTimeout(stall);
        stall = setTimeout(() => onError(Object.assign(new Error(`no progress for ${stallMs / 1000} s`), { code: STALLED })), stallMs);
      };
      moved();
      const detach = () => {
        clearTimeout(timer);
        clearTimeout(stall);
        socket.off('data', onData);
        socket.off('error', onError);
        socket.off('close', onClose);
      };
      const parser = new ResponseParser(bodyless, {
        head: (h) => {
          replied = true;
          if (untilHead) clearTimeout(timer);
          if (upgrade && h.status === 101) {
            resolve({ head: h, body, socket });
            return 'upgrade';
          }
          resolve({ head: h, body });
          return undefined;
        },
        data: (chunk) => body.write(chunk),
        end: (keepAlive) => {
          detach();
          body.end();
          if (keepAlive && !socket.destroyed) this.keep(socket);
          else socket.destroy();
        },
      });
      const onData = (chunk: Buffer) => {
        moved();
        let rest: Buffer | undefined;
        try {
          rest = parser.push(chunk);
        } catch (error) {
          onError(error as Error);
          return;
        }
        if (rest !== undefined) {
          // Handed over: the caller reads the stream from here, nothing of it lost meanwhile.
          detach();
          (socket as { readableFlowing: boolean | null }).readableFlowing = null;
          if (rest.length > 0) socket.unshift(rest);
        }
      };
      const onError = (error: Error) => {
        detach();
        socket.destroy();
        if (!replied) reject(Object.assign(error, { beforeResponse: !parser.started }));
        else body.destroy(error);
      };
      const onClose = () => {
        if (parser.done) return;
        if (parser.closed()) return;
        onError(Object.assign(new Error('the engine closed the connection before its response was complete'), { code: 'ECONNRESET' }));
      };
      socket.on('data', onData);
      socket.on('error', onError);
      socket.on('close', onClose);
      socket.write(bytes);
    });
  }

  /** Keeps a connection for the next request; while idle, it does not hold the process open. */
  private keep(socket: Duplex): void {
    const forget = () => {
      const i = this.idle.findIndex((kept) => kept.socket === socket);
      if (i !== -1) this.idle.splice(i, 1);
    };
    socket.once('close', forget);
    socket.once('error', forget);
    (socket as Duplex & { unref?: () => void }).unref?.();
    this.idle.push({ socket, forget });
  }

  /** An idle connection, taken out of the pool. */
  private take(): Duplex | undefined {
    const kept = this.idle.pop();
    if (!kept) return undefined;
    kept.socket.off('close', kept.forget);
    kept.socket.off('error', kept.forget);
    (kept.socket as Duplex & { ref?: () => void }).ref?.();
    return kept.socket;
  }
}

/** A request body sent as it is, with its own Content-Type. */
export interface RawBody {
  raw: Buffer;
  type: string;
}

function isRaw(body: unknown): body is RawBody {
  return typeof body === 'object' && body !== null && Buffer.isBuffer((body as RawBody).raw);
}

/** A response body, whole, as text. */
export function readAll(body: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    body.on('data', (c: Buffer) => chunks.push(c));
    body.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    body.on('error', reject);
  });
}

/** The engine's error response as an EngineApiError: its JSON message, or its text. */
async function failure(reply: Reply): Promise<EngineApiError> {
  const text = await readAll(reply.body).catch(() => '');
  let message = text.trim();
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? message;
  } catch {
    // plain text
  }
  return new EngineApiError(reply.head.status, { message: message || `HTTP ${reply.head.status}` });
}

function noAnswer(): Error {
  return Object.assign(new Error('the engine did not answer in time'), { code: NO_ANSWER });
}
