import { Command, Flags } from '@oclif/core';
import { reportError } from './platform/errors.js';
import { printable } from './platform/terminal-text.js';

/**
 * Every berth command extends this: berth's typed errors become one line on stderr and their
 * exit code (see reportError, shared with the shims), with the stack only under BERTH_DEBUG=1.
 * Exit codes are set, never forced with process.exit, so piped output is flushed.
 */
export abstract class BaseCommand extends Command {
  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    if (reportError(error)) return;
    return super.catch(error);
  }

  /** Writes a line to stdout; text from files comes out printable (no terminal control characters). */
  protected out(line: string): void {
    process.stdout.write(`${printable(line, true)}\n`);
  }
}

/**
 * `--all-users` of the commands that see berth's containers (warm ls, warm stop, gc), which
 * otherwise see only the caller's: root only (runtime/container/owner.ts refuses it to others).
 */
export function allUsersFlag(what: string) {
  return Flags.boolean({ description: `${what}, and those of a berth from before containers were labelled with their user (root only)` });
}
