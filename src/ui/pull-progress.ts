import type { PullProgress } from '../runtime/registry/images.js';
import { warn } from '../platform/terminal-text.js';

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * How a pull shows itself on stderr: a spinner with bytes done/total on a terminal, one plain
 * line otherwise, nothing with --quiet. stdout is never touched.
 */
export type PullReporter = (ref: string) => Promise<PullProgress & { stop(): void }>;

/** Narrower than this (some CI ptys and `script` report 0 columns), a spinner cannot redraw in place. */
const SPINNER_MIN_COLUMNS = 20;

/**
 * Only a real, sized, capable terminal gets a spinner; any odd one gets plain lines (ora on a
 * 0-column terminal redrew in a tight loop, starving signals).
 */
export function spinnerFits(stderr: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  return Boolean(stderr.isTTY) && (stderr.columns ?? 0) >= SPINNER_MIN_COLUMNS && env.TERM !== 'dumb';
}

export function pullReporter(stderr: NodeJS.WriteStream, quiet: boolean, env: NodeJS.ProcessEnv = process.env): PullReporter {
  if (quiet) return async () => ({ update() {}, stop() {} });
  if (!spinnerFits(stderr, env)) {
    return async (ref) => {
      warn(`pulling ${ref}`, stderr);
      return { update() {}, stop() {} };
    };
  }
  return async (ref) => {
    const { default: ora } = await import('ora');
    // discardStdin false: ora would otherwise put stdin in raw mode and eat the tool's input.
    const spinner = ora({ text: `Pulling ${ref}`, stream: stderr, discardStdin: false }).start();
    let drawn = 0;
    return {
      update(done, total) {
        spinner.text = `Pulling ${ref}: ${megabytes(done)}${total ? ` / ${megabytes(total)}` : ''}`;
        // ora redraws on its own timer only; a fast pull would never show its bytes.
        const now = Date.now();
        if (now - drawn > 100) {
          drawn = now;
          spinner.render();
        }
      },
      stop() {
        spinner.stop();
      },
    };
  };
}
