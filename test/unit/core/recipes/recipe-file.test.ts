import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRecipeFile } from '../../../../src/core/recipes/recipe-file.js';
import { InputError } from '../../../../src/platform/errors.js';

let root: string;

beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-recipe-file-')));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const recipeText = (image = 'docker.io/example/tool:{version}', name = 'tool') => `name: ${name}\ndescription: A tool\nimage: ${image}\nversion: '1.2.3'\n`;

function file(name: string, text: string): string {
  const full = path.join(root, name);
  writeFileSync(full, text);
  return full;
}

/** The message of the InputError parsing `text` as tool.yaml gives. */
function refusal(text: string, source: 'builtin' | 'user' = 'user'): string {
  try {
    parseRecipeFile(file('tool.yaml', text), source);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('the recipe was accepted');
}

describe('a recipe file', () => {
  it('gives the recipe with the file it came from and where that file was found', () => {
    const tool = file('tool.yml', recipeText());
    expect(parseRecipeFile(tool, 'path')).toMatchObject({ name: 'tool', version: '1.2.3', network: 'none', file: tool, source: 'path' });
  });

  it("is read afresh each time (caching is the catalog's business)", () => {
    const tool = file('tool.yaml', recipeText());
    expect(parseRecipeFile(tool, 'user').image).toBe('docker.io/example/tool:{version}');
    writeFileSync(tool, recipeText('docker.io/other/tool:{version}'));
    expect(parseRecipeFile(tool, 'user').image).toBe('docker.io/other/tool:{version}');
  });

  it('must be named after its command', () => {
    expect(refusal(recipeText(undefined, 'other'))).toBe(`${root}/tool.yaml:1: name: "other" must match the file name "tool"`);
  });

  it('keeps a digest in its own field, never in the image', () => {
    expect(refusal(recipeText(`docker.io/example/tool:{version}@sha256:${'a'.repeat(64)}`))).toBe(`${root}/tool.yaml:3: image: put the digest in the digest field, not in image`);
  });

  it('names an image that is a valid reference once the version is put in', () => {
    expect(refusal(recipeText('docker.io/Example/tool:{version}'))).toMatch(new RegExp(`^${root}/tool.yaml:3: image: \\S`));
  });

  it("pins an exact tag when built in; one of the user's may say latest or no tag", () => {
    expect(refusal(recipeText('docker.io/example/tool:latest'), 'builtin')).toBe(`${root}/tool.yaml:3: image: "latest" is not a version: pin an exact version tag`);
    expect(refusal(recipeText('docker.io/example/tool'), 'builtin')).toBe(`${root}/tool.yaml:3: image: has no tag: pin an exact version tag`);
    expect(parseRecipeFile(file('tool.yaml', recipeText('docker.io/example/tool:latest')), 'user').image).toBe('docker.io/example/tool:latest');
    expect(parseRecipeFile(file('tool.yaml', recipeText('docker.io/example/tool')), 'project').image).toBe('docker.io/example/tool');
  });

  it('is refused with the file, line and field of its first problem', () => {
    expect(refusal(`${recipeText()}network: internet\n`)).toBe(`${root}/tool.yaml:5: network: expected one of none, bridge, host`);
  });
});
