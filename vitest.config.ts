import { defineConfig } from 'vitest/config';

// Five suites: unit (pure logic), integration (real engine + local registry + fixture images),
// podman (the core of integration against Podman), remote (against a dockerd whose files are not the host's), e2e (built-in recipes against stand-ins of the real tools built from Debian packages).
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
          include: [
            'test/integration/run.test.ts',
            'test/integration/terminal.test.ts',
            'test/integration/orphans.test.ts',
            'test/integration/warm.test.ts',
            // Podman only: rootless Podman as a second user.
            'test/podman/**/*.test.ts',
          ],
          globalSetup: ['test/harness/podman-setup.ts'],
          env: { DOCKER_HOST: `unix://${process.env.BERTH_TEST_PODMAN_SOCKET ?? '/run/podman/podman.sock'}`, BERTH_TEST_ENGINE: 'podman' },
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          // The run-semantics core and the workspace sync against a "remote" dockerd whose files
          // are not the host's, over TCP: see test/harness/remote-engine.ts.
          name: 'remote',
          include: ['test/remote/**/*.test.ts'],
          globalSetup: ['test/harness/remote-setup.ts'],
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
