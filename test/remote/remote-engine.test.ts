import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { run } from '../harness/exec.js';

// The harness itself: the engine under test is the remote one, and it cannot see the host's files.
describe('the remote engine of the tests', () => {
  it('is the one DOCKER_HOST names, over TCP, and is not the host engine', async () => {
    expect(process.env.DOCKER_HOST).toBe(inject('remoteEngine'));
    expect(process.env.DOCKER_HOST).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const remote = await run('docker', ['info', '--format', '{{.ID}} {{.DockerRootDir}}']);
    const local = await run('docker', ['info', '--format', '{{.ID}} {{.DockerRootDir}}'], { env: { ...process.env, DOCKER_HOST: 'unix:///var/run/docker.sock' } });
    expect(remote.code).toBe(0);
    expect(remote.stdout).not.toBe(local.stdout);
  });

  it("shows its own directory, not the host's, for a bind mount of a host path", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'berth-remote-probe-'));
    writeFileSync(path.join(dir, 'host-only'), 'x');
    // --mount refuses a source the remote does not have.
    const refused = await run('docker', ['run', '--rm', '--mount', `type=bind,source=${dir},target=/probe`, inject('fixtureImage'), 'true']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/bind source path does not exist/);
    // -v makes it, empty, on the remote.
    const seen = await run('docker', ['run', '--rm', '-v', `${dir}:/probe`, inject('fixtureImage'), 'ls', '-a', '/probe']);
    expect(seen.code).toBe(0);
    expect(seen.stdout).not.toContain('host-only');
  });

  it('runs the fixture images with stdin, exit codes and its own bridge network', async () => {
    const echo = await run('docker', ['run', '--rm', '-i', inject('fixtureImage'), 'cat'], { input: 'over tcp\n' });
    expect(echo.stdout).toBe('over tcp\n');
    const code = await run('docker', ['run', '--rm', inject('fixtureImage'), 'exit-with', '7']);
    expect(code.code).toBe(7);
    const bridged = await run('docker', ['run', '--rm', '--network', 'bridge', inject('fixtureImage'), 'ip', 'addr']);
    expect(bridged.stdout).toMatch(/inet 172\./);
  });
});
