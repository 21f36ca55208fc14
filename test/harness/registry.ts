/**
 * A throwaway local registry (Debian's docker-registry, i.e. distribution 2.8) on 127.0.0.1 with no
 * auth and no TLS. dockerd treats 127.0.0.0/8 registries as insecure by default, so
 * `docker push 127.0.0.1:PORT/x:y` works without configuration. Never port 5000: it picks a free port.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { docker, run } from './exec.js';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export interface LocalRegistry {
  /** `127.0.0.1:PORT`, to prefix image references with. */
  host: string;
  /** Stops the registry and removes its storage. */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not find a free port'));
      });
    });
  });
}

/**
 * GET url without keep-alive (a pooled fetch() connection would keep the process alive for
 * seconds): whether it answers `status` (a registry with auth answers /v2/ with 401).
 */
function answers(url: string, status = 200): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get(url, { agent: false, timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode === status);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

/** What a registry may be started with besides its defaults. */
export interface RegistryOptions {
  /**
   * Basic auth (distribution's htpasswd): the content of its htpasswd file, `user:bcrypt-hash`
   * lines. Without it the registry has no auth.
   */
  htpasswd?: string;
}

async function startOnce(dir: string, port: number, timeoutMs: number, options: RegistryOptions = {}): Promise<LocalRegistry> {
  const config = join(dir, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${JSON.stringify(join(dir, 'data'))}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      ...(options.htpasswd === undefined ? [] : ['auth:', '  htpasswd:', '    realm: berth-test', `    path: ${JSON.stringify(join(dir, 'htpasswd'))}`]),
      '',
    ].join('\n'),
  );
  if (options.htpasswd !== undefined) await writeFile(join(dir, 'htpasswd'), options.htpasswd);
  const child = spawn(REGISTRY_BINARY, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-4000);
  });
  let exited: string | undefined;
  const gone = new Promise<void>((resolve) => {
    child.on('error', (error) => {
      exited = `could not start ${REGISTRY_BINARY}: ${error.message}`;
      resolve();
    });
    child.on('exit', (code, signal) => {
      exited ??= `${REGISTRY_BINARY} exited (${signal ?? `code ${code}`})`;
      resolve();
    });
  });
  const stop = async () => {
    if (exited === undefined) {
      child.kill('SIGTERM');
      const killed = await Promise.race([gone.then(() => true), sleep(5000, undefined, { ref: false }).then(() => false)]);
      if (!killed) {
        child.kill('SIGKILL');
        await gone;
      }
    }
  };
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (!(await answers(`http://${host}/v2/`, options.htpasswd === undefined ? 200 : 401))) {
    if (exited !== undefined || Date.now() > deadline) {
      await stop();
      throw new Error(`${exited ?? `registry on ${host} did not answer GET /v2/ within ${timeoutMs} ms`}\n${log.trim()}`);
    }
    await sleep(100);
  }
  return { host, stop };
}

/** Starts a registry on a free port of 127.0.0.1 and resolves once `GET /v2/` answers (200; 401 with auth). */
export async function startRegistry(timeoutMs = 30_000, options: RegistryOptions = {}): Promise<LocalRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-registry-'));
  let lastError: unknown;
  // The port found free may be taken before the registry binds it: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const registry = await startOnce(dir, await freePort(), timeoutMs, options);
      return {
        host: registry.host,
        stop: async () => {
          try {
            await registry.stop();
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        },
      };
    } catch (error) {
      lastError = error;
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}

/** `127.0.0.1:5000/a/b:tag` -> `127.0.0.1:5000/a/b`; `a/b@sha256:...` -> `a/b`. */
export function repositoryOf(ref: string): string {
  const at = ref.indexOf('@');
  const name = at >= 0 ? ref.slice(0, at) : ref;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(0, colon) : name;
}

/**
 * Tags `localTag` as `remoteRef` and pushes it; resolves with the manifest digest (`sha256:...`)
 * that the registry now serves for `remoteRef`.
 */
export async function pushImage(localTag: string, remoteRef: string): Promise<string> {
  await docker(['tag', localTag, remoteRef]);
  const output = await docker(['push', remoteRef], { timeoutMs: 300_000 });
  const fromPush = /digest: (sha256:[0-9a-f]{64})/.exec(output)?.[1];
  if (fromPush) return fromPush;
  const repo = repositoryOf(remoteRef);
  const digests = JSON.parse(await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', remoteRef])) as string[] | null;
  const match = (digests ?? []).find((d) => d.startsWith(`${repo}@`));
  if (!match) throw new Error(`pushed ${remoteRef} but found no digest for it (push said: ${output})`);
  return match.slice(repo.length + 1);
}

/**
 * Removes a reference from the local engine (tag, and the `repo@digest` references of the same
 * repository), so that the next run of it must pull. The image itself goes only when no other
 * reference keeps it. A reference that does not exist is not an error.
 */
export async function removeLocalImage(ref: string): Promise<void> {
  const inspected = await run('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', ref]);
  if (inspected.code !== 0) {
    if (/no such (image|object)/i.test(inspected.stderr)) return;
    throw new Error(`docker image inspect ${ref} failed: ${inspected.stderr.trim()}`);
  }
  const repo = repositoryOf(ref);
  const digests = ((JSON.parse(inspected.stdout) as string[] | null) ?? []).filter((d) => d.startsWith(`${repo}@`));
  for (const target of [ref, ...digests.filter((d) => d !== ref)]) {
    const result = await run('docker', ['image', 'rm', target]);
    if (result.code !== 0 && !/no such image|not found/i.test(result.stderr)) {
      throw new Error(`docker image rm ${target} failed: ${result.stderr.trim()}`);
    }
  }
}

/**
 * Removes every local reference into `host` (`host/...:tag` and `host/...@sha256:...`), e.g. when its
 * registry goes away, so that tags of dead throwaway registries do not pile up in the engine.
 */
export async function removeRegistryImages(host: string): Promise<void> {
  const out = await docker(['image', 'ls', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}']);
  const refs = new Set<string>();
  for (const line of out.split('\n')) {
    const [repo, tag, digest] = line.split(' ');
    if (!repo?.startsWith(`${host}/`)) continue;
    if (tag && tag !== '<none>') refs.add(`${repo}:${tag}`);
    if (digest && digest !== '<none>') refs.add(`${repo}@${digest}`);
  }
  for (const ref of refs) {
    const result = await run('docker', ['image', 'rm', ref]);
    if (result.code !== 0 && !/no such image|not found/i.test(result.stderr)) {
      throw new Error(`docker image rm ${ref} failed: ${result.stderr.trim()}`);
    }
  }
}
