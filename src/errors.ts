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
}
