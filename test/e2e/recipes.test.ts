import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { STANDIN_BASE_IMAGE } from '../harness/standins-setup.js';
import { berth, makeSandbox, OTHER_UID, type Sandbox } from '../support/berth.js';

/** A GIF's signature, logical width and frame count (one graphic control extension, 21 F9 04, per frame). */
function gifFacts(file: string): { magic: string; width: number; frames: number } {
  const gif = readFileSync(file);
  const marker = Buffer.from([0x21, 0xf9, 0x04]);
  let frames = 0;
  for (let i = gif.indexOf(marker); i !== -1; i = gif.indexOf(marker, i + 1)) frames++;
  return { magic: gif.subarray(0, 6).toString('latin1'), width: gif.readUInt16LE(6), frames };
}

/**
 * The BUILT-IN recipes against the real programs. The upstream images cannot be pulled here, so
 * `--image` swaps in a stand-in built from Debian's packages, with each tool where the upstream
 * image has it; everything else (entrypoint, script, user, network, env) is the recipe's own.
 * The recipes that build their image (gif, gifsicle) are built for real, from Debian's archive,
 * on the stand-in Debian base (BERTH_BASE_IMAGE) instead of their pinned Debian base.
 */
describe('built-in recipes with the real tools', () => {
  let sb: Sandbox;
  let standin: string;

  beforeAll(() => {
    standin = inject('standinImage');
    sb = makeSandbox({ uid: OTHER_UID });
    sb.env.BERTH_BASE_IMAGE = STANDIN_BASE_IMAGE;
  });

  /** The gif recipe's image, built once (quietly, so the runs below print nothing of their own). */
  let gifBuilt: Promise<void> | undefined;
  const buildGif = () =>
    (gifBuilt ??= berth(sb, ['build', '-q', 'gif'], { timeoutMs: 900_000 }).then((built) => {
      expect([built.code, built.stderr]).toEqual([0, '']);
    }));

  /** A 2-second test video, made once by the ffmpeg recipe, for the gif tests. */
  let sample: Promise<void> | undefined;
  const makeSample = () =>
    (sample ??= berth(sb, ['run', '--image', standin, 'ffmpeg', '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=duration=2:size=320x240:rate=15', '-pix_fmt', 'yuv420p', 'sample.mp4'], {
      timeoutMs: 120_000,
    }).then((made) => {
      expect(made.stderr).toBe('');
      expect(made.code).toBe(0);
    }));

  it('gif turns a video into an optimised, animated GIF owned by the user', async () => {
    await Promise.all([makeSample(), buildGif()]);

    const r = await berth(sb, ['run', 'gif', '--fps', '8', '--width', '160', 'sample.mp4', 'sample.gif'], { timeoutMs: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const file = path.join(sb.work, 'sample.gif');
    const gif = gifFacts(file);
    expect(gif.magic).toBe('GIF89a');
    expect(gif.width).toBe(160);
    // 2 s at 8 frames a second.
    expect(gif.frames).toBe(16);
    expect(statSync(file).uid).toBe(OTHER_UID);
  });

  it('gif takes GIF_FPS and GIF_WIDTH from the environment, its flags winning over them', async () => {
    await Promise.all([makeSample(), buildGif()]);
    const env = { GIF_FPS: '4', GIF_WIDTH: '96' };
    const viaEnv = await berth(sb, ['run', 'gif', 'sample.mp4', 'env.gif'], { env, timeoutMs: 120_000 });
    expect([viaEnv.code, viaEnv.stderr]).toEqual([0, '']);
    expect(gifFacts(path.join(sb.work, 'env.gif'))).toMatchObject({ width: 96, frames: 8 });
    const widthWins = await berth(sb, ['run', 'gif', '--width=120', 'sample.mp4', 'width.gif'], { env, timeoutMs: 120_000 });
    expect([widthWins.code, widthWins.stderr]).toEqual([0, '']);
    expect(gifFacts(path.join(sb.work, 'width.gif'))).toMatchObject({ width: 120, frames: 8 });
    const fpsWins = await berth(sb, ['run', 'gif', '--fps', '5', 'sample.mp4', 'fps.gif'], { env, timeoutMs: 120_000 });
    expect([fpsWins.code, fpsWins.stderr]).toEqual([0, '']);
    expect(gifFacts(path.join(sb.work, 'fps.gif'))).toMatchObject({ width: 96, frames: 10 });
  });

  it('gif --optimize: a valid GIF with the same frames, smaller than without it (ffmpeg palette + gifsicle -O3 --lossy)', async () => {
    await Promise.all([makeSample(), buildGif()]);
    const plain = await berth(sb, ['run', 'gif', '--fps', '8', '--width', '160', 'sample.mp4', 'plain.gif'], { timeoutMs: 120_000 });
    expect([plain.code, plain.stderr]).toEqual([0, '']);
    const optimized = await berth(sb, ['run', 'gif', '--optimize', '--fps', '8', '--width', '160', 'sample.mp4', 'small.gif'], { timeoutMs: 120_000 });
    expect([optimized.code, optimized.stderr]).toEqual([0, '']);
    const small = path.join(sb.work, 'small.gif');
    expect(gifFacts(small)).toEqual({ magic: 'GIF89a', width: 160, frames: 16 });
    expect(statSync(small).size).toBeLessThan(statSync(path.join(sb.work, 'plain.gif')).size);
    expect(statSync(small).uid).toBe(OTHER_UID);
    // gifsicle (a built-in build recipe too) reads it back whole.
    const info = await berth(sb, ['run', '-q', 'gifsicle', '--info', 'small.gif'], { timeoutMs: 900_000 });
    expect(info.code).toBe(0);
    expect(info.stdout.toString()).toMatch(/^\* small\.gif 16 images\n/);
    expect(info.stdout.toString()).toContain('logical screen 160x120');
  });

  it('gif explains its usage when given the wrong arguments', async () => {
    await buildGif();
    const r = await berth(sb, ['run', 'gif', 'only-one-arg.mp4']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: gif');
  });

  it('shellcheck flags a bad script with exit 1 and passes a good one', async () => {
    writeFileSync(path.join(sb.work, 'bad.sh'), '#!/bin/sh\necho $1\nrm -rf $dir/*\n');
    writeFileSync(path.join(sb.work, 'good.sh'), '#!/bin/sh\necho "$1"\n');
    const bad = await berth(sb, ['run', '--image', standin, 'shellcheck', 'bad.sh']);
    expect(bad.code).toBe(1);
    expect(bad.stdout.toString()).toContain('SC2086');
    const good = await berth(sb, ['run', '--image', standin, 'shellcheck', 'good.sh']);
    expect(good.code).toBe(0);
    expect(good.stdout.toString()).toBe('');
  });

  it('jq filters piped JSON', async () => {
    const r = await berth(sb, ['run', '--image', standin, 'jq', '-c', '.items | map(.n * 2)'], { input: '{"items":[{"n":1},{"n":20}]}' });
    expect(r.stdout.toString()).toBe('[2,40]\n');
    expect(r.code).toBe(0);
    const invalid = await berth(sb, ['run', '--image', standin, 'jq', '.'], { input: '{not json' });
    // The same exit code as the program run directly (jq's code for bad input varies by version).
    const direct = spawnSync('docker', ['run', '--rm', '-i', standin, '/jq', '.'], { input: '{not json' });
    expect(direct.status).toBeGreaterThan(0);
    expect(invalid.code).toBe(direct.status);
    expect(invalid.stdout.toString()).toBe('');
    expect(invalid.stderr).toMatch(/parse error/);
  });
});
