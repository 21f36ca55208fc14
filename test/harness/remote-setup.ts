/**
 * vitest globalSetup of the remote project: the run-semantics core and the workspace sync against
 * a "remote" dockerd whose files are not the host's, reached over TCP (remote-engine.ts).
 *
 * Setup: builds the fixture images on the host's engine (as the integration project does), starts
 * the remote engine, loads the fixtures into it (`docker save | docker load`), then points this
 * process and the test workers (they inherit it, and the `docker` CLI they run follows it) at it.
 * No registry: the pull tests stay on the host's engine.
 *
 * Teardown: fails the run if managed containers this run created are left on the remote engine
 * (leaks.ts), then ends the engine (its containers, volumes and folder go with it).
 */
import type { TestProject } from 'vitest/node';
import { assertEngine } from './engine.js';
import { ensureFixtures } from './fixtures.js';
import { MANAGED_LABEL, removeContainers, watchManagedContainers } from './leaks.js';
import { loadImages, startRemoteEngine } from './remote-engine.js';

function log(message: string): void {
  process.stderr.write(`[berth-test] ${message}\n`);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  await assertEngine();
  const images = await ensureFixtures();
  const engine = await startRemoteEngine();
  try {
    await loadImages(engine.host, [images.fixtureImage, images.noshellImage]);
  } catch (error) {
    await engine.stop();
    throw error;
  }
  // From here on, every `docker` this run starts (the workers' included) speaks to the remote engine.
  process.env.DOCKER_HOST = engine.host;
  process.env.BERTH_TEST_ENGINE = 'remote';
  const leaks = await watchManagedContainers();
  project.provide('registry', '');
  project.provide('fixtureImage', images.fixtureImage);
  project.provide('noshellImage', images.noshellImage);
  project.provide('registryFixtureRef', '');
  project.provide('registryFixtureDigest', '');
  project.provide('remoteEngine', engine.host);
  log(`${project.name}: remote dockerd at ${engine.host} (${engine.dir}), fixtures ${images.fixtureImage}, ready in ${Date.now() - started} ms`);

  return async () => {
    try {
      const left = await leaks.stop();
      if (left.length === 0) return;
      await removeContainers(left.map((c) => c.id));
      throw new Error(`${left.length} container(s) labelled ${MANAGED_LABEL} were left behind on the remote engine by the tests (now removed):\n  ` + left.map((c) => c.description).join('\n  '));
    } finally {
      await engine.stop();
    }
  };
}
