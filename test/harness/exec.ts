import { spawn } from 'node:child_process';

export interface RunOptions {
  /** Data written to the child's stdin, which is then closed (at once when omitted). */
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the child and reject after this many milliseconds. */
  timeoutMs?: number;
  /** Forward the child's stderr to ours as it arrives (for long builds). */
  streamStderr?: boolean;
  /** Forward the child's stdout to our stderr as it arrives (it is still captured). */
  streamStdout?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly result: RunResult,
  ) {
    const how = result.signal ? `signal ${result.signal}` : `exit code ${result.code}`;
    const detail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-20).join('\n');
    super(`\`${command}\` failed with ${how}${detail ? `:\n${detail}` : ''}`);
    this.name = 'CommandError';
  }
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Runs a command without a shell and resolves with its output, whatever its exit code. */
export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      out.push(chunk);
      if (options.streamStdout) process.stderr.write(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err.push(chunk);
      if (options.streamStderr) process.stderr.write(chunk);
    });
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, options.timeoutMs);
    }
    child.on('error', (error) => {
      if (timer) clearTimeout(timer);
      reject(new Error(`cannot run ${file}: ${error.message}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const result: RunResult = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code,
        signal,
      };
      if (timedOut) {
        reject(new CommandError(`${[file, ...args].map(quote).join(' ')} (timed out after ${options.timeoutMs} ms)`, result));
      } else {
        resolve(result);
      }
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.input);
  });
}

/** Runs a command and resolves with its stdout; rejects with a CommandError when it exits non-zero. */
export async function check(file: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const result = await run(file, args, options);
  if (result.code !== 0) throw new CommandError([file, ...args].map(quote).join(' '), result);
  return result.stdout;
}

/** Shorthand for `docker ARGS`, resolving with trimmed stdout. */
export async function docker(args: readonly string[], options: RunOptions = {}): Promise<string> {
  return (await check('docker', args, options)).trim();
}
