import { describe, expect, it } from 'vitest';
import { goArch, imagePlatformProblem, parsePlatform, platformMatches, recipePlatformProblem } from '../../../src/core/platforms.js';
import { normalizeSetting, parseToolPlatforms, toolPlatform } from '../../../src/platform/settings.js';

describe('platforms', () => {
  it('reads os/arch[/variant], with the architecture in GOARCH words', () => {
    expect(parsePlatform('linux/arm/v7')).toEqual({ os: 'linux', arch: 'arm', variant: 'v7' });
    expect(parsePlatform('linux/x86_64')).toEqual({ os: 'linux', arch: 'amd64', variant: undefined });
    expect(['amd64', 'linux', 'linux/', 'Linux/amd64', 'linux/amd64/v1/x', 'linux/../x'].map(parsePlatform)).toEqual(Array(6).fill(undefined));
    expect(['x86_64', 'aarch64', 'armv7l', 'riscv64'].map(goArch)).toEqual(['amd64', 'arm64', 'arm', 'riscv64']);
  });

  it('matches on os and arch, and on the variant only when both say one', () => {
    const p = (t: string) => parsePlatform(t)!;
    expect(platformMatches(p('linux/arm64/v8'), p('linux/arm64'))).toBe(true);
    expect(platformMatches(p('linux/arm/v6'), p('linux/arm/v7'))).toBe(false);
    expect(platformMatches(p('linux/amd64'), p('windows/amd64'))).toBe(false);
  });

  it("refuses an image of another architecture than the engine's, or than the one asked for; an image that says none passes", () => {
    expect(imagePlatformProblem('t', 'img', { os: 'linux', architecture: 'arm64' }, 'linux/amd64', false)).toBe(
      't: the image img is for linux/arm64, and the engine runs linux/amd64; run it emulated with --platform linux/arm64 (or berth config set toolPlatforms TOOL=linux/arm64) where the engine can (binfmt_misc with qemu-user-static on its host)',
    );
    expect(imagePlatformProblem('t', 'img', { os: 'linux', architecture: 'amd64' }, 'linux/arm64', true)).toBe('t: the image img is for linux/amd64, not linux/arm64 as asked (the registry may have no linux/arm64 variant of it)');
    expect(imagePlatformProblem('t', 'img', { os: 'linux', architecture: 'x86_64' }, 'linux/amd64', false)).toBeUndefined();
    expect(imagePlatformProblem('t', 'img', {}, 'linux/amd64', false)).toBeUndefined();
  });

  it("refuses by the recipe's list only when it has one", () => {
    expect(recipePlatformProblem('t', undefined, 'linux/amd64', false)).toBeUndefined();
    expect(recipePlatformProblem('t', ['linux/amd64', 'linux/arm64'], 'linux/arm64', false)).toBeUndefined();
    expect(recipePlatformProblem('t', ['linux/amd64'], 'linux/arm64', false)).toMatch(/^t: the recipe's image has no linux\/arm64 variant, which the engine runs \(it lists linux\/amd64\); run it emulated with --platform linux\/amd64 /);
    expect(recipePlatformProblem('t', ['linux/amd64'], 'linux/s390x', true)).toBe("t: the recipe's image has no linux/s390x variant (it lists linux/amd64)");
  });

  it('the toolPlatforms setting: TOOL=OS/ARCH pairs, checked and tidied', () => {
    expect(normalizeSetting('toolPlatforms', 'jq=linux/amd64, yq=linux/arm64')).toBe('jq=linux/amd64,yq=linux/arm64');
    expect(normalizeSetting('toolPlatforms', 'jq')).toBeInstanceOf(Error);
    expect(normalizeSetting('toolPlatforms', 'jq=amd64')).toBeInstanceOf(Error);
    expect(parseToolPlatforms('jq=linux/amd64=x')).toBeUndefined();
    expect(toolPlatform('yq', { toolPlatforms: 'jq=linux/amd64,yq=linux/arm64' })).toBe('linux/arm64');
    expect(toolPlatform('jq', {})).toBeUndefined();
  });
});
