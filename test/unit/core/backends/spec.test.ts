import { describe, expect, it } from 'vitest';
import { isPackageSpec, packageFailure, packageRecipe, packageToolName, parsePackageSpec } from '../../../../src/core/backends/spec.js';
import { buildPlan } from '../../../../src/core/recipes/build.js';
import { UsageError } from '../../../../src/platform/errors.js';

const refusal = (spec: string, bin?: string) => {
  try {
    parsePackageSpec(spec, bin);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  return undefined;
};

describe('package specs', () => {
  it('tells a package spec from a tool name by its prefix', () => {
    expect(isPackageSpec('npm:prettier')).toBe(true);
    expect(isPackageSpec('apt:gifsicle@1.93-2')).toBe(true);
    expect(isPackageSpec('jq')).toBe(false);
    expect(isPackageSpec('jq@1.7.1')).toBe(false);
  });

  it('takes the name and version apart, scoped npm names included', () => {
    const at = (spec: string) => {
      const { backend, name, version } = parsePackageSpec(spec);
      return [backend.prefix, name, version];
    };
    expect(at('npm:prettier')).toEqual(['npm', 'prettier', undefined]);
    expect(at('npm:prettier@3.6.2')).toEqual(['npm', 'prettier', '3.6.2']);
    expect(at('npm:@scope/pkg')).toEqual(['npm', '@scope/pkg', undefined]);
    expect(at('npm:@scope/pkg@1.0.0-beta.1')).toEqual(['npm', '@scope/pkg', '1.0.0-beta.1']);
    expect(at('npm:cowsay@latest')).toEqual(['npm', 'cowsay', 'latest']);
    expect(at('apt:gifsicle@1.93-2')).toEqual(['apt', 'gifsicle', '1.93-2']);
    expect(at('apt:libstdc++6@1:12.2.0-14')).toEqual(['apt', 'libstdc++6', '1:12.2.0-14']);
  });

  it('refuses bad names, versions, ranges, bins and unknown prefixes in one line (125)', () => {
    expect(refusal('npm:@@bad')).toMatch(/^npm:@@bad: .* is not an npm package name/);
    expect(refusal('npm:Prettier')).toMatch(/not an npm package name/);
    expect(refusal("npm:a'b")).toMatch(/not an npm package name/);
    expect(refusal('npm:')).toMatch(/empty: name a package/);
    expect(refusal('npm:prettier@^3')).toMatch(/"\^3" is not an exact version .* or a dist-tag/);
    expect(refusal('npm:prettier@')).toMatch(/"" is empty/);
    expect(refusal('apt:g')).toMatch(/not a Debian package name/);
    expect(refusal('apt:gifsicle@1.93;rm')).toMatch(/not a Debian version/);
    expect(refusal('apt:coreutils', 'ls;rm')).toMatch(/^--bin ls;rm: not a command name/);
    expect(refusal('pip:ruff')).toBe('pip:ruff: pip: packages are not supported yet (berth has apt:, npm:; see the roadmap in the README)');
    expect(refusal('cargo:ripgrep')).toMatch(/not supported yet/);
    expect(refusal('brew:jq')).toBe('brew:jq: "brew:" is not a package backend (berth has apt:, npm:)');
  });

  it('names the tool after the package, in a tool name\'s characters, apart for packages that map alike', () => {
    const name = (spec: string, bin?: string) => packageToolName(parsePackageSpec(spec, bin));
    expect(name('npm:prettier@3.6.2')).toBe('npm-prettier');
    expect(name('apt:gifsicle')).toBe('apt-gifsicle');
    expect(name('npm:@scope/pkg')).toMatch(/^npm-scope-pkg-[0-9a-f]{8}$/);
    expect(name('npm:@scope/pkg')).not.toBe(name('npm:scope-pkg'));
    expect(name('apt:coreutils', 'ls')).toBe('apt-coreutils.ls');
    expect(name('apt:g++')).toMatch(/^apt-g---[0-9a-f]{8}$/);
  });

  it('makes a recipe with a build on the backend base, its command at /opt/berth/tool, no network', () => {
    const npm = packageRecipe(parsePackageSpec('npm:prettier@3.6.2'), '3.6.2');
    expect(npm).toMatchObject({ name: 'npm-prettier', version: '3.6.2', entrypoint: ['/opt/berth/tool'], network: 'none', user: 'host', source: 'package', file: 'npm:prettier@3.6.2' });
    expect(npm.build!.from).toMatch(/^docker\.io\/library\/node:22\.22\.0-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(npm.build!.run![0]).toContain("npm install --global --prefix /opt/berth/npm --no-audit --no-fund --no-update-notifier --loglevel=warn 'prettier@3.6.2'");
    const apt = packageRecipe(parsePackageSpec('apt:gifsicle@1.93-2'), '1.93-2');
    expect(apt.build).toMatchObject({ from: expect.stringMatching(/^docker\.io\/library\/debian:bookworm-\d{8}-slim@sha256:/), apt: ['gifsicle=1.93-2'] });
    expect(packageRecipe(parsePackageSpec('apt:gifsicle'), undefined)).toMatchObject({ version: 'latest', build: { apt: ['gifsicle'] } });
  });

  it('builds a different image for a different version or command, the same for the same', () => {
    const tag = (spec: string, version: string, bin?: string) => {
      const recipe = packageRecipe(parsePackageSpec(spec, bin), version);
      return buildPlan({ ...recipe, build: recipe.build! }).tag;
    };
    expect(tag('npm:cowsay', '1.6.0')).toBe(tag('npm:cowsay', '1.6.0'));
    expect(tag('npm:cowsay', '1.6.0')).not.toBe(tag('npm:cowsay', '1.5.0'));
    expect(tag('npm:cowsay', '1.6.0', 'cowthink')).not.toBe(tag('npm:cowsay', '1.6.0'));
  });

  it('turns a build that failed for the package into one line: no such package, version or command', () => {
    const spec = (s: string) => parsePackageSpec(s);
    // The step's echo in the log has the marker mid-line; its own output starts a line (coloured by the builder).
    const several = `building failed: The command '/bin/sh -c echo "berth-backend: x"' returned a non-zero code: 1\n  \u001b[91mberth-backend: apt:coreutils has several commands: ls, cat (pick one with --bin NAME)\n  \u001b[0mRemoving`;
    expect(packageFailure(spec('apt:coreutils'), several)).toBe('apt:coreutils has several commands: ls, cat (pick one with --bin NAME)');
    expect(packageFailure(spec('apt:nope'), 'x\n  E: Unable to locate package nope\n')).toBe("apt:nope: no such package in Debian's archive");
    expect(packageFailure(spec('apt:gifsicle@9'), "E: Version '9' for 'gifsicle' was not found")).toBe("apt:gifsicle@9: no such version in Debian's archive");
    expect(packageFailure(spec('npm:nope@1.0.0'), 'npm error code E404')).toBe('npm:nope@1.0.0: no such package in the npm registry');
    expect(packageFailure(spec('npm:cowsay@9.9.9'), 'npm error code ETARGET')).toBe('npm:cowsay@9.9.9: no such version in the npm registry');
    expect(packageFailure(spec('npm:cowsay@1.6.0'), 'npm error code SELF_SIGNED_CERT_IN_CHAIN')).toBeUndefined();
    expect(packageFailure(spec('apt:gifsicle'), 'The command returned a non-zero code: 100')).toBeUndefined();
  });
});
