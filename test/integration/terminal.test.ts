// Issue 12 §2: odd terminals and closed pipes. Progress degrades to one plain line on a terminal
// that reports 0 columns (some CI ptys, `script`), and a closed stdout ends every command path
// quietly with 141, as a native tool killed by SIGPIPE.
import { execFileSync, spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { asUser, BERTH, berthInTerminal, makeSandbox, ON_PODMAN, writeRecipe, type Sandbox } from '../support/berth.js';

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

describe('odd terminals and closed pipes', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = makeSandbox();
  });

  // A pull from the test registry: Docker only (see run.test.ts's images).
  it.skipIf(ON_PODMAN)('a pull on a terminal of 0 columns shows one plain line, and the run ends with the tool', async () => {
    const ref = `${inject('registry')}/berth-test/narrow-${process.pid}-${Date.now()}:1`;
    docker('tag', inject('fixtureImage'), ref);
    docker('push', ref);
    docker('rmi', ref);
    writeRecipe(sb, { name: 'narrow', image: ref });
    const r = await berthInTerminal(sb, ['run', 'narrow', 'echo', 'ok'], { cols: 0, timeout: 30 });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    // The plain line, then the tool's output (its TTY's CR LF, through the host's pty): no spinner frames.
    expect(r.output.startsWith(`berth: pulling ${ref}\r\nok\r`)).toBe(true);
    expect(r.output).toMatch(/^[^\n]*\n[^\n]*\n$/);
    docker('rmi', ref);
  });

  it.each([['run', '-h'], ['help'], ['--version'], ['list'], ['info', 'jq'], ['warm', 'ls']])('berth %s into a closed pipe exits 141 quietly', (...args) => {
    // The reader has gone before berth writes: every write is EPIPE.
    const [shell, ...shellArgs] = asUser(sb, ['bash', '-c', `"$@" 2>&1 | true; exit "\${PIPESTATUS[0]}"`, 'sh', process.execPath, BERTH, ...args]);
    const r = spawnSync(shell!, shellArgs, { cwd: sb.work, env: { ...sb.env }, encoding: 'utf8' });
    expect(r.stdout).toBe('');
    expect(r.status).toBe(141);
  });

  it('berth run without a tool says how to name one, in one line, exit 125', () => {
    for (const args of [['run'], ['run', '--pull', 'always']]) {
      const [node, ...argv] = asUser(sb, [process.execPath, BERTH, ...args]);
      const r = spawnSync(node!, argv, { cwd: sb.work, env: { ...sb.env }, encoding: 'utf8' });
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('berth: berth run needs a tool: berth run [FLAGS] TOOL[@VERSION] [TOOL ARGS...], e.g. berth run jq --version (berth run --help for the flags)\n');
      expect(r.status).toBe(125);
    }
  });
});
