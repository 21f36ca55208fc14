import { defineConfig } from 'vitest/config';

// Four suites: unit (pure logic), integration (real engine + local registry + fixture images),
// podman (the core of integration against Podman), e2e (built-in recipes against stand-ins of the real tools built from Debian packages).
/** The core of the run semantics, which the Podman projects run. */
const PODMAN_CORE = ['test/integration/run.test.ts', 'test/integration/terminal.test.ts', 'test/integration/orphans.test.ts', 'test/integration/warm.test.ts'];

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/harness/global-setup.ts'],
          // One file at a time: the files share one engine, and a berth run anywhere sweeps the
          // orphans of killed berths (which the signal tests make on purpose).
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          // The core of the run semantics (files, ownership, streams, exit codes, signals, TTY,
          // orphans, warm mode) against rootful Podman: see test/harness/podman-setup.ts.
          name: 'podman',
          // Podman only (test/podman/): rootless Podman as a second user, driven by root.
          include: [...PODMAN_CORE, 'test/podman/**/*.test.ts'],
          globalSetup: ['test/harness/podman-setup.ts'],
          env: { DOCKER_HOST: `unix://${process.env.BERTH_TEST_PODMAN_SOCKET ?? '/run/podman/podman.sock'}`, BERTH_TEST_ENGINE: 'podman' },
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          // The same core against a second user's rootless Podman, every berth running as that
          // user: see test/harness/podman-rootless-setup.ts.
          name: 'podman-rootless',
          include: PODMAN_CORE,
          globalSetup: ['test/harness/podman-rootless-setup.ts'],
          env: { BERTH_TEST_ENGINE: 'podman' },
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/harness/global-setup.ts', 'test/harness/standins-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 1_800_000,
        },
      },
    ],
  },
});
