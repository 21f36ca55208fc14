import { Command } from '@oclif/core';
import { BerthError } from './errors.js';

/**
 * Every berth command extends this: berth's typed errors become one line on stderr and their
 * exit code, with the stack only under BERTH_DEBUG=1. Exit codes are set, never forced with
 * process.exit, so piped output is flushed.
 */
export abstract class BaseCommand extends Command {
  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    if (error instanceof BerthError) {
      process.stderr.write(`${error.message}\n`);
      if (process.env.BERTH_DEBUG === '1' && error.stack) process.stderr.write(`${error.stack}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    if (process.env.BERTH_DEBUG !== '1' && !('oclif' in error)) {
      process.stderr.write(`berth: ${error.message}\n`);
      process.exitCode = 125;
      return;
    }
    return super.catch(error);
  }

  /** Writes a line to stdout. */
  protected out(line: string): void {
    process.stdout.write(`${line}\n`);
  }
}
