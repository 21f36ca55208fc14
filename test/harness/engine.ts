import { run } from './exec.js';

let checked: Promise<string> | undefined;

/**
 * Checks that a Docker engine answers `docker info`; resolves with its server version.
 * Throws one clear error otherwise (the integration and e2e suites cannot run without one).
 */
export function assertEngine(): Promise<string> {
  checked ??= (async () => {
    let detail: string;
    try {
      const result = await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 30_000 });
      const version = result.stdout.trim();
      if (result.code === 0 && version !== '' && !version.startsWith('<no value>')) return version;
      detail = (result.stderr.trim() || result.stdout.trim() || `exit code ${result.code}`).split('\n').slice(-5).join('\n');
    } catch (error) {
      detail = error instanceof Error ? error.message : String(error);
    }
    throw new Error(
      'No Docker engine answers `docker info`, and the integration and e2e tests need one.\n' +
        'Run `.ci/run` (as root it installs and starts everything the tests need), or start the engine ' +
        'yourself (e.g. `dockerd >/tmp/dockerd.log 2>&1 &`) and check that `docker info` works.\n' +
        `docker said: ${detail}`,
    );
  })();
  // A failed check is not cached, so a later call can succeed once the engine is up.
  checked.catch(() => {
    checked = undefined;
  });
  return checked;
}
