import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dockerConfigDirectory } from '../../platform/paths.js';

/** Credentials for one registry, in the shape the engine's X-Registry-Auth header takes. */
export interface RegistryAuth {
  serveraddress: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** Docker Hub is stored under its old index address. */
function configKey(registry: string): string {
  return registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry;
}

function readDockerConfig(env: NodeJS.ProcessEnv): DockerConfig {
  try {
    return JSON.parse(readFileSync(path.join(dockerConfigDirectory(env), 'config.json'), 'utf8')) as DockerConfig;
  } catch {
    return {};
  }
}

/** A helper's answer, within 10 s: one that hangs (or ignores SIGTERM) is killed, and the pull goes on without. */
function fromHelper(helper: string, key: string): Promise<RegistryAuth | undefined> {
  return new Promise((resolve) => {
    const child = execFile(`docker-credential-${helper}`, ['get'], { timeout: 10_000, killSignal: 'SIGKILL' }, (error, stdout) => {
      if (error) return resolve(undefined);
      try {
        const { Username, Secret } = JSON.parse(stdout) as { Username: string; Secret: string };
        // A username of <token> marks an identity token rather than a password.
        resolve(Username === '<token>' ? { serveraddress: key, identitytoken: Secret } : { serveraddress: key, username: Username, password: Secret });
      } catch {
        resolve(undefined);
      }
    });
    child.stdin?.end(key);
  });
}

function fromAuths(config: DockerConfig, key: string): RegistryAuth | undefined {
  const entry = config.auths?.[key];
  if (!entry) return undefined;
  if (entry.identitytoken) return { serveraddress: key, identitytoken: entry.identitytoken };
  if (!entry.auth) return undefined;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return { serveraddress: key, username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Looks up credentials the way the docker CLI does, one step after another: the registry's
 * credential helper, then the default credential store, then the plain `auths` entry.
 */
export async function registryAuth(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<RegistryAuth | undefined> {
  const config = readDockerConfig(env);
  const key = configKey(registry);
  const steps: Array<() => Promise<RegistryAuth | undefined> | RegistryAuth | undefined> = [
    () => (config.credHelpers?.[registry] ? fromHelper(config.credHelpers[registry], key) : undefined),
    () => (config.credsStore ? fromHelper(config.credsStore, key) : undefined),
    () => fromAuths(config, key),
  ];
  for (const step of steps) {
    const auth = await step();
    if (auth) return auth;
  }
  return undefined;
}
