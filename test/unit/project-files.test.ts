// berth.yaml and berth.lock: parsing with file:line messages, `berth use` edits that keep comments
// and order, atomic writes, the staleness check of `berth sync --check`, and how a run resolves.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { formatLock, readLock, writeLock, type LockEntry } from '../../src/core/project/lock.js';
import { readManifest, setPin } from '../../src/core/project/manifest.js';
import { checkLock } from '../../src/core/project/check.js';
import { loadProjectPins, lockedImage } from '../../src/core/project/pins.js';
import { usePin } from '../../src/app/use.js';
import { digestFor } from '../../src/app/sync.js';
import type { RecipeDirectory } from '../../src/core/recipes/catalog.js';
import { resolveTool } from '../../src/core/run/resolve.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

let root: string;
let recipes: string;
let dirs: RecipeDirectory[];

function write(file: string, text: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

function recipe(fields: Record<string, unknown> & { name: string }): void {
  write(path.join(recipes, `${fields.name}.yaml`), stringify({ description: 'test', version: '1.0', ...fields }));
}

/** The message of the error the promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

/** The message of the error `fn` throws. */
function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-project-')));
  // berth's parse cache goes to the test's own directory.
  const savedCache = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = path.join(root, 'cache');
  recipes = path.join(root, 'recipes');
  dirs = [{ dir: recipes, source: 'path' }];
  recipe({ name: 'fx', image: 'registry.test/fx:{version}' });
  recipe({ name: 'fixed', image: 'registry.test/fixed:1', version: '1' });
  recipe({ name: 'vtag', image: 'registry.test/vtag:v{version}', version: '2.0', digest: D2 });
  return () => {
    if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = savedCache;
  };
});

describe('berth.yaml', () => {
  it('reads pins in file order, keeping versions as written (1.0 and 1.10 are not numbers)', () => {
    const file = write(path.join(root, 'berth.yaml'), '# tools\ntools:\n  fx: 1.10\n  fixed: "1"\n  vtag: 1.0\n');
    expect(readManifest(file).pins).toEqual([
      { name: 'fx', version: '1.10', line: 3 },
      { name: 'fixed', version: '1', line: 4 },
      { name: 'vtag', version: '1.0', line: 5 },
    ]);
  });

  it('accepts an empty file and an empty tools:', () => {
    expect(readManifest(write(path.join(root, 'a.yaml'), '# nothing yet\n')).pins).toEqual([]);
    expect(readManifest(write(path.join(root, 'b.yaml'), 'tools:\n')).pins).toEqual([]);
  });

  it.each([
    ['not YAML', 'tools:\n  fx: [1\n', /:\d+: not valid YAML/],
    ['a list at the top', '- fx\n', /:1: expected a map with a tools: field/],
    ['an unknown field', 'tools:\n  fx: 1.0\ntool:\n  x: 1\n', /:3: tool: unknown field \(expected tools\)/],
    ['tools not a map', 'tools: [fx]\n', /:1: tools: expected a map of tool: version/],
    ['a missing version', 'tools:\n  fx: 1.0\n  fixed:\n', /:3: tools\.fixed: expected a version/],
    ['a boolean version', 'tools:\n  fx: yes\n  fixed: true\n', /:3: tools\.fixed: expected a version/],
    ['a bad version', 'tools:\n  fx: "1 0"\n', /:2: tools\.fx: "1 0" is not a version/],
    ['a bad tool name', 'tools:\n  Fx/y: 1.0\n', /:2: tools\.Fx\/y: not a tool name/],
    ['a duplicate tool', 'tools:\n  fx: 1.0\n  fx: 2.0\n', /:3: not valid YAML/],
  ])('refuses %s with file:line', (_what, text, message) => {
    const file = write(path.join(root, 'berth.yaml'), text);
    const error = failure(() => readManifest(file));
    expect(error.startsWith(`${file}:`)).toBe(true);
    expect(error).toMatch(message);
    expect(error.split('\n')).toHaveLength(1);
  });

  it('names the pin line for an unknown tool and a version the image cannot express', async () => {
    write(path.join(root, 'berth.yaml'), 'tools:\n  fx: 2.0\n  nosuch: 1.0\n');
    expect(await rejection(loadProjectPins(root, dirs))).toBe(`${root}/berth.yaml:3: tools.nosuch: no recipe for "nosuch" (see berth list)`);
    write(path.join(root, 'berth.yaml'), 'tools:\n  fx: 2.0\n  fixed: 3.0\n');
    expect(await rejection(loadProjectPins(root, dirs))).toMatch(new RegExp(`^${root}/berth.yaml:3: tools\\.fixed: 3\\.0: the recipe's image registry\\.test/fixed:1 has no \\{version\\}; only 1 is available`));
    recipe({ name: 'badtag', image: 'registry.test/badtag:{version}' });
    write(path.join(root, 'berth.yaml'), 'tools:\n  badtag: 1+build\n');
    expect(await rejection(loadProjectPins(root, dirs))).toMatch(/berth\.yaml:2: tools\.badtag: 1\+build: does not fit the recipe's image .*not a valid tag/);
  });
});

describe('berth use', () => {
  it('changes a pin in place and appends a new one, keeping comments, blank lines and order', () => {
    const file = write(
      path.join(root, 'berth.yaml'),
      ['# Tools this repository needs.', 'tools:', '  # the linter', '  vtag: 2.0   # keep this comment', '', '  fx: 1.0', '', '# end', ''].join('\n'),
    );
    expect(setPin(file, 'fx', '1.7.1')).toEqual({ previous: '1.0', changed: true });
    expect(setPin(file, 'fixed', '1')).toEqual({ previous: undefined, changed: true });
    expect(setPin(file, 'vtag', '2.1')).toEqual({ previous: '2.0', changed: true });
    expect(readFileSync(file, 'utf8')).toBe(
      ['# Tools this repository needs.', 'tools:', '  # the linter', '  vtag: "2.1" # keep this comment', '', '  fx: 1.7.1', '  fixed: "1"', '', '# end', ''].join('\n'),
    );
    expect(readManifest(file).pins.map((p) => `${p.name}=${p.version}`)).toEqual(['vtag=2.1', 'fx=1.7.1', 'fixed=1']);
  });

  it('writes nothing when the pin is already that version', () => {
    const file = write(path.join(root, 'berth.yaml'), 'tools:\n  fx: 1.0 # same\n');
    const before = statSync(file).ino;
    expect(setPin(file, 'fx', '1.0')).toEqual({ previous: '1.0', changed: false });
    expect(statSync(file).ino).toBe(before);
  });

  it('adds tools: to a file that has only comments, and creates a missing file', () => {
    const file = write(path.join(root, 'berth.yaml'), '# pins go here\n');
    setPin(file, 'fx', '1.0');
    expect(readManifest(file).pins).toEqual([{ name: 'fx', version: '1.0', line: 4 }]);
    expect(readFileSync(file, 'utf8')).toMatch(/^# pins go here\n/);
    const fresh = path.join(root, 'new', 'berth.yaml');
    setPin(fresh, 'fx', '2');
    expect(readFileSync(fresh, 'utf8')).toBe('tools:\n  fx: "2"\n');
  });

  it('writes atomically: a new file renamed over the old, no temp file left, the mode kept', () => {
    const file = write(path.join(root, 'berth.yaml'), 'tools:\n  fx: 1.0\n');
    chmodSync(file, 0o640);
    const before = statSync(file).ino;
    setPin(file, 'fx', '2.0');
    expect(statSync(file).ino).not.toBe(before);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(root).filter((f) => f.includes('tmp'))).toEqual([]);
  });

  it('does not edit a broken file', () => {
    const text = 'tools:\n  fx: 1.0\nextra: 1\n';
    const file = write(path.join(root, 'berth.yaml'), text);
    expect(failure(() => setPin(file, 'fx', '2.0'))).toMatch(/berth\.yaml:3: extra: unknown field/);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('checks the tool and version, defaults to the recipe version, and uses the nearest project', () => {
    const project = path.join(root, 'proj');
    const sub = path.join(project, 'a', 'b');
    mkdirSync(sub, { recursive: true });
    write(path.join(project, 'berth.yaml'), 'tools: {}\n');
    const env = { ...process.env, BERTH_RECIPES_PATH: recipes };
    const saved = process.env.BERTH_RECIPES_PATH;
    process.env.BERTH_RECIPES_PATH = env.BERTH_RECIPES_PATH;
    try {
      expect(usePin('vtag', sub)).toMatchObject({ file: path.join(project, 'berth.yaml'), version: '2.0', changed: true });
      expect(failure(() => usePin('fixed@2', sub))).toMatch(/fixed@2: the recipe's image registry\.test\/fixed:1 has no \{version\}/);
      expect(failure(() => usePin('nosuch', sub))).toMatch(/no recipe for "nosuch"/);
      expect(readManifest(path.join(project, 'berth.yaml')).pins.map((p) => p.name)).toEqual(['vtag']);
    } finally {
      if (saved === undefined) delete process.env.BERTH_RECIPES_PATH;
      else process.env.BERTH_RECIPES_PATH = saved;
    }
  });
});

describe('berth.lock', () => {
  const entry = (name: string, version: string, image: string, digest = D1): LockEntry => ({ name, version, image, digest, line: 0 });

  it('round-trips, sorted by name, with versions kept as strings', () => {
    const file = path.join(root, 'berth.lock');
    writeLock(file, [entry('vtag', '2.0', 'registry.test/vtag:v2.0', D2), entry('fx', '1.10', 'registry.test/fx:1.10')]);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^# Written by `berth sync`/);
    expect(text.indexOf('fx:')).toBeLessThan(text.indexOf('vtag:'));
    expect(text).toContain('version: "1.10"');
    const lock = readLock(file);
    expect([...lock.entries.values()].map((e) => [e.name, e.version, e.image, e.digest, e.line])).toEqual([
      ["fx", "1.10", "registry.test/fx:1.10", D1, 5],
      ["vtag", "2.0", "registry.test/vtag:v2.0", D2, 9],
    ]);
  });

  it.each([
    ['no lockVersion', 'tools: {}\n', /:1: lockVersion: missing/],
    ['another lockVersion', 'lockVersion: 2\ntools: {}\n', /:1: lockVersion: expected 1/],
    ['an unknown field', `lockVersion: 1\ntools:\n  fx:\n    version: "1"\n    image: a/b:1\n    digest: ${D1}\n    size: 3\n`, /:7: tools\.fx\.size: unknown field/],
    ['a missing digest', 'lockVersion: 1\ntools:\n  fx:\n    version: "1"\n    image: a/b:1\n', /:3: tools\.fx\.digest: missing/],
    ['a bad digest', 'lockVersion: 1\ntools:\n  fx:\n    version: "1"\n    image: a/b:1\n    digest: sha256:abc\n', /:6: tools\.fx\.digest: "sha256:abc" is not a sha256 digest/],
    ['an image with a digest', `lockVersion: 1\ntools:\n  fx:\n    version: "1"\n    image: a/b:1@${D1}\n    digest: ${D1}\n`, /:5: tools\.fx\.image: expected a reference without a digest/],
    ['a merge conflict', `lockVersion: 1\n<<<<<<< HEAD\ntools: {}\n`, /:\d+: not valid YAML|:\d+: <<<<<<< HEAD/],
  ])('refuses %s with file:line', (_what, text, message) => {
    const file = write(path.join(root, 'berth.lock'), text);
    const error = failure(() => readLock(file));
    expect(error.startsWith(`${file}:`)).toBe(true);
    expect(error).toMatch(message);
  });

  it('applies only to exactly the pinned version and image (and the recipe digest, when it has one)', () => {
    const lock = { file: 'x', entries: new Map([['fx', entry('fx', '1.0', 'registry.test/fx:1.0')]]) };
    expect(lockedImage(lock, 'fx', '1.0', 'registry.test/fx:1.0')).toBe(`registry.test/fx@${D1}`);
    expect(lockedImage(lock, 'fx', '1.1', 'registry.test/fx:1.1')).toBeUndefined();
    expect(lockedImage(lock, 'fx', '1.0', 'other.test/fx:1.0')).toBeUndefined();
    expect(lockedImage(lock, 'fx', '1.0', `registry.test/fx:1.0@${D2}`)).toBeUndefined();
    expect(lockedImage(lock, 'fx', '1.0', `registry.test/fx:1.0@${D1}`)).toBe(`registry.test/fx@${D1}`);
    expect(lockedImage(undefined, 'fx', '1.0', 'registry.test/fx:1.0')).toBeUndefined();
  });

  it('takes the digest of the pulled repository from RepoDigests, whatever the spelling', () => {
    expect(digestFor('127.0.0.1:5000/a/b:1', [`other.test/a/b@${D2}`, `127.0.0.1:5000/a/b@${D1}`])).toBe(D1);
    expect(digestFor('docker.io/koalaman/shellcheck:v1', [`koalaman/shellcheck@${D2}`])).toBe(D2);
    expect(digestFor('alpine:3', [`alpine@${D1}`])).toBe(D1);
    expect(digestFor('alpine:3', [])).toBeUndefined();
  });
});

describe('berth sync --check', () => {
  const lockText = (tools: Record<string, { version: string; image: string; digest: string }>) =>
    formatLock(Object.entries(tools).map(([name, t]) => ({ name, ...t, line: 0 })));

  it('is in sync when every pin is locked for its exact version and image', () => {
    write(path.join(root, 'berth.yaml'), 'tools:\n  fx: 1.0\n  vtag: 2.0\n');
    write(path.join(root, 'berth.lock'), lockText({ fx: { version: '1.0', image: 'registry.test/fx:1.0', digest: D1 }, vtag: { version: '2.0', image: 'registry.test/vtag:v2.0', digest: D2 } }));
    expect(checkLock(root, dirs)).toMatchObject({ tools: 2, problems: [] });
  });

  it('reports a missing lock, a changed pin, an added and a removed tool, and a recipe digest change, one line each', () => {
    write(path.join(root, 'berth.yaml'), 'tools:\n  fx: 1.1\n  fixed: 1\n');
    expect(checkLock(root, dirs)!.problems.map((p) => p.message)).toEqual([`${root}/berth.lock: missing`]);
    write(path.join(root, 'berth.lock'), lockText({ fx: { version: '1.0', image: 'registry.test/fx:1.0', digest: D1 }, vtag: { version: '2.0', image: 'registry.test/vtag:v2.0', digest: D1 } }));
    const problems = checkLock(root, dirs)!.problems.map((p) => `${p.message}; ${p.fix}`);
    expect(problems).toEqual([
      `${root}/berth.lock:5: tools.fx.version: 1.0, but ${root}/berth.yaml:2 pins 1.1; run berth sync`,
      `${root}/berth.lock: tools.fixed: not locked (${root}/berth.yaml:3 pins fixed 1); run berth sync`,
      `${root}/berth.lock:9: tools.vtag: locked but not pinned in ${root}/berth.yaml; run berth sync`,
    ]);
    write(path.join(root, 'berth.yaml'), 'tools:\n  vtag: 2.0\n');
    write(path.join(root, 'berth.lock'), lockText({ vtag: { version: '2.0', image: 'registry.test/vtag:v2.0', digest: D1 } }));
    expect(checkLock(root, dirs)!.problems.map((p) => p.message)).toEqual([`${root}/berth.lock:5: tools.vtag.digest: ${D1}, but the recipe pins ${D2}`]);
  });

  it('reports a malformed berth.yaml or berth.lock with file:line, and nothing outside a project', () => {
    write(path.join(root, 'berth.yaml'), 'tools:\n  fx: 1.0\n');
    write(path.join(root, 'berth.lock'), 'lockVersion: 1\ntools:\n  fx: 3\n');
    expect(checkLock(root, dirs)!.problems.map((p) => p.message)).toEqual([`${root}/berth.lock:3: tools.fx: expected version:, image: and digest:`]);
    write(path.join(root, 'berth.yaml'), 'tools:\n  fx: [1\n');
    expect(checkLock(root, dirs)!.problems[0]!.message).toMatch(new RegExp(`^${root}/berth.yaml:\\d+: not valid YAML`));
    const outside = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-outside-')));
    expect(checkLock(outside, dirs)).toBeUndefined();
  });
});

describe('resolution of a run', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.BERTH_RECIPES_PATH;
    process.env.BERTH_RECIPES_PATH = recipes;
    return () => {
      if (saved === undefined) delete process.env.BERTH_RECIPES_PATH;
      else process.env.BERTH_RECIPES_PATH = saved;
    };
  });

  it('uses the pin, then the locked digest; an explicit version beats the pin; outside: the recipe default', async () => {
    const project = path.join(root, 'p');
    const sub = path.join(project, 'src');
    mkdirSync(sub, { recursive: true });
    write(path.join(project, 'berth.yaml'), 'tools:\n  fx: 1.5\n');
    expect(await resolveTool('fx', sub)).toMatchObject({ version: '1.5', image: 'registry.test/fx:1.5', versionFrom: 'project', locked: false });
    write(path.join(project, 'berth.lock'), formatLock([{ name: 'fx', version: '1.5', image: 'registry.test/fx:1.5', digest: D1, line: 0 }]));
    expect(await resolveTool('fx', sub)).toMatchObject({ version: '1.5', image: `registry.test/fx@${D1}`, locked: true });
    expect(await resolveTool('fx@1.6', sub)).toMatchObject({ version: '1.6', image: 'registry.test/fx:1.6', versionFrom: 'command line', locked: false });
    expect(await resolveTool('fx@1.5', sub)).toMatchObject({ image: `registry.test/fx@${D1}`, locked: true });
    expect(await resolveTool('fx', root)).toMatchObject({ version: '1.0', image: 'registry.test/fx:1.0', versionFrom: 'recipe' });
  });

  it('fails with file:line inside a broken project only', async () => {
    const project = path.join(root, 'broken');
    mkdirSync(project);
    write(path.join(project, 'berth.yaml'), 'tools:\n  fx: 1.0\n');
    write(path.join(project, 'berth.lock'), 'lockVersion: 1\ntools:\n  fx:\n    version: 1.0\n');
    expect(await rejection(resolveTool('fx', project))).toBe(`${project}/berth.lock:3: tools.fx.image: missing`);
    expect((await resolveTool('fx', root)).image).toBe('registry.test/fx:1.0');
  });
});
