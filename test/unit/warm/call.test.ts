// A warm call that cannot start is reported as a fresh container's would be: the same exit code
// (127 nothing to execute, 126 cannot execute, else 125) and the same words.
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { EngineError, InvokeError, NotFoundError } from '../../../src/platform/errors.js';
import { startFailureError } from '../../../src/runtime/container/start-failure.js';
import { warmStartFailure } from '../../../src/warm/call.js';

const IMAGE = 'registry.test/faketool:1';

describe("a warm call's failed start", () => {
  const plan = { tool: 'faketool', image: IMAGE, entrypoint: [], cmd: ['faketool'] };
  const { ENOENT, EACCES, ENOEXEC, EISDIR, EPERM } = constants.errno;

  it.each([
    [ENOENT, 'exec', 'faketool', NotFoundError, 'faketool: faketool not found in image registry.test/faketool:1'],
    [ENOENT, 'exec', '/bin/faketool', NotFoundError, 'faketool: faketool not found in image registry.test/faketool:1'],
    [ENOENT, 'chdir', 'faketool', NotFoundError, 'faketool: faketool not found in image registry.test/faketool:1'],
    [EACCES, 'exec', '/faketool', InvokeError, 'faketool: cannot execute faketool in image registry.test/faketool:1: exec: "/faketool": permission denied'],
    [ENOEXEC, 'exec', '/faketool', InvokeError, 'faketool: cannot execute faketool in image registry.test/faketool:1: exec: "/faketool": exec format error'],
    [EISDIR, 'exec', '/faketool', InvokeError, 'faketool: cannot execute faketool in image registry.test/faketool:1: exec: "/faketool": is a directory'],
    [EPERM, 'setuid', '/faketool', EngineError, 'faketool: the container did not start: setuid: EPERM'],
  ])('errno %i at %s of %s: as a fresh start with the same cause', (errno, stage, command, kind, message) => {
    const failed = startFailureError(warmStartFailure(errno, stage, command), plan);
    expect(failed).toBeInstanceOf(kind);
    expect(failed.message).toBe(message);
  });
});
