import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../../../src/platform/errors.js';
import { readRecipe } from '../../../../src/core/recipes/catalog.js';
import { recipeSkeleton, skeletonImage, writeNewRecipe } from '../../../../src/core/recipes/skeleton.js';

let root: string;
beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-views-')));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('recipes new', () => {
  it('takes the version out of the tag', () => {
    expect(skeletonImage('koalaman/shellcheck:v0.11.0')).toEqual({ image: 'koalaman/shellcheck:v{version}', version: '0.11.0', digest: undefined, warning: undefined });
    expect(skeletonImage('jrottenberg/ffmpeg:7.1-alpine').image).toBe('jrottenberg/ffmpeg:{version}-alpine');
    // The reference as given: a local image's name is not made a Docker Hub one.
    expect(skeletonImage('local/jq:1').image).toBe('local/jq:{version}');
    expect(skeletonImage('dpokidov/imagemagick:7.1.2-12')).toMatchObject({ image: 'dpokidov/imagemagick:{version}', version: '7.1.2-12' });
    expect(skeletonImage('node:22.22.0-alpine3.23')).toMatchObject({ image: 'node:{version}-alpine3.23', version: '22.22.0' });
    expect(skeletonImage('localhost:5000/me/tool:stable')).toMatchObject({ image: 'localhost:5000/me/tool:{version}', version: 'stable' });
    expect(skeletonImage(`ghcr.io/me/tool:1.0@sha256:${'e'.repeat(64)}`)).toMatchObject({ version: '1.0', digest: `sha256:${'e'.repeat(64)}` });
    expect(skeletonImage('me/tool').warning).toMatch(/no tag/);
    expect(skeletonImage('me/tool:latest').warning).toMatch(/latest/);
  });

  it.each([
    ['docker.io/me/tool:1.2.3'],
    ['ghcr.io/me/tool:v1.10'],
    ['me/tool:1.0-slim'],
    [`registry.example:5000/team/tool:2024.01.02@sha256:${'0'.repeat(64)}`],
    ['me/tool'],
  ])('writes a skeleton for %s that passes lint', (ref) => {
    const file = path.join(root, 'my-tool.yaml');
    writeFileSync(file, recipeSkeleton('my-tool', ref));
    const recipe = readRecipe(file, 'user');
    expect(recipe.name).toBe('my-tool');
    expect(recipe.examples).toEqual(['berth run my-tool --help']);
    expect(recipe.network).toBe('none');
    expect(recipe.image).toContain('{version}');
  });

  it('explains every field of the schema in a comment', () => {
    const text = recipeSkeleton('my-tool', 'me/tool:1.0');
    for (const field of ['name', 'description', 'homepage', 'tags', 'image', 'version', 'versions', 'digest', 'entrypoint', 'args', 'script', 'network', 'env', 'home', 'user', 'tty', 'warm', 'notes', 'examples']) {
      expect(text, field).toMatch(new RegExp(`^(# )?${field}:`, 'm'));
    }
  });

  it('writes into the user directory, or the project with --project, and refuses to overwrite', () => {
    const env = { XDG_CONFIG_HOME: path.join(root, 'config') };
    const project = path.join(root, 'project');
    mkdirSync(path.join(project, 'src'), { recursive: true });
    writeFileSync(path.join(project, 'berth.yaml'), 'tools: {}\n');

    const user = writeNewRecipe({ name: 'mytool', image: 'me/tool:1.0', env, cwd: path.join(project, 'src') });
    expect(user.file).toBe(path.join(root, 'config', 'berth', 'recipes', 'mytool.yaml'));
    const inProject = writeNewRecipe({ name: 'mytool', image: 'me/tool:1.0', env, cwd: path.join(project, 'src'), project: true });
    expect(inProject.file).toBe(path.join(project, '.berth', 'recipes', 'mytool.yaml'));
    const noProject = path.join(root, 'loose');
    mkdirSync(noProject);
    expect(writeNewRecipe({ name: 'mytool', image: 'me/tool:1.0', env, cwd: noProject, project: true }).file).toBe(path.join(noProject, '.berth', 'recipes', 'mytool.yaml'));

    writeFileSync(user.file, 'mine\n');
    expect(() => writeNewRecipe({ name: 'mytool', image: 'me/tool:2.0', env })).toThrow(/already exists; use --force/);
    expect(readFileSync(user.file, 'utf8')).toBe('mine\n');
    writeNewRecipe({ name: 'mytool', image: 'me/tool:2.0', env, force: true });
    expect(readRecipe(user.file, 'user').version).toBe('2.0');
    expect(existsSync(path.join(path.dirname(user.file), 'mytool.yaml.tmp'))).toBe(false);
    expect(user.warnings).toEqual([]);
    // A built-in name: it says yours will be used instead.
    expect(writeNewRecipe({ name: 'jq', image: 'me/jq:1.0', env }).warnings).toEqual(['jq is a built-in recipe: yours will be used instead of it (berth info jq shows which one runs)']);
  });

  it('refuses a bad name or image with one line', () => {
    const env = { XDG_CONFIG_HOME: path.join(root, 'config') };
    expect(() => writeNewRecipe({ name: 'My Tool', image: 'me/tool:1', env })).toThrow(InputError);
    expect(() => writeNewRecipe({ name: 'My Tool', image: 'me/tool:1', env })).toThrow(/"My Tool" is not a recipe name/);
    expect(() => writeNewRecipe({ name: '../escape', image: 'me/tool:1', env })).toThrow(/is not a recipe name/);
    expect(() => writeNewRecipe({ name: 'tool', image: 'Me/Tool:1', env })).toThrow(/^--image Me\/Tool:1: "Me\/Tool" is not a valid repository name$/);
    expect(() => writeNewRecipe({ name: 'tool', image: 'me/tool@sha256:12', env })).toThrow(/not a sha256 digest/);
    expect(existsSync(path.join(root, 'config'))).toBe(false);
  });
});
