import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { docker, run } from './exec.js';

/** A file of a build context: text, bytes, or a copy of a file on the host (mode kept). */
export type ContextFile = string | Buffer | { path: string };

/**
 * Builds `dockerfile` with the given context files (paths relative to the context root) using the
 * classic builder (`DOCKER_BUILDKIT=0 docker build -q`), tags it `tag`, and resolves with the image id.
 * Text and byte files that start with `#!` or are ELF binaries are made executable (0755), others
 * are 0644; files copied from `{path}` keep their mode. `platform` builds for another platform
 * (a Dockerfile whose steps need not run: COPY only).
 */
export async function buildImage(tag: string, files: Record<string, ContextFile>, dockerfile: string, options: { platform?: string } = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-build-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      const rel = normalize(name);
      if (rel.startsWith('..') || rel.startsWith('/')) throw new Error(`build context file outside the context: ${name}`);
      const target = join(dir, rel);
      await mkdir(dirname(target), { recursive: true });
      if (typeof content === 'string' || Buffer.isBuffer(content)) {
        const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
        await writeFile(target, bytes);
        const head = bytes.subarray(0, 4).toString('latin1');
        await chmod(target, head.startsWith('#!') || head === '\x7fELF' ? 0o755 : 0o644);
      } else {
        await copyFile(content.path, target);
      }
    }
    await writeFile(join(dir, 'Dockerfile'), dockerfile);
    // --platform: the image's config says that platform (FROM scratch and COPY only: nothing of it runs at the build).
    return await docker(['build', '-q', '--force-rm', ...(options.platform ? ['--platform', options.platform] : []), '-t', tag, dir], {
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whether the engine has an image with this reference (tag, id or digest reference). */
export async function imageExists(tag: string): Promise<boolean> {
  const result = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', tag]);
  if (result.code === 0) return true;
  if (/no such (image|object)/i.test(result.stderr)) return false;
  throw new Error(`docker image inspect ${tag} failed: ${result.stderr.trim()}`);
}
