/**
 * vitest globalSetup of the podman-rootless project: the core run-semantics files against the
 * rootless Podman of a second user (BERTH_TEST_PODMAN_ROOTLESS_USER, which `.ci/run` makes), with
 * every berth running as that user (test/support/berth.ts reads BERTH_TEST_ROOTLESS_UID).
 */
import type { TestProject } from 'vitest/node';
import { rootlessPodman, setupPodman } from './podman-setup.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const rootless = rootlessPodman();
  if (!rootless) throw new Error('the podman-rootless project needs BERTH_TEST_PODMAN_ROOTLESS_USER (`.ci/run` sets it up: BERTH_CI_PODMAN=1 .ci/run --setup-only)');
  process.env.BERTH_TEST_ROOTLESS_UID = String(rootless.uid);
  process.env.BERTH_TEST_ROOTLESS_RUNTIME = rootless.runtime;
  return setupPodman(project, rootless.socket);
}
