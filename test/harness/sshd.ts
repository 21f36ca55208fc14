/**
 * An sshd on loopback for the ssh:// engine tests: key-only (a fresh ed25519 key of the test's),
 * its host key known to the client through a known_hosts file (so ssh checks it, as a user's
 * would: nothing in berth or here turns host key checking off), and the far side's `docker`
 * reaching the local engine. A second port of the same sshd runs every command with a PATH
 * without docker (the "no docker on the far side" endpoint).
 *
 * OpenSSH reads ~/.ssh/config from the passwd entry's home and ignores $HOME, so the client's
 * configuration reaches ssh through a wrapper `ssh` first on PATH (`env`) that adds `-F`.
 *
 * sshd logs (LogLevel VERBOSE) one "Connection from" per TCP connection and one "Starting
 * session" per session (a channel): `connections()` and `sessions()` count them.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from './exec.js';

export const SSHD = '/usr/sbin/sshd';

export interface Sshd {
  port: number;
  /** The same sshd, where commands find no docker. */
  noDockerPort: number;
  /** DOCKER_HOST for berth: ssh://root@127.0.0.1:PORT. */
  url: string;
  /** PATH with the ssh wrapper first: give it to berth. */
  path: string;
  /** TCP connections sshd has accepted so far. */
  connections(): number;
  /** Sessions (commands, each a `docker system dial-stdio`) so far. */
  sessions(): number;
  stop(): Promise<void>;
}

/** `count` distinct free ports on loopback (held together while found, so no two are the same). */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** `farEnv`: set for every command on the far side (DOCKER_HOST: which engine its `docker` reaches). */
export async function startSshd(options: { farEnv?: Record<string, string> } = {}): Promise<Sshd> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: the ssh:// engine tests need openssh-server (.ci/run installs it)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-test-sshd-'));
  chmodSync(dir, 0o700);
  const key = (name: string) => run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `berth-test-${name}`, '-f', path.join(dir, name)], { timeoutMs: 10_000 });
  await Promise.all([key('host_key'), key('client_key')]);
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'client_key.pub')));
  const [port, noDockerPort] = (await freePorts(2)) as [number, number];
  const log = path.join(dir, 'sshd.log');
  writeFileSync(
    path.join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      `Port ${noDockerPort}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${dir}/host_key`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'PidFile none',
      'LogLevel VERBOSE',
      // The docker CLI's dial-stdio per channel: room for a run's few at once.
      'MaxSessions 50',
      'MaxStartups 50',
      ...Object.entries(options.farEnv ?? {}).map(([name, value]) => `SetEnv ${name}=${value}`),
      `Match LocalPort ${noDockerPort}`,
      '  ForceCommand env PATH=/nonexistent /bin/sh -c "$SSH_ORIGINAL_COMMAND"',
      '',
    ].join('\n'),
  );
  const hostKey = readFileSync(path.join(dir, 'host_key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
  writeFileSync(path.join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n[127.0.0.1]:${noDockerPort} ${hostKey}\n`);
  writeFileSync(
    path.join(dir, 'ssh_config'),
    ['Host *', `  IdentityFile ${dir}/client_key`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${dir}/known_hosts`, '  GlobalKnownHostsFile /dev/null', ''].join('\n'),
  );
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F ${dir}/ssh_config "$@"\n`, { mode: 0o755 });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const sshd = spawn(SSHD, ['-D', '-f', path.join(dir, 'sshd_config'), '-E', log], { stdio: 'ignore' });
  const count = (pattern: RegExp) => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => pattern.test(l)).length : 0);
  // Listening once it logs so.
  for (let i = 0; i < 300 && count(/Server listening/) < 2; i++) await sleep(50);
  if (count(/Server listening/) < 2) {
    const said = existsSync(log) ? readFileSync(log, 'utf8') : 'no log';
    sshd.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`sshd did not start: ${said}`);
  }
  return {
    port,
    noDockerPort,
    url: `ssh://root@127.0.0.1:${port}`,
    path: `${bin}:${process.env.PATH}`,
    connections: () => count(/Connection from 127\.0\.0\.1/),
    sessions: () => count(/Starting session/),
    async stop() {
      sshd.kill('SIGTERM');
      await new Promise((resolve) => (sshd.exitCode !== null ? resolve(undefined) : sshd.once('exit', resolve)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Ends the shared ssh connections that berth, with its cache in `cache`, left up for their persist
 * time (ssh -O exit on each control socket): the next run then sets one up, and nothing stays.
 */
export function closeSharedConnections(cache: string, env: NodeJS.ProcessEnv): void {
  const dir = path.join(cache, 'berth', 'run');
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir).filter((n) => n.startsWith('ssh-'))) {
    try {
      execFileSync('ssh', ['-S', path.join(dir, name), '-O', 'exit', 'x'], { env, stdio: 'ignore' });
    } catch {
      // not running
    }
  }
}
