// Rootless Podman as a second user (the podman project's own file; run when .ci/run set one up): berth finds the
// user's Podman with nothing configured, the tool runs as the user (keep-id) and its files are
// theirs, exit codes are exact, and nothing is left behind, fresh and warm.
import { execFileSync } from 'node:child_process';
import { chownSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { rootlessPodman } from '../harness/podman-setup.js';
import { berth, makeSandbox, ON_PODMAN, writeRecipe, type Sandbox } from '../support/berth.js';

const rootless = ON_PODMAN ? rootlessPodman() : undefined;

describe.skipIf(!rootless)('rootless Podman, as a second user', () => {
  const { user, uid, gid, runtime, socket } = rootless!;
  let sb: Sandbox;
  /** The user's containers, as their Podman lists them (root may use its socket). */
  const containers = () =>
    execFileSync('docker', ['ps', '-aq', '--filter', 'label=berth.managed=true'], { encoding: 'utf8', env: { ...process.env, DOCKER_HOST: `unix://${socket}` } }).trim();

  beforeAll(() => {
    sb = makeSandbox({ uid });
    sb.gid = gid;
    for (const dir of [sb.root, sb.work, sb.recipes, sb.config, sb.cache]) chownSync(dir, uid, gid);
    // Nothing configured: no DOCKER_HOST, only the user's runtime directory.
    delete sb.env.DOCKER_HOST;
    Object.assign(sb.env, { XDG_RUNTIME_DIR: runtime, USER: user });
    writeRecipe(sb, { name: 'fx', image: inject('fixtureImage'), entrypoint: ['sh', '-c'], network: 'none' });
  });

  it('doctor names the engine found: Podman, rootless, at the user\'s socket', async () => {
    const r = await berth(sb, ['doctor']);
    expect(r.stdout.toString().split('\n')[0]).toMatch(new RegExp(`^ok engine reachable at unix://${socket}: Podman \\d+\\.\\d+\\.\\d+ \\(API 1\\.\\d+, linux/\\w+\\), rootless$`));
  });

  it.each([
    { mode: 'fresh', flags: [] as string[] },
    { mode: 'warm', flags: ['--warm'] },
  ])('runs the tool as the user, its files are theirs, and the exit code is exact ($mode)', async ({ mode, flags }) => {
    const file = `made-${mode}.txt`;
    const r = await berth(sb, ['run', ...flags, 'fx', `id -u; id -g; echo x > ${file}; exit 7`], { cwd: sb.work });
    expect([r.code, r.stderr, r.stdout.toString()]).toEqual([7, '', `${uid}\n${gid}\n`]);
    const st = statSync(path.join(sb.work, file));
    expect([st.uid, st.gid]).toEqual([uid, gid]);
  });

  it('leaves no container behind but the warm one, which berth warm stop removes', async () => {
    const stop = await berth(sb, ['warm', 'stop']);
    expect(stop.code, stop.stderr).toBe(0);
    expect(containers()).toBe('');
  });
});
