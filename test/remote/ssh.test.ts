import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closeSharedConnections, startSshd, type Sshd } from '../harness/sshd.js';
import { berth, makeSandbox, writeRecipe, type Sandbox } from '../support/berth.js';

/**
 * The remote project's engine (its files are not this machine's) reached over ssh: sshd on
 * loopback (test/harness/sshd.ts) whose `docker` speaks to the remote engine (DOCKER_HOST set for
 * the far side's commands). berth's requests, the workspace sync's included, go through one ssh
 * connection per run.
 */
describe('berth run on a remote engine over ssh://', () => {
  let sshd: Sshd;
  let sb: Sandbox;
  const run = (args: string[], options?: Parameters<typeof berth>[2]) => berth(sb, ['run', 'fx', ...args], { timeoutMs: 120_000, ...options });


  beforeAll(async () => {
    // This process's DOCKER_HOST is the remote engine (remote-setup.ts): the far side's docker gets it too.
    sshd = await startSshd({ farEnv: { DOCKER_HOST: process.env.DOCKER_HOST! } });
    sb = makeSandbox();
    sb.env.PATH = sshd.path;
    sb.env.DOCKER_HOST = sshd.url;
    writeRecipe(sb, { name: 'fx', image: inject('fixtureImage'), user: 'host' });
  }, 60_000);

  afterAll(async () => {
    if (sb) closeSharedConnections(sb.cache, sb.env);
    await sshd?.stop();
  });

  it('runs the tool there with the workspace synced both ways, streams and exit codes, in one ssh connection', async () => {
    writeFileSync(path.join(sb.work, 'in.txt'), 'from the host\n');
    closeSharedConnections(sb.cache, sb.env);
    const before = sshd.connections();
    const r = await run(['sh', '-c', 'cat in.txt; cat > out.txt; echo err >&2; exit 6'], { input: 'from stdin\n' });
    expect([r.code, r.stdout.toString(), r.stderr]).toEqual([6, 'from the host\n', 'err\n']);
    expect(readFileSync(path.join(sb.work, 'out.txt'), 'utf8')).toBe('from stdin\n');
    expect(sshd.connections() - before).toBe(1);
    // The far side's docker is the remote engine, not this machine's.
    const id = (env: NodeJS.ProcessEnv, argv: string[]) => execFileSync(argv[0]!, [...argv.slice(1), 'docker', 'info', '--format', '{{.ID}}'], { encoding: 'utf8', env }).trim();
    const far = id(sb.env, ['ssh', '-p', String(sshd.port), 'root@127.0.0.1']);
    expect(far).toBe(id(process.env, ['env']));
    expect(far).not.toBe(id({ ...process.env, DOCKER_HOST: 'unix:///var/run/docker.sock' }, ['env']));
  });
});
