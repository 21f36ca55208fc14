// The e2e stand-ins (test/harness/standins-setup.ts) are what the evidence says the upstream images
// are: the evidenced ENTRYPOINT, CMD, USER and WORKDIR, each program at its evidenced path and not
// also at Debian's, and no shell where the upstream image has none.
import { describe, expect, inject, it } from 'vitest';
import { run } from '../harness/exec.js';
import { STANDIN_PACKAGES } from '../harness/standins-setup.js';
import { imageLayouts, readEvidence } from '../support/evidence.js';

const layouts = imageLayouts(readEvidence()).filter((l) => l.image in STANDIN_PACKAGES);

/** How each program tells its version (most take --version). */
const VERSION_ARGS: Record<string, string[]> = { ffmpeg: ['-version'], ffprobe: ['-version'], kubectl: ['version', '--client'] };

interface ImageConfig {
  Entrypoint: string[] | null;
  Cmd: string[] | null;
  User?: string;
  WorkingDir?: string;
}

async function config(tag: string): Promise<ImageConfig> {
  const r = await run('docker', ['image', 'inspect', '--format', '{{json .Config}}', tag]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ImageConfig;
}

/** Runs `program` in the stand-in as root, without network. */
const runIn = (tag: string, program: string, args: string[]) => run('docker', ['run', '--rm', '--network', 'none', '-u', '0', '--entrypoint', program, tag, ...args], { timeoutMs: 60_000 });

describe('stand-in images', () => {
  it('exist for every image with Debian packages, one each', () => {
    const standins = inject('standins');
    expect(Object.keys(standins).sort()).toEqual(Object.keys(STANDIN_PACKAGES).sort());
    expect(new Set(Object.values(standins)).size).toBe(Object.keys(standins).length);
  });

  describe.each(layouts.map((l) => [l.image, l] as const))('%s', (image, layout) => {
    const tag = () => inject('standins')[image]!;

    it('has the evidenced entrypoint, command, user and working directory', async () => {
      const c = await config(tag());
      expect(c.Entrypoint ?? []).toEqual(layout.entrypoint ?? []);
      expect(c.Cmd ?? []).toEqual(layout.cmd ?? []);
      expect(c.User ?? '').toBe(layout.user === undefined || layout.user === 'root' ? '' : layout.user);
      expect(c.WorkingDir ?? '').toBe(layout.workdir ?? '');
    });

    it(layout.shell ? 'has /bin/sh' : 'has no shell', async () => {
      const r = await runIn(tag(), '/bin/sh', ['-c', 'echo up']);
      if (layout.shell) expect([r.code, r.stdout]).toEqual([0, 'up\n']);
      else expect(r.code).not.toBe(0);
    });

    it("runs each evidenced program that Debian has from its evidenced path, and not from Debian's own", async () => {
      let ran = 0;
      for (const program of layout.programs.filter((p) => p.startsWith('/') && !p.endsWith('.sh'))) {
        const name = program.slice(program.lastIndexOf('/') + 1);
        const r = await runIn(tag(), program, VERSION_ARGS[name] ?? ['--version']);
        if (r.code !== 0 && /no such file or directory/i.test(r.stderr)) continue; // not a Debian program
        expect(r.code, `${program}: ${r.stderr}`).toBe(0);
        ran++;
        const debian = `/usr/bin/${name}`;
        const samePath = program === debian || program === `/bin/${name}`;
        const alsoOnPath = layout.programs.includes(name);
        if (!samePath && !alsoOnPath) expect((await runIn(tag(), debian, VERSION_ARGS[name] ?? ['--version'])).code, `${debian} should have moved to ${program}`).not.toBe(0);
      }
      const bare = layout.programs.filter((p) => !p.startsWith('/'));
      expect(ran + bare.length).toBeGreaterThan(0);
    });
  });
});
