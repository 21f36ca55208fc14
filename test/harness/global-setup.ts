/**
 * vitest globalSetup of the integration and e2e projects.
 *
 * Setup: checks the engine, builds the fixture images (only when their content tags are missing),
 * starts a local registry, pushes the fixture image to `<registry>/berth-test/fixture:1`, and
 * provides `registry`, `fixtureImage`, `noshellImage`, `registryFixtureRef` and
 * `registryFixtureDigest` (see provided.d.ts; read them with `inject()`).
 *
 * Teardown: stops the registry (and untags local references into it), then fails the run if
 * containers labelled `berth.managed=true` that this run created are left behind; they are removed
 * first. Containers of other runs or other users of the same engine are left alone (see leaks.ts).
 */
import type { TestProject } from 'vitest/node';
import { assertEngine } from './engine.js';
import { ensureFixtures } from './fixtures.js';
import { MANAGED_LABEL, removeContainers, watchManagedContainers } from './leaks.js';
import { pushImage, removeRegistryImages, startRegistry } from './registry.js';

function log(message: string): void {
  process.stderr.write(`[berth-test] ${message}\n`);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  await assertEngine();
  const leaks = await watchManagedContainers();

  const images = await ensureFixtures();
  const registry = await startRegistry();
  try {
    const registryFixtureRef = `${registry.host}/berth-test/fixture:1`;
    const registryFixtureDigest = await pushImage(images.fixtureImage, registryFixtureRef);
    project.provide('registry', registry.host);
    project.provide('fixtureImage', images.fixtureImage);
    project.provide('noshellImage', images.noshellImage);
    project.provide('registryFixtureRef', registryFixtureRef);
    project.provide('registryFixtureDigest', registryFixtureDigest);
    log(`${project.name}: fixtures ${images.fixtureImage}, registry ${registry.host}, ready in ${Date.now() - started} ms`);
  } catch (error) {
    await registry.stop();
    await removeRegistryImages(registry.host).catch(() => {});
    await leaks.stop(0).catch(() => {});
    throw error;
  }

  return async () => {
    await registry.stop();
    await removeRegistryImages(registry.host).catch((error: unknown) => log(`could not untag ${registry.host}/*: ${String(error)}`));
    const left = await leaks.stop();
    if (left.length === 0) return;
    await removeContainers(left.map((c) => c.id));
    throw new Error(
      `${left.length} container(s) labelled ${MANAGED_LABEL} were left behind by the tests (now removed):\n  ` +
        left.map((c) => c.description).join('\n  '),
    );
  };
}
