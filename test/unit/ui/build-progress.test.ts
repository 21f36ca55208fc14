import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildReporter } from '../../../src/ui/build-progress.js';

/** A stderr that keeps what is written to it; a terminal of `columns` when given. */
function stderr(columns?: number): NodeJS.WriteStream & { text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  // What ora asks of a terminal stream besides write().
  const cursor = { cursorTo: () => true, clearLine: () => true, moveCursor: () => true };
  return Object.assign(stream, cursor, { isTTY: columns !== undefined, columns, text: () => text }) as unknown as NodeJS.WriteStream & { text: () => string };
}

describe('build progress', () => {
  it('off a terminal: a line to start, then one per step, never the steps\' own output', async () => {
    const err = stderr();
    const progress = await buildReporter(err, false, {})('gifsicle', 'berth-build/gifsicle:abc');
    progress.line('Step 1/2 : FROM debian');
    progress.line('Get:1 http://deb.debian.org/debian bookworm InRelease');
    progress.line('Step 2/2 : RUN apt-get install gifsicle');
    progress.stop();
    expect(err.text()).toBe(
      [
        'berth: building gifsicle (berth-build/gifsicle:abc); a first build takes a while, later runs use the built image',
        'berth: gifsicle: Step 1/2 : FROM debian',
        'berth: gifsicle: Step 2/2 : RUN apt-get install gifsicle',
        '',
      ].join('\n'),
    );
  });

  it('quiet: nothing at all', async () => {
    const err = stderr(80);
    const progress = await buildReporter(err, true, {})('gifsicle', 'berth-build/gifsicle:abc');
    progress.line('Step 1/2 : FROM debian');
    progress.stop();
    expect(err.text()).toBe('');
  });

  it('on a terminal: a spinner showing the current step, cleared at the end', async () => {
    // ora animates only outside CI (its is-interactive check reads CI): as on a user's terminal.
    const ci = process.env.CI;
    delete process.env.CI;
    try {
      const err = stderr(60);
      const progress = await buildReporter(err, false, { TERM: 'xterm' })('gifsicle', 'berth-build/gifsicle:abc');
      progress.line('Step 2/2 : RUN apt-get install --no-install-recommends gifsicle and a long tail');
      await new Promise((r) => setTimeout(r, 150));
      progress.stop();
      expect(err.text()).toContain('Building gifsicle: Step 2/2 : RUN apt-get install');
      expect(err.text()).not.toContain('a long tail');
      expect(err.text()).not.toContain('berth: ');
    } finally {
      if (ci !== undefined) process.env.CI = ci;
    }
  });
});
