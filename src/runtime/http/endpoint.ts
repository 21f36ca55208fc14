import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { BerthError, EngineError } from '../../platform/errors.js';
import { dockerConfigDirectory } from '../../platform/paths.js';

export type Docker = Dockerode;

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

/** Where the client certificates for a TLS engine are, as docker looks for them. */
export function certificateDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CERT_PATH || path.join(homedir(), '.docker');
}

/** The CA and client certificate (and key) for a TLS engine, those of them that exist. */
export function clientCertificates(env: NodeJS.ProcessEnv = process.env): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const dir = certificateDirectory(env);
  const read = (f: string) => (existsSync(path.join(dir, f)) ? readFileSync(path.join(dir, f)) : undefined);
  return { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
}

let connection: Docker | undefined;

/** One dockerode client per process, imported only when a command needs the engine. */
export async function engine(): Promise<Docker> {
  if (connection) return connection;
  const { default: Docker } = await import('dockerode');
  const endpoint = engineEndpoint();
  const options: Dockerode.DockerOptions = {};
  if (endpoint?.startsWith('unix://')) options.socketPath = endpoint.slice('unix://'.length);
  else if (endpoint) {
    const url = new URL(endpoint.replace(/^tcp:/, process.env.DOCKER_TLS_VERIFY ? 'https:' : 'http:'));
    options.host = url.hostname;
    options.port = url.port || (url.protocol === 'https:' ? 2376 : 2375);
    options.protocol = url.protocol === 'https:' ? 'https' : 'http';
    if (options.protocol === 'https') Object.assign(options, clientCertificates());
  }
  connection = new Docker(options);
  return connection;
}

/** The error of a call past its deadline: the engine took the request and said nothing (engineFailure words it). */
export const NO_ANSWER = 'EBERTHNOANSWER';

export function noAnswer(): Error {
  return Object.assign(new Error('the engine did not answer in time'), { code: NO_ANSWER });
}

/** Turns a failed engine call into one line: unreachable engine, or what the engine said. */
export function engineFailure(error: unknown, doing: string): BerthError {
  // Already said for the user (an endpoint berth cannot speak to, a pull refused, …).
  if (error instanceof BerthError) return error;
  const e = error as { code?: string; statusCode?: number; json?: { message?: string }; message?: string };
  if (e.code === NO_ANSWER) {
    const where = engineEndpoint() ?? 'unix:///var/run/docker.sock';
    return new EngineError(`${doing}: the Docker engine at ${where} accepted the connection but did not answer in time (is it hung? BERTH_ENGINE_TIMEOUT sets the deadline in seconds)`);
  }
  if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'EACCES' || e.code === 'EHOSTUNREACH' || e.code === 'ETIMEDOUT') {
    const where = engineEndpoint() ?? 'unix:///var/run/docker.sock';
    const hint = e.code === 'EACCES' ? ' (permission denied: is your user in the docker group?)' : ' (is the Docker engine running?)';
    return new EngineError(`cannot reach the Docker engine at ${where}${hint}`);
  }
  const message = (e.json?.message ?? e.message ?? String(error)).trim();
  // TLS refused, either way: the engine's certificate, or berth's in the engine's eyes.
  if (e.code && /CERT|^ERR_SSL_|^ERR_TLS_/.test(e.code)) {
    return new EngineError(`cannot reach the Docker engine at ${engineEndpoint()}: TLS: ${message} (certificates from ${certificateDirectory()})`);
  }
  return new EngineError(`${doing}: ${message}`);
}
