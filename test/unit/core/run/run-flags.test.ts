import { describe, expect, it } from 'vitest';
import { parseRunFlags, runRequest } from '../../../../src/core/run/run-flags.js';
import { UsageError } from '../../../../src/platform/errors.js';

/** The usage error parsing `own` gives. */
function refusal(own: string[]): UsageError {
  try {
    parseRunFlags(own);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`${own.join(' ')} was accepted`);
}

describe("berth run's own flags", () => {
  it('take a value after the flag, after =, or attached to a short flag', () => {
    expect(parseRunFlags(['--pull', 'never', '--network=host', '--image', 'alpine:3'])).toEqual({ pull: 'never', network: 'host', image: 'alpine:3' });
    expect(parseRunFlags(['-e', 'A=1', '-eB=2', '--env=C', '-v', '/a:/b'])).toEqual({ env: ['A=1', 'B=2', 'C'], volume: ['/a:/b'] });
  });

  it('switch booleans on, and off with --no- where the flag allows it', () => {
    expect(parseRunFlags(['--tty', '--dry-run', '-q', '--warm'])).toEqual({ tty: true, 'dry-run': true, quiet: true, warm: true });
    expect(parseRunFlags(['--no-tty', '--no-warm', '--no-path-mounts'])).toEqual({ tty: false, warm: false, 'path-mounts': false });
    expect(parseRunFlags([])).toEqual({});
  });

  it('leave help to oclif', () => {
    expect(parseRunFlags(['--help'])).toBeUndefined();
    expect(parseRunFlags(['-e', 'A=1', '-h'])).toBeUndefined();
  });

  it('refuse what berth run does not know, as a usage error of berth run (exit 125)', () => {
    const unknown = refusal(['--colour']);
    expect([unknown.message, unknown.command, unknown.exitCode]).toEqual(['unknown flag --colour (see berth run --help)', 'run', 125]);
    expect(refusal(['-x']).message).toBe('unknown flag -x (see berth run --help)');
    expect(refusal(['--no-dry-run']).message).toBe('unknown flag --no-dry-run (see berth run --help)');
    expect(refusal(['--no-image']).message).toBe('unknown flag --no-image (see berth run --help)');
  });

  it('refuse a value a flag cannot take, or a missing one', () => {
    expect(refusal(['--tty=yes']).message).toBe('--tty=yes: --tty takes no value');
    expect(refusal(['--image']).message).toBe('--image needs a value');
    expect(refusal(['--image=']).message).toBe('--image needs a value, not an empty one');
    expect(refusal(['--pull', 'sometimes']).message).toBe('--pull must be one of missing, always, never, not "sometimes"');
    expect(refusal(['--network', 'internet']).message).toBe('--network must be one of none, bridge, host, not "internet"');
  });
});

describe('the run request the flags describe', () => {
  it('carries the tool, its arguments and every flag given', () => {
    const flags = parseRunFlags(['--pull', 'always', '-e', 'A=1', '-v', '/a:/b', '--network', 'bridge', '--tty', '--image', 'alpine:3', '--no-path-mounts', '--warm', '-q'])!;
    expect(runRequest('jq@1.7', ['-r', '.a'], flags)).toEqual({
      tool: 'jq@1.7', args: ['-r', '.a'], pull: 'always', env: ['A=1'], volumes: ['/a:/b'], network: 'bridge', tty: true, image: 'alpine:3', pathMounts: false, warm: true, quiet: true,
    });
  });

  it('carries --platform, refusing what is no OS/ARCH[/VARIANT]', () => {
    expect(runRequest('jq', [], parseRunFlags(['--platform', 'linux/arm/v7'])!).platform).toBe('linux/arm/v7');
    expect(() => runRequest('jq', [], parseRunFlags(['--platform', 'arm64'])!)).toThrow('--platform arm64: not a platform (expected OS/ARCH[/VARIANT], e.g. linux/amd64)');
  });

  it('mounts the paths named in the arguments unless told not to, and leaves the rest to the settings and the recipe', () => {
    expect(runRequest('jq', [], {})).toEqual({ tool: 'jq', args: [], pathMounts: true });
  });
});
