/**
 * vitest globalSetup of the podman project: the core run-semantics files against rootful Podman
 * through its Docker-compatible socket (BERTH_TEST_PODMAN_SOCKET, default /run/podman/podman.sock;
 * `.ci/run` starts the service).
 *
 * Setup: builds the fixture images on the Docker engine (as the integration project does), loads
 * them into Podman when it lacks them (`docker save | podman load`: Podman names them
 * localhost/NAME, and short names resolve), then points this process and the test workers (they
 * inherit it, and the `docker` CLI they run follows it) at the Podman socket. No registry: the
 * files' pulls run on Docker only (see engineUnderTest in test/support/berth.ts).
 *
 * Teardown: as the integration project's, the managed containers this run left on Podman, found by
 * a listing at the end (listManagedContainersAtEnd) rather than from the event stream.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { assertEngine } from './engine.js';
import { run } from './exec.js';
import { ensureFixtures } from './fixtures.js';
import { listManagedContainersAtEnd, MANAGED_LABEL, removeContainers } from './leaks.js';

export const PODMAN_SOCKET = process.env.BERTH_TEST_PODMAN_SOCKET ?? '/run/podman/podman.sock';

/**
 * The user whose rootless Podman the rootless file runs against (BERTH_TEST_PODMAN_ROOTLESS_USER,
 * set by `.ci/run`), and its socket, where berth finds it unconfigured.
 */
export function rootlessPodman(): { user: string; uid: number; gid: number; runtime: string; socket: string } | undefined {
  const user = process.env.BERTH_TEST_PODMAN_ROOTLESS_USER;
  if (!user) return undefined;
  const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim())) as [number, number];
  const runtime = `/run/user/${uid}`;
  return { user, uid, gid, runtime, socket: `${runtime}/podman/podman.sock` };
}

function log(message: string): void {
  process.stderr.write(`[berth-test] ${message}\n`);
}

/** `docker save IMAGE | podman load`, unless Podman has the image already. */
async function loadIntoPodman(image: string, podman: NodeJS.ProcessEnv): Promise<void> {
  if ((await run('docker', ['image', 'inspect', image], { env: podman })).code === 0) return;
  await new Promise<void>((resolve, reject) => {
    const save = spawn('docker', ['save', image], { stdio: ['ignore', 'pipe', 'inherit'] });
    const load = spawn('docker', ['load', '-q'], { env: podman, stdio: ['pipe', 'ignore', 'inherit'] });
    save.stdout.pipe(load.stdin);
    let failed: string | undefined;
    save.on('close', (code) => (failed ??= code === 0 ? undefined : `docker save ${image}: exit code ${code}`));
    load.on('close', (code) => {
      const why = failed ?? (code === 0 ? undefined : `loading ${image} into Podman: exit code ${code}`);
      if (why) reject(new Error(why));
      else resolve();
    });
  });
}

/** The rootful project: the core files against rootful Podman (and test/podman/, which uses both). */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  return setupPodman(project, PODMAN_SOCKET);
}

/**
 * Fixtures loaded into the Podman at `socket` (and the rootless user's), this process and the
 * workers pointed at it, and a leak check at the end.
 */
export async function setupPodman(project: TestProject, socket: string): Promise<() => Promise<void>> {
  const started = Date.now();
  await assertEngine();
  const images = await ensureFixtures();
  const podman = { ...process.env, DOCKER_HOST: `unix://${socket}` };
  const ping = await run('docker', ['version', '--format', '{{.Server.Version}}'], { env: podman, timeoutMs: 30_000 });
  if (ping.code !== 0) {
    throw new Error(
      `No Podman answers at ${socket}, and the ${project.name} project needs one. Run \`BERTH_CI_PODMAN=1 .ci/run --setup-only\` (it installs and starts it), or start it yourself:\n` +
        `  podman system service --time=0 unix://${socket} &\n` +
        `docker said: ${ping.stderr.trim().split('\n').slice(-3).join('\n')}`,
    );
  }
  for (const image of [images.fixtureImage, images.noshellImage]) await loadIntoPodman(image, podman);
  // The rootless user's Podman has storage of its own (root may use its socket).
  const rootless = rootlessPodman();
  if (rootless) for (const image of [images.fixtureImage, images.noshellImage]) await loadIntoPodman(image, { ...process.env, DOCKER_HOST: `unix://${rootless.socket}` });
  // From here on, every `docker` this run starts (the workers' included) speaks to this Podman.
  process.env.DOCKER_HOST = podman.DOCKER_HOST;
  process.env.BERTH_TEST_ENGINE = 'podman';
  // Podman 4.3's event stream stops delivering partway through a run: a listing at the end instead.
  const leaks = listManagedContainersAtEnd();
  project.provide('registry', '');
  project.provide('fixtureImage', images.fixtureImage);
  project.provide('noshellImage', images.noshellImage);
  project.provide('registryFixtureRef', '');
  project.provide('registryFixtureDigest', '');
  log(`${project.name}: Podman ${ping.stdout.trim()} at ${socket}${rootless ? ` and ${rootless.user}'s rootless one` : ''}, fixtures ${images.fixtureImage}, ready in ${Date.now() - started} ms`);

  return async () => {
    const left = await leaks.stop();
    if (left.length === 0) return;
    await removeContainers(left.map((c) => c.id));
    throw new Error(`${left.length} container(s) labelled ${MANAGED_LABEL} were left behind on Podman by the tests (now removed):\n  ` + left.map((c) => c.description).join('\n  '));
  };
}
