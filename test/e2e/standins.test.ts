// Smoke test of the e2e stand-in image (test/harness/standins-setup.ts).
import { describe, expect, inject, it } from 'vitest';
import { docker } from '../harness/exec.js';

describe('stand-in image', () => {
  it('is provided', () => {
    expect(inject('standinImage')).toBe('berth-standin/tools:bookworm');
  });

  it('has jq at /jq', async () => {
    expect(await docker(['run', '--rm', inject('standinImage'), '/jq', '--version'])).toMatch(/^jq-1\.\d/);
  });

  it('has shellcheck at /bin/shellcheck', async () => {
    expect(await docker(['run', '--rm', inject('standinImage'), '/bin/shellcheck', '--version'])).toMatch(/^version: \d/m);
  });

  it('has ffmpeg and ffprobe where the upstream images keep them', async () => {
    const out = await docker([
      'run', '--rm', inject('standinImage'), 'sh', '-c',
      'for f in /ffmpeg /ffprobe /usr/local/bin/ffmpeg "$(command -v ffmpeg)" "$(command -v ffprobe)"; do "$f" -version | head -n 1; done',
    ]);
    const lines = out.split('\n');
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(line).toMatch(/^ff(mpeg|probe) version /);
  });
});
