import { homedir } from 'node:os';
import path from 'node:path';
import { shortHash } from './short-hash.js';
import { warnOnce } from './terminal-text.js';

/**
 * Every place berth keeps its own files, the directories it is told to search and docker's
 * configuration it reads, in one module (as mise's dirs): the variables naming berth's directories
 * (XDG_CACHE_HOME, XDG_CONFIG_HOME, XDG_STATE_HOME, BERTH_RECIPES_PATH) are read here only. A
 * subsystem's files inside its own directory (warm state's layout under warmDirectory) are named
 * by that subsystem.
 */

/** berth's own cache: parsed files, tool homes, identity files, locks, run sockets, warm state, engines' rootless answers. */
export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'berth');
}

/** berth's settings and the user's own recipes. */
export function configDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(homedir(), '.config'), 'berth');
}

/** berth's own state that is not a cache (losing it changes behaviour): the trusted projects. */
export function stateDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_STATE_HOME || path.join(homedir(), '.local', 'state'), 'berth');
}

/** berth's three roots, each with the variable that moves it (named when one cannot be written). */
export function berthRoots(env: NodeJS.ProcessEnv = process.env): Array<{ directory: string; variable: string }> {
  return [
    { directory: cacheDirectory(env), variable: 'XDG_CACHE_HOME' },
    { directory: configDirectory(env), variable: 'XDG_CONFIG_HOME' },
    { directory: stateDirectory(env), variable: 'XDG_STATE_HOME' },
  ];
}

/** The settings `berth config` writes (through conf, which names it `config` + `.json`). */
export function settingsFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(configDirectory(env), 'config.json');
}

/** The user's own recipes (`berth recipes new` writes there). */
export function userRecipeDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(configDirectory(env), 'recipes');
}

/**
 * BERTH_RECIPES_PATH's directories, in order. A relative entry would make every checkout's folder
 * of that name one of the user's own recipe directories, past the trust projects need: only
 * absolute ones count, and a relative one is said once.
 */
export function recipePathDirectories(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.BERTH_RECIPES_PATH ?? '').split(':').filter((dir) => {
    if (dir && !path.isAbsolute(dir)) warnOnce(`BERTH_RECIPES_PATH: ${dir} is not an absolute path; it is not searched`);
    return path.isAbsolute(dir);
  });
}

/** The projects whose recipes the user trusts (core/workspace/trust.ts). */
export function trustFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateDirectory(env), 'trust.json');
}

/** Where shims go when neither BERTH_SHIM_DIR nor the shimDir setting says. */
export function defaultShimDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.HOME || homedir(), '.local', 'bin');
}

/** docker's own configuration (contexts, credentials), which berth reads as the docker CLI does. */
export function dockerConfigDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || path.join(homedir(), '.docker');
}

/** Where a TLS engine's client certificates are: DOCKER_CERT_PATH, else docker's config directory (as the docker CLI looks). */
export function dockerCertificateDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CERT_PATH || dockerConfigDirectory(env);
}

/** The parse cache's entry for `key` (platform/parse-cache.ts). */
export function parsedFile(key: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDirectory(env), 'parsed', `${shortHash(key)}.json`);
}

/** A tool's HOME, kept between its runs. */
export function toolHomeDirectory(tool: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDirectory(env), 'home', tool);
}

/** The passwd and group files berth mounts for a tool run as uid:gid. */
export function identityDirectory(uid: number, gid: number, tool: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDirectory(env), 'identity', `${uid}-${gid}`, tool);
}

/**
 * Where the host's CA bundle (the certificates it trusts for TLS) may be, in order: SSL_CERT_FILE
 * when set (the user's own word), then the distributions' places: Debian, Ubuntu, Arch
 * (`/etc/ssl/certs/ca-certificates.crt`), Fedora and RHEL (`/etc/pki/tls/certs/ca-bundle.crt`),
 * openSUSE (`/etc/ssl/ca-bundle.pem`), Alpine, macOS and the BSDs (`/etc/ssl/cert.pem`).
 */
export function hostCaBundleCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const places = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/ca-bundle.pem', '/etc/ssl/cert.pem'];
  return env.SSL_CERT_FILE && path.isAbsolute(env.SSL_CERT_FILE) ? [env.SSL_CERT_FILE, ...places] : places;
}

/** berth's copy of the host's CA certificates (certificates only), what tools with network and builds are given. */
export function hostCaCopyFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDirectory(env), 'trust', 'host-ca.pem');
}

/** What berth remembers of a package spec's resolution (`npm:cowsay` to its exact version and command). */
export function packageResolutionFile(key: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDirectory(env), 'packages', `${shortHash(key)}.json`);
}

/** The lock the berths pulling `ref` take turns through. */
export function pullLockFile(ref: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDirectory(env), 'locks', `pull-${shortHash(ref)}.lock`);
}

/** The log of the last build of `tag` (`berth-build/<name>:<hash>`): kept, its tail shown when the build fails. */
export function buildLogFile(tag: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDirectory(env), 'builds', `${tag.replace(/^.*\//, '').replace(/[^A-Za-z0-9._-]/g, '-')}.log`);
}

/** The lock of the project at `realRoot` (its real path): berth.yaml and berth.lock change under it. */
export function projectLockFile(realRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDirectory(env), 'locks', `project-${shortHash(realRoot)}.lock`);
}

/** What berth keeps about the engine at `endpoint` (whether it is rootless). */
export function engineModeFile(endpoint: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDirectory(env), 'engines', `${shortHash(endpoint)}.json`);
}

/** Whether the engine at `endpoint` sees the host's files (runtime/engine/visibility.ts). */
export function engineVisibilityFile(endpoint: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDirectory(env), 'engines', `${shortHash(endpoint)}.sees-host.json`);
}

/** Fresh folders that show whether an engine sees the host's files (made and removed by each probe). */
export function visibilityProbeDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDirectory(env), 'probes');
}

/** What berth knows of a workspace synced to an engine that cannot see the host's files (runtime/container/workspace-sync.ts). */
export function workspaceStateFile(key: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDirectory(env), 'workspaces', `${key}.json`);
}

/** Where each berth run's socket lives while it runs (runtime/container/orphans.ts). */
export function runsDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDirectory(env), 'runs');
}

/** This process's run socket: unique per process. */
export const RUN_SOCKET = path.join(runsDirectory(), `${process.pid.toString(36)}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}.sock`);

/**
 * berth's files that live only while processes use them (sockets): XDG_RUNTIME_DIR's berth
 * directory (a tmpfs of the user's, short paths), else the cache's `run`.
 */
export function runtimeDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.XDG_RUNTIME_DIR && path.isAbsolute(env.XDG_RUNTIME_DIR) ? path.join(env.XDG_RUNTIME_DIR, 'berth') : path.join(cacheDirectory(env), 'run');
}

/** The control socket of the shared ssh connection to an `ssh://` engine (runtime/http/ssh.ts), one per endpoint. */
export function sshControlSocket(endpoint: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(runtimeDirectory(env), `ssh-${shortHash(endpoint)}`);
}

/** What berth keeps about warm containers (its layout: src/warm/state.ts). */
export function warmDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDirectory(env), 'warm');
}

/** The warm containers' socket directories, one per container. */
export function warmSocketsDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(warmDirectory(env), 'sockets');
}
