// Platforms on the real engine: an image of another architecture (arm64, built with the classic
// builder FROM scratch around the warm server's static arm64 program, as native/ builds it) is
// refused in one line before its tool starts, fresh and warm; a recipe's `platforms:` refuses
// before anything; --platform and the toolPlatforms setting reach the engine; info shows both.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PROGRAMS } from '../../src/warm/server-program.js';
import { buildImage } from '../harness/images.js';
import { removeLocalImage } from '../harness/registry.js';
import { berth, makeSandbox, writeRecipe, type Sandbox } from '../support/berth.js';

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

const unique = `${process.pid}${Date.now()}`;
const armImage = `berth-test/platforms-arm64:${unique}`;

describe('platforms', () => {
  let sb: Sandbox;
  let engine: string;
  const arm = `arm${unique}`;
  const listed = `listed${unique}`;
  const fixture = `fixture${unique}`;
  const containersOf = (tool: string) => docker('ps', '-a', '--filter', `label=berth.tool=${tool}`, '--format', '{{.ID}}').split('\n').filter(Boolean);

  beforeAll(async () => {
    sb = makeSandbox();
    engine = `linux/${docker('version', '--format', '{{.Server.Arch}}')}`;
    // The test needs an image of an architecture other than the engine's.
    expect(engine).toBe('linux/amd64');
    await buildImage(armImage, { server: Buffer.from(PROGRAMS.arm64!, 'base64') }, 'FROM scratch\nCOPY server /server\nENTRYPOINT ["/server"]\n', { platform: 'linux/arm64' });
    expect(docker('image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', armImage)).toBe('linux/arm64');
    writeRecipe(sb, { name: arm, image: armImage, version: '1', entrypoint: ['/server'] });
    writeRecipe(sb, { name: listed, image: inject('fixtureImage'), version: '1', platforms: ['linux/arm64', 'linux/arm/v7'], entrypoint: ['echo'] });
    writeRecipe(sb, { name: fixture, image: inject('fixtureImage'), version: '1', platforms: ['linux/amd64'], entrypoint: ['echo-args'] });
  }, 300_000);

  afterAll(async () => {
    await removeLocalImage(armImage).catch(() => {});
  });

  it('an image of another architecture is refused in one line before the tool starts, fresh and warm, leaving no container', async () => {
    const expected = `berth: ${arm}: the image ${armImage} is for linux/arm64, and the engine runs ${engine}; run it emulated with --platform linux/arm64 (or berth config set toolPlatforms TOOL=linux/arm64) where the engine can (binfmt_misc with qemu-user-static on its host)\n`;
    for (const flags of [[], ['--warm']]) {
      const r = await berth(sb, ['run', ...flags, arm, '--version']);
      expect([r.code, r.stderr, r.stdout.toString()]).toEqual([125, expected, '']);
    }
    expect(containersOf(arm)).toEqual([]);
  });

  it("a recipe's platforms refuse an engine of none of them before anything, with the engine's error never seen", async () => {
    const r = await berth(sb, ['run', listed, 'hi']);
    expect([r.code, r.stdout.toString()]).toEqual([125, '']);
    expect(r.stderr).toBe(
      `berth: ${listed}: the recipe's image has no ${engine} variant, which the engine runs (it lists linux/arm64, linux/arm/v7); run it emulated with --platform linux/arm64 (or berth config set toolPlatforms TOOL=linux/arm64) where the engine can (binfmt_misc with qemu-user-static on its host)\n`,
    );
    const asked = await berth(sb, ['run', '--platform', 'linux/s390x', listed, 'hi']);
    expect([asked.code, asked.stderr]).toEqual([125, `berth: ${listed}: the recipe's image has no linux/s390x variant (it lists linux/arm64, linux/arm/v7)\n`]);
    expect(containersOf(listed)).toEqual([]);
  });

  it('--platform and the toolPlatforms setting reach the engine (and --dry-run); a bad platform is a usage error', async () => {
    const run = await berth(sb, ['run', '--platform', engine, fixture, 'hi']);
    expect([run.code, run.stderr, run.stdout.toString()]).toEqual([0, '', '<hi>\n']);
    const bad = await berth(sb, ['run', '--platform', 'amd64', fixture]);
    expect([bad.code, bad.stderr]).toEqual([125, 'berth run: --platform amd64: not a platform (expected OS/ARCH[/VARIANT], e.g. linux/amd64)\n']);
    const set = await berth(sb, ['config', 'set', 'toolPlatforms', `${arm}=linux/arm64, ${fixture}=${engine}`]);
    expect([set.code, set.stdout.toString()]).toEqual([0, `toolPlatforms=${arm}=linux/arm64,${fixture}=${engine}\n`]);
    const dry = await berth(sb, ['run', '--dry-run', arm]);
    expect(dry.stdout.toString()).toContain(' --platform linux/arm64 ');
    const viaSetting = await berth(sb, ['run', fixture, 'again']);
    expect([viaSetting.code, viaSetting.stdout.toString()]).toEqual([0, '<again>\n']);
    const refused = await berth(sb, ['config', 'set', 'toolPlatforms', 'jq']);
    expect(refused.code).toBe(1);
    await berth(sb, ['config', 'unset', 'toolPlatforms']);
  });

  it("berth info shows the recipe's platforms and the cached image's", async () => {
    const info = JSON.parse((await berth(sb, ['info', arm, '--json'])).stdout.toString()) as Record<string, unknown>;
    expect([info.platforms, info.imagePlatform]).toEqual([null, 'linux/arm64']);
    const text = (await berth(sb, ['info', listed])).stdout.toString();
    expect(text).toMatch(new RegExp(`^  platforms  linux/arm64, linux/arm/v7; the cached image is ${engine}$`, 'm'));
  });
});
