import { ownLine, printable } from './terminal-text.js';

/**
 * berth's own failures, each carrying the exit code it maps to. Codes follow docker's
 * convention so scripts can tell berth's failures from the tool's: 125 berth or the engine
 * failed, 126 the command could not be invoked, 127 not found. Bad input files give 1.
 */
export class BerthError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** berth itself or the engine failed (docker's 125). */
export class EngineError extends BerthError {
  constructor(message: string) {
    super(message, 125);
  }
}

/** The engine cannot be reached: nothing answers there, TLS refused, or an endpoint berth cannot speak to. */
export class EngineUnreachableError extends EngineError {}

/** The command exists but could not be invoked (docker's 126). */
export class InvokeError extends BerthError {
  constructor(message: string) {
    super(message, 126);
  }
}

/** No such tool, or its entrypoint is missing in the image (docker's 127). */
export class NotFoundError extends BerthError {
  constructor(message: string) {
    super(message, 127);
  }
}

/** A command line berth cannot use (an unknown flag, a missing value, a bad -v): docker's 125. */
export class UsageError extends BerthError {
  constructor(
    message: string,
    /** The command whose usage it is, when the line names it (`berth run: …`). */
    readonly command?: string,
  ) {
    super(message, 125);
  }
}

/** A file the user wrote is wrong: one line naming the file, the field and the line. */
export class InputError extends BerthError {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    exitCode = 1,
  ) {
    super(message, exitCode);
  }

  /** A fault at a line of a file: `FILE:LINE: message` (the reporter keeps FILE:LINE first). */
  static at(file: string, line: number, message: string): InputError {
    return new InputError(`${file}:${line}: ${message}`, file, line);
  }
}

/** What a file system error code means, in the words berth's one-line messages use; undefined for codes it has none for. */
export function errnoText(code: string | undefined): string | undefined {
  return code === undefined ? undefined : ERRNO_TEXT[code];
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'a symbolic link loop',
  EISDIR: 'a directory',
  ENOSPC: 'no space left on the device',
  EROFS: 'a read-only file system',
  EDQUOT: 'over the disk quota',
  EEXIST: 'something is there already',
};

/**
 * The one place failures become output and exit codes, for every command and for shims: a
 * BerthError is its one-line message and its exit code (the stack too under BERTH_DEBUG=1); any
 * other error is its message and 125, each with berth's prefix (ownLine). Returns false, having written nothing, for an error
 * left to the caller: oclif's own (usage errors, --help) and, under BERTH_DEBUG=1, unexpected
 * errors, which the caller reports with their stack. Sets process.exitCode, never exits.
 */
export function reportError(error: unknown, stderr: NodeJS.WritableStream = process.stderr): boolean {
  if (error instanceof BerthError) {
    // A fault in a file begins `FILE:` (InputError's `file`), as warnAt's lines do.
    const located = error instanceof InputError && error.file !== undefined && error.message.startsWith(`${error.file}:`);
    const text = printable(error.message, true);
    stderr.write(`${located ? text : ownLine(text, error instanceof UsageError ? error.command : undefined)}\n`);
    if (process.env.BERTH_DEBUG === '1' && error.stack) stderr.write(`${error.stack}\n`);
    process.exitCode = error.exitCode;
    return true;
  }
  const isOclif = typeof error === 'object' && error !== null && 'oclif' in error;
  if (process.env.BERTH_DEBUG !== '1' && !isOclif) {
    stderr.write(`${ownLine(printable(error instanceof Error ? error.message : String(error), true))}\n`);
    process.exitCode = 125;
    return true;
  }
  return false;
}
