import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import { BerthError, EngineError, EngineUnreachableError } from '../../platform/errors.js';
import { dockerCertificateDirectory, dockerConfigDirectory } from '../../platform/paths.js';
import { NO_ANSWER, SSH_FAILED } from '../engine-client.js';

const require = createRequire(import.meta.url);

/**
 * Where the engine is: DOCKER_HOST when set, else the docker context in use (colima, Rancher
 * Desktop and Podman set one up instead of DOCKER_HOST), else the default local socket.
 */
export function engineEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.DOCKER_HOST) return env.DOCKER_HOST;
  const configDir = dockerConfigDirectory(env);
  let context = env.DOCKER_CONTEXT;
  if (!context) {
    try {
      context = (JSON.parse(readFileSync(path.join(configDir, 'config.json'), 'utf8')) as { currentContext?: string }).currentContext;
    } catch {
      // no config: the default context
    }
  }
  if (!context || context === 'default') return undefined;
  // docker names a context's directory by the sha256 of its name; crypto loads only here.
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const id = createHash('sha256').update(context).digest('hex');
  try {
    const meta = JSON.parse(readFileSync(path.join(configDir, 'contexts', 'meta', id, 'meta.json'), 'utf8')) as {
      Endpoints?: { docker?: { Host?: string } };
    };
    return meta.Endpoints?.docker?.Host;
  } catch {
    throw new EngineError(`docker context "${context}" is selected but has no endpoint in ${configDir}/contexts`);
  }
}

/**
 * The local sockets berth looks for when no endpoint is configured, in order: Docker Desktop's
 * per-user socket (as docker-modem looks for it), the system Docker socket, then rootless
 * Podman's and rootful Podman's.
 */
export function localSockets(env: NodeJS.ProcessEnv = process.env): string[] {
  return [
    path.join(homedir(), '.docker', 'run', 'docker.sock'),
    '/var/run/docker.sock',
    ...(env.XDG_RUNTIME_DIR ? [path.join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock')] : []),
    '/run/podman/podman.sock',
  ];
}

/**
 * The first of `sockets` this user can connect to (it exists, and they may write it: a Docker
 * socket of a group they are not in is passed over for their own Podman's); else the first that
 * exists (its refusal is then the error), else the system Docker socket. Only file checks: no
 * connection is tried, so finding the engine costs a run no time.
 */
export function pickSocket(sockets: string[]): string {
  const usable = (file: string) => {
    try {
      accessSync(file, constants.R_OK | constants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  return sockets.find(usable) ?? sockets.find((file) => existsSync(file)) ?? '/var/run/docker.sock';
}

/** The engine's address as berth reaches it: the configured endpoint, else the local socket found. */
export function engineAddress(env: NodeJS.ProcessEnv = process.env): string {
  return engineEndpoint(env) ?? `unix://${pickSocket(localSockets(env))}`;
}

/** The CA and client certificate (and key) for a TLS engine, those of them that exist. */
function clientCertificates(env: NodeJS.ProcessEnv = process.env): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const dir = dockerCertificateDirectory(env);
  const read = (f: string) => (existsSync(path.join(dir, f)) ? readFileSync(path.join(dir, f)) : undefined);
  return { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
}

export type Target =
  | { kind: 'unix'; path: string; host: string }
  | { kind: 'tcp'; hostname: string; port: number; host: string }
  | { kind: 'tls'; hostname: string; port: number; host: string; ca?: Buffer; cert?: Buffer; key?: Buffer }
  /** port 0: ssh's own choice (its config's Port, else 22). */
  | { kind: 'ssh'; url: string; user?: string; hostname: string; port: number; host: string };

/**
 * An `ssh://[user@]host[:port]` endpoint, read as the docker CLI reads it: no path, query or
 * password; a host that could be read as an ssh option is refused.
 */
function sshTarget(endpoint: string): Target {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new EngineUnreachableError(`cannot reach the Docker engine at ${endpoint}: not an ssh://[user@]host[:port] address`);
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const wrong = url.password ? 'a password (use ssh keys or an agent)' : (url.pathname && url.pathname !== '/') || url.search || url.hash ? 'a path' : !hostname ? 'no host' : hostname.startsWith('-') ? `a host that is not one (${hostname})` : undefined;
  if (wrong) throw new EngineUnreachableError(`cannot reach the Docker engine at ${endpoint}: an ssh:// address has ${wrong}; it is ssh://[user@]host[:port]`);
  const user = url.username ? decodeURIComponent(url.username) : undefined;
  if (user?.startsWith('-')) throw new EngineUnreachableError(`cannot reach the Docker engine at ${endpoint}: not an ssh user name: ${user}`);
  return { kind: 'ssh', url: endpoint, user, hostname, port: Number(url.port) || 0, host: 'docker' };
}

/** How to reach the engine (the one reading of DOCKER_HOST); an EngineUnreachableError for an endpoint berth cannot speak to. */
export function engineTarget(env: NodeJS.ProcessEnv = process.env): Target {
  const endpoint = engineEndpoint(env);
  if (!endpoint || endpoint.startsWith('unix://')) {
    const socketPath = endpoint?.slice('unix://'.length) || pickSocket(localSockets(env));
    return { kind: 'unix', path: socketPath, host: 'docker' };
  }
  if (endpoint.startsWith('ssh://')) return sshTarget(endpoint);
  if (!/^(tcp|https?):\/\//.test(endpoint)) {
    throw new EngineUnreachableError(`cannot reach the Docker engine at ${endpoint}: berth speaks to engines over unix://, tcp:// and ssh://`);
  }
  const secure = Boolean(env.DOCKER_TLS_VERIFY) || endpoint.startsWith('https:');
  const url = new URL(endpoint.replace(/^tcp:/, secure ? 'https:' : 'http:'));
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port) || (secure ? 2376 : 2375);
  if (!secure) return { kind: 'tcp', hostname, port, host: url.host };
  return { kind: 'tls', hostname, port, host: url.host, ...clientCertificates(env) };
}

/** Turns a failed engine call into one line: unreachable engine, or what the engine said. */
export function engineFailure(error: unknown, doing: string): BerthError {
  // Already said for the user (an endpoint berth cannot speak to, a pull refused, …).
  if (error instanceof BerthError) return error;
  const e = error as { code?: string; statusCode?: number; json?: { message?: string }; message?: string };
  if (e.code === NO_ANSWER) {
    const where = engineAddress();
    return new EngineError(`${doing}: the Docker engine at ${where} accepted the connection but did not answer in time (is it hung? BERTH_ENGINE_TIMEOUT sets the deadline in seconds)`);
  }
  if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'EACCES' || e.code === 'EHOSTUNREACH' || e.code === 'ETIMEDOUT') {
    const where = engineAddress();
    const hint = e.code === 'EACCES' ? ' (permission denied: is your user in the docker group?)' : ' (is the Docker engine running?)';
    return new EngineUnreachableError(`cannot reach the Docker engine at ${where}${hint}`);
  }
  const message = (e.json?.message ?? e.message ?? String(error)).trim();
  // ssh could not connect, or the far side could not run `docker system dial-stdio`: ssh's words.
  if (e.code === SSH_FAILED) {
    const hint = (e as { exitCode?: number }).exitCode === 127 ? ' (is docker installed on the far side, and on its PATH for ssh commands?)' : '';
    return new EngineUnreachableError(`cannot reach the Docker engine at ${engineAddress()} over ssh: ${message}${hint}`);
  }
  // TLS refused, either way: the engine's certificate, or berth's in the engine's eyes.
  if (e.code && /CERT|^ERR_SSL_|^ERR_TLS_/.test(e.code)) {
    return new EngineUnreachableError(`cannot reach the Docker engine at ${engineEndpoint()}: TLS: ${message} (certificates from ${dockerCertificateDirectory()})`);
  }
  return new EngineError(`${doing}: ${message}`);
}
