/**
 * vitest globalSetup of the e2e project: makes sure the stand-ins of the built-in recipes' images exist.
 *
 * No container registry on the internet is reachable from here, so the e2e suite runs the built-in
 * recipes against stand-ins: a Debian bookworm root made by debootstrap (from Debian's mirror),
 * imported as `berth-standin/base:bookworm`; on it one image with the Debian packages of every tool
 * that Debian has (`berth-standin/tools:<hash>`, one apt-get); and on that, one thin image per
 * upstream image, laid out as the "Image layouts" table of recipes/sources.md says the upstream
 * image is: each evidenced program at its evidenced path (moved there from Debian's, so a recipe
 * naming another path fails), the evidenced ENTRYPOINT, CMD, USER and WORKDIR, and no shell where
 * the upstream image has none. The layout comes from the evidence, never from the recipe, so a
 * recipe whose entrypoint is wrong fails here as it would on the real image. Every tag carries a
 * hash of its inputs (the Dockerfile text and the parent image's id): built once, rebuilt when an
 * input changes.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { imageLayouts, PATH_DIRS, readEvidence, type ImageLayout } from '../support/evidence.js';
import { assertEngine } from './engine.js';
import { check, docker } from './exec.js';
import { buildImage, imageExists } from './images.js';
import { withLock } from './lock.js';

export const STANDIN_BASE_IMAGE = 'berth-standin/base:bookworm';
export const DEBIAN_MIRROR = 'http://deb.debian.org/debian';

const DEFAULT_PATH = PATH_DIRS.join(':');

/**
 * The bookworm packages that hold the programs of each upstream image that gets a stand-in. An
 * image whose tool Debian lacks (or ships as another program: Debian's yq is kislyuk's, its
 * ImageMagick 6 has no `magick`) gets none; test/e2e/recipe-examples.ts says so per recipe.
 */
export const STANDIN_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  'ghcr.io/jqlang/jq': ['jq'],
  'docker.io/koalaman/shellcheck': ['shellcheck'],
  'docker.io/mvdan/shfmt': ['shfmt'],
  'docker.io/mwader/static-ffmpeg': ['ffmpeg'],
  'docker.io/jrottenberg/ffmpeg': ['ffmpeg'],
  'docker.io/pipelinecomponents/yamllint': ['yamllint'],
  'docker.io/pyfound/black': ['black'],
  'docker.io/keinos/sqlite3': ['sqlite3'],
  'docker.io/curlimages/curl': ['curl'],
  'docker.io/alpine/httpie': ['httpie'],
  'docker.io/pandoc/latex': ['pandoc'],
  'docker.io/jitesoft/tesseract-ocr': ['tesseract-ocr', 'tesseract-ocr-eng'],
  'docker.io/library/node': ['nodejs', 'npm'],
  'docker.io/library/python': ['python3'],
  'docker.io/jauderho/yt-dlp': ['yt-dlp'],
  'docker.io/amazon/aws-cli': ['awscli'],
  'registry.k8s.io/kubectl': ['kubernetes-client'],
};

/** Also in the tools image: a font, for the test images with text that the OCR examples read. */
const EXTRA_PACKAGES = ['fonts-dejavu-core', 'ca-certificates'];

/** A font of fonts-dejavu-core, in every stand-in. */
export const SAMPLE_FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 12);

const sh = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** The Dockerfile of the tools image: every package above, one apt-get. */
export function toolsDockerfile(baseId: string): string {
  const packages = [...new Set([...Object.values(STANDIN_PACKAGES).flat(), ...EXTRA_PACKAGES])].sort();
  return `# base ${baseId}
FROM ${STANDIN_BASE_IMAGE}
ENV PATH=${DEFAULT_PATH}
RUN set -eux; \\
    export DEBIAN_FRONTEND=noninteractive; \\
    apt-get update; \\
    apt-get install -y --no-install-recommends ${packages.join(' ')}; \\
    apt-get clean; \\
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
CMD ["bash"]
`;
}

/**
 * The Dockerfile of one upstream image's stand-in, from its evidenced layout only. Each program
 * the evidence names by path is moved there from Debian's (linked instead when the evidence also
 * shows it on PATH, or when the paths are one file through merged /usr); a program that Debian
 * does not have (a wrapper script, dumb-init) is left out, as the recipes must not need it.
 */
export function standinDockerfile(tools: string, layout: ImageLayout): string {
  const steps: string[] = [];
  const bare = new Set(layout.programs.filter((p) => !p.startsWith('/')));
  for (const program of layout.programs.filter((p) => p.startsWith('/'))) {
    const name = program.slice(program.lastIndexOf('/') + 1);
    const verb = bare.has(name) ? 'ln -f' : 'mv';
    steps.push(
      `if src=$(command -v ${sh(name)}); then mkdir -p "$(dirname ${sh(program)})"; ` +
        `if [ "$(readlink -f "$src")" != "$(readlink -f ${sh(program)} 2>/dev/null || echo none)" ]; then ${verb} "$src" ${sh(program)}; fi; fi`,
    );
  }
  const user = layout.user && layout.user !== 'root' ? layout.user : undefined;
  if (user) steps.push(`useradd --system --user-group ${layout.workdir === `/home/${user}` ? '--create-home' : '--no-create-home'} ${sh(user)}`);
  if (layout.workdir) steps.push(`mkdir -p ${sh(layout.workdir)}`);
  // Last, as it takes the shell away from any later RUN.
  if (!layout.shell) steps.push('rm -f /usr/bin/sh /usr/bin/dash /usr/bin/bash /usr/bin/rbash /bin/sh /bin/dash /bin/bash /bin/rbash');
  const lines = [`# ${layout.image}`, `FROM ${tools}`];
  if (steps.length > 0) lines.push(`RUN set -eux; ${steps.join('; \\\n    ')}`);
  if (user) lines.push(`USER ${user}`);
  if (layout.workdir) lines.push(`WORKDIR ${layout.workdir}`);
  lines.push(`ENTRYPOINT ${JSON.stringify(layout.entrypoint ?? [])}`);
  lines.push(layout.cmd ? `CMD ${JSON.stringify(layout.cmd)}` : 'CMD []');
  return `${lines.join('\n')}\n`;
}

/** The local tag of the stand-in of an upstream image repository, e.g. berth-standin/koalaman-shellcheck:<hash>. */
function standinTag(image: string, dockerfile: string): string {
  const name = image.replace(/^(docker\.io|ghcr\.io|registry\.k8s\.io)\//, '').replace(/[^a-z0-9]+/g, '-');
  return `berth-standin/${name}:${hash(dockerfile)}`;
}

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

async function imageId(tag: string): Promise<string> {
  return (await docker(['image', 'inspect', '--format', '{{.Id}}', tag])).trim();
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

/** Builds the stand-ins that are missing; resolves with the stand-in tag of each upstream image repository. */
export async function ensureStandins(): Promise<Record<string, string>> {
  await assertEngine();
  const layouts = imageLayouts(readEvidence());
  for (const image of Object.keys(STANDIN_PACKAGES)) {
    if (!layouts.some((l) => l.image === image)) throw new Error(`recipes/sources.md has no Image layouts row for ${image}`);
  }
  return withLock('berth-standins-build', async () => {
    const started = Date.now();
    if (!(await imageExists(STANDIN_BASE_IMAGE))) await buildBase();
    const toolsFile = toolsDockerfile(await imageId(STANDIN_BASE_IMAGE));
    const tools = `berth-standin/tools:${hash(toolsFile)}`;
    if (!(await imageExists(tools))) {
      log(`building ${tools}: apt-get install of ${Object.keys(STANDIN_PACKAGES).length} tools' packages (several minutes the first time)`);
      await buildImage(tools, {}, toolsFile);
      log(`${tools} ready after ${seconds(started)}`);
    }
    const toolsId = await imageId(tools);
    const standins: Record<string, string> = {};
    for (const layout of layouts.filter((l) => l.image in STANDIN_PACKAGES)) {
      const file = standinDockerfile(tools, layout);
      const tag = standinTag(layout.image, `${toolsId}\n${file}`);
      if (!(await imageExists(tag))) await buildImage(tag, {}, file);
      standins[layout.image] = tag;
    }
    log(`${Object.keys(standins).length} stand-ins ready after ${seconds(started)}`);
    return standins;
  });
}

export default async function setup(project: TestProject): Promise<void> {
  project.provide('standins', await ensureStandins());
}
