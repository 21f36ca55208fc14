/**
 * vitest globalSetup of the e2e project: makes sure the stand-in image of the real tools exists.
 *
 * No container registry on the internet is reachable from here, so the e2e suite runs the built-in
 * recipes against `berth-standin/tools:bookworm`: a Debian bookworm root made by debootstrap (from
 * Debian's mirror), imported as `berth-standin/base:bookworm`, plus Debian's ffmpeg, shellcheck and
 * jq laid out where the upstream images keep them. Both images are built once per machine and reused.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { assertEngine } from './engine.js';
import { check } from './exec.js';
import { buildImage, imageExists } from './images.js';
import { withLock } from './lock.js';

export const STANDIN_BASE_IMAGE = 'berth-standin/base:bookworm';
export const STANDIN_IMAGE = 'berth-standin/tools:bookworm';
export const DEBIAN_MIRROR = 'http://deb.debian.org/debian';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Where the upstream images keep their tools:
 * - ghcr.io/jqlang/jq: ENTRYPOINT ["/jq"]
 * - koalaman/shellcheck: ENTRYPOINT ["/bin/shellcheck"] (/bin is /usr/bin with merged /usr)
 * - mwader/static-ffmpeg: /ffmpeg and /ffprobe
 * - jrottenberg/ffmpeg: /usr/local/bin/ffmpeg (and ffprobe)
 * Hard links, so each path is a regular file like upstream. No ENTRYPOINT: recipes name their own.
 */
export const STANDIN_DOCKERFILE = `FROM ${STANDIN_BASE_IMAGE}
ENV PATH=${DEFAULT_PATH}
RUN set -eux; \\
    export DEBIAN_FRONTEND=noninteractive; \\
    apt-get update; \\
    apt-get install -y --no-install-recommends ffmpeg shellcheck jq; \\
    apt-get clean; \\
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin; \\
    ln -f /usr/bin/jq /jq; \\
    [ -x /bin/shellcheck ] || ln -f /usr/bin/shellcheck /bin/shellcheck; \\
    ln -f /usr/bin/ffmpeg /ffmpeg; \\
    ln -f /usr/bin/ffprobe /ffprobe; \\
    ln -f /usr/bin/ffmpeg /usr/local/bin/ffmpeg; \\
    ln -f /usr/bin/ffprobe /usr/local/bin/ffprobe; \\
    /jq --version; /bin/shellcheck --version; /ffmpeg -version; /usr/local/bin/ffprobe -version >/dev/null
CMD ["bash"]
`;

function log(message: string): void {
  process.stderr.write(`[berth-standins] ${message}\n`);
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(0)} s`;
}

/** Unmounts whatever debootstrap left mounted below `dir` (it mounts proc and sys in the target). */
async function unmountBelow(dir: string): Promise<void> {
  const mounts = (await readFile('/proc/self/mounts', 'utf8'))
    .split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((point): point is string => point !== undefined && (point === dir || point.startsWith(`${dir}/`)))
    .reverse();
  for (const point of mounts) {
    await check('umount', ['-l', point]).catch((error: unknown) => log(`could not unmount ${point}: ${String(error)}`));
  }
}

async function buildBase(): Promise<void> {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'berth-debootstrap-'));
  const root = join(dir, 'root');
  try {
    log(`debootstrap --variant=minbase bookworm ${root} ${DEBIAN_MIRROR} (a few minutes the first time)`);
    await check('debootstrap', ['--variant=minbase', 'bookworm', root, DEBIAN_MIRROR], {
      streamStdout: true,
      streamStderr: true,
      timeoutMs: 30 * 60_000,
    });
    log(`debootstrap done in ${seconds(started)}; importing ${STANDIN_BASE_IMAGE}`);
    await unmountBelow(root);
    // The engine provides /dev, /proc and /sys; downloaded packages and lists are of no use in the image.
    await check('bash', [
      '-c',
      'set -euo pipefail; cd "$1"; rm -rf var/cache/apt/archives/*.deb var/lib/apt/lists/* var/log/bootstrap.log; ' +
        "tar --numeric-owner -c --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' . | " +
        `docker import --change 'ENV PATH=${DEFAULT_PATH}' --change 'CMD ["bash"]' ` +
        `--message 'debootstrap --variant=minbase bookworm' - "$2"`,
      'import-base',
      root,
      STANDIN_BASE_IMAGE,
    ]);
    log(`${STANDIN_BASE_IMAGE} ready after ${seconds(started)}`);
  } finally {
    await unmountBelow(root);
    await rm(dir, { recursive: true, force: true });
  }
}

async function buildTools(): Promise<void> {
  const started = Date.now();
  log(`building ${STANDIN_IMAGE}: apt-get install ffmpeg shellcheck jq (a few minutes the first time)`);
  await buildImage(STANDIN_IMAGE, {}, STANDIN_DOCKERFILE);
  log(`${STANDIN_IMAGE} ready after ${seconds(started)}`);
}

/**
 * Makes the debootstrap'd Debian base unless it exists already; resolves with its tag. The build
 * recipe tests build on it (--base / BERTH_BASE_IMAGE), as an air-gapped user would on theirs.
 */
export async function ensureStandinBase(): Promise<string> {
  await assertEngine();
  if (await imageExists(STANDIN_BASE_IMAGE)) return STANDIN_BASE_IMAGE;
  await withLock('berth-standins-build', async () => {
    if (!(await imageExists(STANDIN_BASE_IMAGE))) await buildBase();
  });
  return STANDIN_BASE_IMAGE;
}

/** Builds the stand-in images unless they exist already; resolves with the tools image's tag. */
export async function ensureStandins(): Promise<string> {
  await assertEngine();
  if (await imageExists(STANDIN_IMAGE)) return STANDIN_IMAGE;
  await withLock('berth-standins-build', async () => {
    // Another run may have built them while we waited for the lock.
    if (await imageExists(STANDIN_IMAGE)) return;
    const started = Date.now();
    if (!(await imageExists(STANDIN_BASE_IMAGE))) await buildBase();
    await buildTools();
    log(`stand-ins built in ${seconds(started)}`);
  });
  return STANDIN_IMAGE;
}

export default async function setup(project: TestProject): Promise<void> {
  project.provide('standinImage', await ensureStandins());
}
