import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, RequestOptions } from 'node:http';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { engineEndpoint } from './connection.js';

// node:http through require: importing it as ESM makes Node load undici too (~20 ms of start-up).
const require = createRequire(import.meta.url);
const { Agent: HttpAgent, request: httpRequest } = require('node:http') as typeof import('node:http');
const { Agent: HttpsAgent, request: httpsRequest } = require('node:https') as typeof import('node:https');

/**
 * The Engine API over plain node:http, for the calls of a run (inspect, create, attach, wait,
 * start, kill, resize, exec). A run is start-up bound: this costs nothing to load, where
 * dockerode loads gRPC, protobuf and ssh2 eagerly. dockerode remains the client for everything
 * else (pulls, listings, doctor).
 */
export class EngineApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly json: { message?: string },
  ) {
    super(json.message ?? `HTTP ${statusCode}`);
  }
}

interface Target {
  base: RequestOptions;
  secure: boolean;
}

function target(env: NodeJS.ProcessEnv = process.env): Target {
  const endpoint = engineEndpoint(env);
  if (!endpoint || endpoint.startsWith('unix://')) {
    let socketPath = endpoint?.slice('unix://'.length);
    if (!socketPath) {
      // Docker Desktop's per-user socket, as docker-modem looks for it, else the system one.
      const user = path.join(homedir(), '.docker', 'run', 'docker.sock');
      socketPath = existsSync(user) ? user : '/var/run/docker.sock';
    }
    return { base: { socketPath, agent: new HttpAgent({ keepAlive: true }) }, secure: false };
  }
  const secure = Boolean(env.DOCKER_TLS_VERIFY) || endpoint.startsWith('https:');
  const url = new URL(endpoint.replace(/^tcp:/, secure ? 'https:' : 'http:'));
  const base: RequestOptions = { host: url.hostname, port: url.port || (secure ? 2376 : 2375) };
  if (secure) {
    const certs = env.DOCKER_CERT_PATH || path.join(homedir(), '.docker');
    const read = (f: string) => (existsSync(path.join(certs, f)) ? readFileSync(path.join(certs, f)) : undefined);
    Object.assign(base, { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem'), agent: new HttpsAgent({ keepAlive: true }) });
  } else base.agent = new HttpAgent({ keepAlive: true });
  return { base, secure };
}

export class EngineApi {
  private readonly target = target();

  private send(method: string, apiPath: string, body?: unknown, headers: Record<string, string | number> = {}) {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const options: RequestOptions = {
      ...this.target.base,
      method,
      path: apiPath,
      headers: { ...headers, ...(data ? { 'Content-Type': 'application/json' } : {}), 'Content-Length': data?.length ?? 0 },
    };
    const request = (this.target.secure ? httpsRequest : httpRequest)(options);
    request.end(data);
    return request;
  }

  /** Lets the process exit: idle keep-alive connections are closed. */
  close(): void {
    (this.target.base.agent as InstanceType<typeof HttpAgent> | undefined)?.destroy();
  }

  /** A JSON call: resolves with the parsed body, rejects with EngineApiError on an error status. */
  call<T = unknown>(method: string, apiPath: string, body?: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      const request = this.send(method, apiPath, body);
      request.on('error', reject);
      request.on('response', (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = { message: text.trim() };
          }
          const status = response.statusCode ?? 0;
          if (status >= 400) reject(new EngineApiError(status, (json as { message?: string }) ?? {}));
          else resolve(json as T);
        });
      });
    });
  }

  /** A streamed response (a pull's progress): resolves once the status is good, else rejects. */
  stream(method: string, apiPath: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const request = this.send(method, apiPath, undefined, headers);
      request.on('error', reject);
      request.on('response', (response: IncomingMessage) => {
        if ((response.statusCode ?? 0) < 400) resolve(response);
        else void failure(response).then(reject);
      });
    });
  }

  /**
   * A hijacked connection (attach, exec start): the raw socket after the engine's 101. The
   * request carries an empty body, so nothing but the tool's stdin ever reaches the stream.
   */
  upgrade(apiPath: string, body?: unknown): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const request = this.send('POST', apiPath, body, { Connection: 'Upgrade', Upgrade: 'tcp' });
      request.on('upgrade', (_response, socket: Duplex, head: Buffer) => {
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
      });
      // A response instead of the upgrade: the engine refused (no such container, …).
      request.on('response', (response: IncomingMessage) => void failure(response).then(reject));
      request.on('error', reject);
    });
  }
}

/** The engine's error response as an EngineApiError: its JSON message, or its text. */
function failure(response: IncomingMessage): Promise<EngineApiError> {
  return new Promise((resolve) => {
    let text = '';
    response.on('data', (c: Buffer) => (text += c.toString()));
    response.on('end', () => {
      let message = text.trim();
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {
        // plain text
      }
      resolve(new EngineApiError(response.statusCode ?? 0, { message: message || `HTTP ${response.statusCode}` }));
    });
  });
}

let api: EngineApi | undefined;

/** One client per process. */
export function engineApi(): EngineApi {
  return (api ??= new EngineApi());
}
