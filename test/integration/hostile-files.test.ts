// Issue 12 §4: bad and hostile files. Each is one line naming the file, exit 1, never a hang or a
// crash, and one bad file never stops berth list, search or doctor from showing the rest.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { berth, makeSandbox, writeRecipe, type Sandbox } from '../support/berth.js';

describe('bad and hostile files', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = makeSandbox();
    writeRecipe(sb, { name: 'fine', image: inject('fixtureImage'), entrypoint: ['echo'], args: ['fine'] });
  });

  it('a berth.yaml of 70 000 keys (just under the size limit) is read in linear time and refused for its first unknown tool', async () => {
    const project = path.join(sb.root, 'many-keys');
    mkdirSync(project);
    let text = 'tools:\n';
    for (let i = 0; i < 70_000; i++) text += `  t${i}: "1"\n`;
    writeFileSync(path.join(project, 'berth.yaml'), text);
    // With the library's quadratic duplicate-key check this took ~30 s (and 40 000 longer keys
    // 45 s on a peer's machine); linear, ~2 s. A hang detector with a wide margin, not a benchmark.
    const r = await berth(sb, ['run', 'fine'], { cwd: project, timeoutMs: 20_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${project}/berth.yaml:2: tools.t0: no recipe for "t0" (see berth list)\n`);
  });

  it('a duplicate key is still refused, with its line', async () => {
    const project = path.join(sb.root, 'duplicate');
    mkdirSync(project);
    writeFileSync(path.join(project, 'berth.yaml'), 'tools:\n  fine: "1"\n  other: "2"\n  fine: "3"\n');
    const r = await berth(sb, ['run', 'fine'], { cwd: project });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${project}/berth.yaml:4: not valid YAML: Map keys must be unique\n`);
  });

  it('an oversized berth.yaml is refused with one line naming the file and the limit', async () => {
    const project = path.join(sb.root, 'huge');
    mkdirSync(project);
    writeFileSync(path.join(project, 'berth.yaml'), `tools:\n${'  # padding padding padding padding padding padding padding padding\n'.repeat(180_000)}`);
    const r = await berth(sb, ['run', 'fine'], { cwd: project, timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^${project}/berth.yaml: \\d+ bytes, over berth's limit of 1048576 bytes for this kind of file\\n$`));
  });

  it('list, search and doctor name each bad recipe file in one line and still show the others', async () => {
    const dir = path.join(sb.root, 'hostile-recipes');
    mkdirSync(dir);
    const aliases = ['name: bomb', 'description: d', 'version: "1"', `image: ${inject('fixtureImage')}`, 'a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 120; i++) aliases.push(`b${i}: [*a, *a, *a]`);
    writeFileSync(path.join(dir, 'bomb.yaml'), `${aliases.join('\n')}\n`);
    mkdirSync(path.join(dir, 'adir.yaml'));
    symlinkSync('loop2.yaml', path.join(dir, 'loop1.yaml'));
    symlinkSync('loop1.yaml', path.join(dir, 'loop2.yaml'));
    execFileSync('mkfifo', [path.join(dir, 'fifo.yaml')]);
    const env = { BERTH_RECIPES_PATH: `${dir}:${sb.recipes}` };
    const list = await berth(sb, ['list'], { env, timeoutMs: 30_000 });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.toString()).toMatch(/^fine +1 +path/m);
    const problems = list.stderr.trimEnd().split('\n').sort();
    expect(problems).toEqual([
      `${dir}/adir.yaml: not a regular file (a directory)`,
      expect.stringMatching(new RegExp(`^${dir}/bomb.yaml:1: not valid YAML: .*alias`, 'i')),
      `${dir}/fifo.yaml: not a regular file (a FIFO)`,
      `${dir}/loop1.yaml: cannot be read: a symbolic link loop`,
      `${dir}/loop2.yaml: cannot be read: a symbolic link loop`,
    ]);
    const search = await berth(sb, ['search', 'fine'], { env, timeoutMs: 30_000 });
    expect(search.code, search.stderr).toBe(0);
    expect(search.stdout.toString()).toMatch(/^fine +1 /m);
    expect(search.stderr).toBe('berth: 5 recipe files could not be read and were not searched (see berth recipes lint)\n');
    const doctor = await berth(sb, ['doctor'], { env, timeoutMs: 30_000 });
    expect(doctor.stdout.toString().match(/^problem recipe /gm)).toHaveLength(5);
    expect(doctor.stdout.toString()).toContain(`problem recipe ${dir}/fifo.yaml: not a regular file (a FIFO)`);
  });

  it('a run of a tool whose recipe is a FIFO fails at once with one line', async () => {
    const dir = path.join(sb.root, 'fifo-only');
    mkdirSync(dir);
    execFileSync('mkfifo', [path.join(dir, 'piped.yaml')]);
    const r = await berth(sb, ['run', 'piped'], { env: { BERTH_RECIPES_PATH: dir }, timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${dir}/piped.yaml: not a regular file (a FIFO)\n`);
  });
});

describe('bad arguments', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = makeSandbox();
    writeRecipe(sb, { name: 'fine', image: inject('fixtureImage'), entrypoint: ['echo'], args: ['fine'] });
    writeRecipe(sb, { name: 'tagged', image: `${inject('fixtureImage').split(':')[0]}:{version}`, version: '1' });
  });

  it('--dry-run in a directory whose path has ":" and "," prints a command a shell runs as berth does', async () => {
    const odd = path.join(sb.root, 'a:b,c');
    mkdirSync(odd);
    const dry = await berth(sb, ['run', '--dry-run', 'fine', 'x'], { cwd: odd });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.toString()).toContain('--mount');
    const viaShell = execFileSync('sh', ['-c', dry.stdout.toString()], { cwd: odd, encoding: 'utf8' });
    const real = await berth(sb, ['run', 'fine', 'x'], { cwd: odd });
    expect(viaShell).toBe(real.stdout.toString());
    expect(viaShell).toBe('fine x\n');
  });

  it('an empty --image and a version no tag can hold are refused in one line, nothing started', async () => {
    const empty = await berth(sb, ['run', '--image', '', 'fine']);
    expect([empty.code, empty.stderr]).toEqual([125, 'berth run: --image needs a value, not an empty one\n']);
    const long = 'v'.repeat(200);
    const tooLong = await berth(sb, ['run', `tagged@${long}`]);
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toMatch(new RegExp(`^berth: tagged@${long}: does not fit the recipe's image \\S+: "${long}" is not a valid tag\\n$`));
  });
});

describe('a full disk and a read-only home', () => {
  let sb: Sandbox;
  const mounts: string[] = [];
  beforeAll(() => {
    sb = makeSandbox();
    writeRecipe(sb, { name: 'fine', image: inject('fixtureImage'), entrypoint: ['echo'], args: ['fine'] });
    return () => {
      for (const m of mounts.reverse()) execFileSync('umount', ['-l', m]);
    };
  });

  /** A tmpfs at `dir`: `full` filled to the last byte, or mounted read-only. */
  function tmpfs(name: string, how: 'full' | 'read-only'): string {
    const dir = path.join(sb.root, name);
    mkdirSync(dir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=256k${how === 'read-only' ? ',ro' : ''}`, 'tmpfs', dir]);
    mounts.push(dir);
    if (how === 'full') {
      mkdirSync(path.join(dir, 'project'));
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${path.join(dir, 'filler')}`, 'bs=4k'], { stdio: 'ignore' });
      } catch {
        // "No space left on device": full, as meant
      }
    }
    return dir;
  }

  it('on a full disk, berth use and a run fail in one line and leave no temporary file', async () => {
    const full = tmpfs('full', 'full');
    const project = path.join(full, 'project');
    const use = await berth(sb, ['use', 'fine'], { cwd: project });
    expect(use.code).toBe(1);
    expect(use.stderr).toBe(`berth: cannot write ${project}/berth.yaml: no space left on the device\n`);
    const run = await berth(sb, ['run', 'fine'], { env: { XDG_CACHE_HOME: path.join(full, 'cache') } });
    expect(run.code).toBe(125);
    expect(run.stderr).toMatch(new RegExp(`^berth: cannot write ${full}/cache/berth\\S*: no space left on the device; berth keeps its own files there: set XDG_CACHE_HOME to a writable directory\\n$`));
    const left = execFileSync('find', [full, '-name', '*.tmp'], { encoding: 'utf8' });
    expect(left).toBe('');
  });

  it('a read-only home says to set XDG_CACHE_HOME', async () => {
    const home = tmpfs('readonly-home', 'read-only');
    const r = await berth(sb, ['run', 'fine'], { env: { HOME: home, XDG_CACHE_HOME: '' } });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(new RegExp(`^berth: cannot write ${home}/\\.cache/berth\\S*: a read-only file system; berth keeps its own files there: set XDG_CACHE_HOME to a writable directory\\n$`));
  });
});
