import type { BuildReporter } from '../runtime/registry/builds.js';
import { warn } from '../platform/terminal-text.js';
import { spinnerFits } from './pull-progress.js';

/** A builder's step line: `Step 2/3 : RUN …`. */
const STEP = /^Step \d+\/\d+ : /;

/**
 * How a build shows itself on stderr: a spinner with the current step on a terminal, the step
 * lines plainly otherwise (the whole output is in the build log), nothing when quiet. stdout is
 * never touched.
 */
export function buildReporter(stderr: NodeJS.WriteStream, quiet: boolean, env: NodeJS.ProcessEnv = process.env): BuildReporter {
  if (quiet) return async () => ({ line() {}, stop() {} });
  if (!spinnerFits(stderr, env)) {
    return async (tool, tag) => {
      warn(`building ${tool} (${tag}); a first build takes a while, later runs use the built image`, stderr);
      return {
        line(text) {
          if (STEP.test(text)) warn(`${tool}: ${text}`, stderr);
        },
        stop() {},
      };
    };
  }
  return async (tool) => {
    const { default: ora } = await import('ora');
    // discardStdin false: ora would otherwise put stdin in raw mode and eat the tool's input.
    const spinner = ora({ text: `Building ${tool}`, stream: stderr, discardStdin: false }).start();
    const width = Math.max(20, (stderr.columns ?? 80) - 4);
    return {
      line(text) {
        if (!STEP.test(text)) return;
        const shown = `Building ${tool}: ${text}`;
        spinner.text = shown.length > width ? `${shown.slice(0, width - 1)}…` : shown;
      },
      stop() {
        spinner.stop();
      },
    };
  };
}
