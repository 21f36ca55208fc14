// Smoke test of the test harness itself (test/harness): fixture images and the local registry.
import { describe, expect, inject, it } from 'vitest';
import { docker, run } from '../harness/exec.js';
import { imageExists } from '../harness/images.js';
import { removeLocalImage } from '../harness/registry.js';

describe('test harness', () => {
  it('runs the fixture image', async () => {
    const out = await docker(['run', '--rm', inject('fixtureImage'), 'echo-args', 'a', 'b c']);
    expect(out).toBe('<a>\n<b c>');
  });

  it('has a fixture image without a shell whose entrypoint is busybox cat', async () => {
    const image = inject('noshellImage');
    const result = await run('docker', ['run', '--rm', '-i', image], { input: 'hello\n' });
    expect(result.stdout).toBe('hello\n');
    expect(result.code).toBe(0);
    const noShell = await run('docker', ['run', '--rm', '--entrypoint', '/bin/sh', image, '-c', 'true']);
    expect(noShell.code).not.toBe(0);
  });

  it('pulls the fixture back from the local registry with the pushed digest', async () => {
    const ref = inject('registryFixtureRef');
    const digest = inject('registryFixtureDigest');
    expect(ref).toBe(`${inject('registry')}/berth-test/fixture:1`);
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    await removeLocalImage(ref);
    expect(await imageExists(ref)).toBe(false);
    expect(await imageExists(inject('fixtureImage'))).toBe(true);

    const pulled = await docker(['pull', ref]);
    expect(pulled).toContain(`Digest: ${digest}`);
    const repoDigests = JSON.parse(await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', ref])) as string[];
    expect(repoDigests).toContain(`${ref.replace(/:1$/, '')}@${digest}`);
  });
});
