import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { EngineError, InputError } from '../../platform/errors.js';
import { writePrivateFile } from '../../platform/files.js';
import { packageResolutionFile } from '../../platform/paths.js';
import { hostCaBundle } from '../../core/host-trust.js';
import { specText, type PackageSpec } from '../../core/backends/spec.js';

/**
 * The exact version of an npm spec that names none (`npm:cowsay`: its `latest` dist-tag) or a
 * dist-tag (`npm:prettier@next`). Asked of the registry once and remembered in berth's cache, as
 * uvx remembers `uvx ruff`: a later run of the same spec runs the image built then, with no
 * network and no registry in its way; `refresh` (--pull always) asks again.
 */
export async function npmVersion(spec: PackageSpec, options: { refresh?: boolean; hostCa: boolean; env?: NodeJS.ProcessEnv }): Promise<string> {
  return (await npmPackage(spec, options)).version;
}

/** What berth knows of an npm package at a version or dist-tag: the exact version and the names of its commands (`bin`). */
export interface NpmPackage {
  version: string;
  commands: string[];
}

/**
 * The exact version and commands of `spec` (its version, dist-tag, or `latest`), from the
 * registry once, then from berth's cache (an exact version's manifest never changes; a dist-tag's
 * answer is kept until `refresh`).
 */
export async function npmPackage(spec: PackageSpec, options: { refresh?: boolean; hostCa: boolean; env?: NodeJS.ProcessEnv }): Promise<NpmPackage> {
  const env = options.env ?? process.env;
  const tag = spec.version ?? 'latest';
  const file = packageResolutionFile(`npm:${spec.name}@${tag}`, env);
  if (!options.refresh) {
    const remembered = rememberedPackage(file, spec.name, tag);
    if (remembered) return remembered;
  }
  const registry = (env.npm_config_registry || env.NPM_CONFIG_REGISTRY || 'https://registry.npmjs.org/').replace(/\/*$/, '/');
  const url = new URL(`${spec.name.replace('/', '%2f')}/${encodeURIComponent(tag)}`, registry);
  let answer: { status: number; body: string };
  try {
    answer = await get(url, options.hostCa ? hostCaBundle(env) : undefined, env);
  } catch (error) {
    throw new EngineError(
      `${specText(spec, spec.version)}: cannot ask ${url.origin} for its ${tag} version: ${(error as Error).message} (give an exact version, such as ${specText(spec, '1.2.3')})`,
    );
  }
  if (answer.status === 404) throw new InputError(`${specText(spec, spec.version)}: ${spec.version ? `no version or dist-tag "${tag}" of ${spec.name}` : `no package ${spec.name}`} in the npm registry`);
  let version: unknown;
  let bin: unknown;
  try {
    ({ version, bin } = JSON.parse(answer.body) as { version?: unknown; bin?: unknown });
  } catch {
    version = undefined;
  }
  if (answer.status !== 200 || typeof version !== 'string' || !spec.backend.exact(version)) {
    throw new EngineError(`${specText(spec, spec.version)}: ${url.origin} answered HTTP ${answer.status} without an exact version`);
  }
  // `bin` as npm reads it: a string is one command named like the package, a map names them.
  const commands = typeof bin === 'string' ? [spec.name.replace(/^@[^/]+\//, '')] : bin && typeof bin === 'object' ? Object.keys(bin) : [];
  writePrivateFile(file, JSON.stringify({ name: spec.name, tag, version, commands, resolved: new Date().toISOString() }));
  return { version, commands };
}

function rememberedPackage(file: string, name: string, tag: string): NpmPackage | undefined {
  try {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; tag?: unknown; version?: unknown; commands?: unknown };
    // The file is berth's own, but checked as any input: a wrong entry is asked again.
    const ok =
      entry.name === name &&
      entry.tag === tag &&
      typeof entry.version === 'string' &&
      /^\d+\.\d+\.\d+[\w.+-]*$/.test(entry.version) &&
      Array.isArray(entry.commands) &&
      entry.commands.every((c) => typeof c === 'string');
    return ok ? { version: entry.version as string, commands: entry.commands as string[] } : undefined;
  } catch {
    return undefined;
  }
}

/** A registry request has this long for its whole answer. */
const DEADLINE_MS = 30_000;
/** The most of an answer berth reads: one version's manifest is a few kB. */
const ANSWER_LIMIT = 4 * 1024 * 1024;

/**
 * GET `url` with the host's CA certificates added to Node's own (a TLS-intercepting proxy), through
 * HTTPS_PROXY / https_proxy unless NO_PROXY names the host (a CONNECT tunnel), within DEADLINE_MS.
 */
function get(url: URL, caFile: string | undefined, env: NodeJS.ProcessEnv): Promise<{ status: number; body: string }> {
  const ca = caFile ? [...tls.rootCertificates, readFileSync(caFile, 'latin1')] : undefined;
  const proxy = proxyFor(url, env);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`no answer within ${DEADLINE_MS / 1000} s`)), DEADLINE_MS);
    let request: http.ClientRequest | undefined;
    const fail = (error: Error) => {
      clearTimeout(timer);
      request?.destroy();
      reject(error);
    };
    const send = (socket?: Duplex) => {
      const options: https.RequestOptions = { method: 'GET', headers: { accept: 'application/json' }, ca };
      if (socket) options.createConnection = () => tls.connect({ socket, servername: url.hostname, ca });
      request = (url.protocol === 'http:' ? http : https).request(url, options, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > ANSWER_LIMIT) fail(new Error(`an answer over ${ANSWER_LIMIT} bytes`));
          else chunks.push(chunk);
        });
        response.on('end', () => {
          clearTimeout(timer);
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
        response.on('error', fail);
      });
      request.on('error', fail);
      request.end();
    };
    if (!proxy || url.protocol === 'http:') return send();
    const tunnel = http.request({ host: proxy.hostname, port: proxy.port || 80, method: 'CONNECT', path: `${url.hostname}:${url.port || 443}` });
    tunnel.on('connect', (response, socket) => {
      if (response.statusCode !== 200) {
        socket.destroy();
        return fail(new Error(`the proxy ${proxy.host} refused the tunnel (HTTP ${response.statusCode})`));
      }
      send(socket);
    });
    tunnel.on('error', fail);
    tunnel.end();
  });
}

/** The proxy for `url` from the environment, unless NO_PROXY names its host (or a domain of it, or *). */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv): URL | undefined {
  const value = url.protocol === 'http:' ? env.http_proxy || env.HTTP_PROXY : env.https_proxy || env.HTTPS_PROXY;
  if (!value) return undefined;
  const host = url.hostname.toLowerCase();
  const bypass = (env.no_proxy || env.NO_PROXY || '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase().replace(/:\d+$/, ''))
    .filter(Boolean);
  if (bypass.some((entry) => entry === '*' || host === entry.replace(/^\./, '') || host.endsWith(entry.startsWith('.') ? entry : `.${entry}`))) return undefined;
  try {
    return new URL(value.includes('://') ? value : `http://${value}`);
  } catch {
    return undefined;
  }
}
