import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BERTH, berth, makeSandbox, REPO, type Sandbox } from '../support/berth.js';

/**
 * berth's own command line: `--version` (answered without oclif, so it must say what oclif
 * would) and `--help`, whose `berth run` flags come from one table (src/core/run/run-flags.ts).
 * The commands and flags expected are written out here, not read from the code under test: a
 * command or flag that goes missing from the manifest or the table must show. (A new command or
 * flag is added to these lists with the README's.)
 */
const COMMANDS = [
  'build', 'completions', 'doctor', 'gc', 'help', 'info', 'install', 'list', 'outdated', 'pull', 'run', 'search', 'sync', 'trust', 'uninstall', 'untrust',
  'upgrade', 'use', 'which',
];
const TOPICS = ['config', 'recipes', 'warm'];
const RUN_FLAG_HELP: Array<[string, string]> = [
  ['-e, --env=<value>...', 'set KEY=VALUE, or pass KEY from your environment'],
  ['-q, --quiet', 'no pull or build progress'],
  ['-v, --volume=<value>...', 'also mount HOST:CONTAINER[:ro]'],
  ['--base=<value>', "build on this base image instead of the recipe's build.from (default: $BERTH_BASE_IMAGE)"],
  ['--bin=<value>', "for a package (npm:NAME, apt:NAME): the command to run, when not the package's own"],
  ['--dry-run', 'print the equivalent docker run command (podman run on Podman) and exit'],
  ['--[no-]host-ca', "give a tool with network, and a build, the host's CA certificates (default: the hostCa setting, on)"],
  ['--image=<value>', "use this image instead of the recipe's (keeps the rest of the recipe)"],
  ['--network=<option>', "override the recipe's network <options: none|bridge|host>"],
  ['--[no-]path-mounts', 'mount the paths named in the arguments, as the path policy allows (--no-path-mounts: none, none refused)'],
  ['--platform=<value>', "run the image's OS/ARCH variant, e.g. linux/amd64 (emulated where the engine can)"],
  ['--pull=<option>', 'when to pull the image (default: missing) <options: missing|always|never>'],
  ['--[no-]tty', 'force a TTY on or off (default: when stdin and stdout are terminals)'],
  ['--[no-]warm', 'keep the container running and run later calls in it'],
];


/** The entries of a help section (`COMMANDS`, `FLAGS`...): each name with its text, wrapped lines joined. */
function section(help: string, title: string): Array<[string, string]> {
  const body = help.split(/\n(?=[A-Z]+\n)/).find((part) => part.startsWith(`${title}\n`));
  if (!body) return [];
  const entries: Array<[string, string]> = [];
  for (const line of body.split('\n').slice(1)) {
    // An entry starts 2 spaces in (6 for a flag without a short name); its wrapped lines, further.
    const entry = /^(?: {2}| {6})(\S.*?)(?: {2,}(.*))?$/.exec(line);
    if (entry) entries.push([entry[1]!, entry[2] ?? '']);
    else if (line.trim() && entries.length > 0) entries.at(-1)![1] += ` ${line.trim()}`;
  }
  return entries;
}
describe('berth --version and --help', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = makeSandbox();
  });

  it('--version says what oclif says for -v: name/version platform-arch node-version', async () => {
    const { version } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    const fast = await berth(sb, ['--version']);
    expect([fast.code, fast.stderr]).toEqual([0, '']);
    expect(fast.stdout.toString()).toBe(`berth/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
    // -v is not on the fast path: oclif answers it.
    const viaOclif = await berth(sb, ['-v']);
    expect(viaOclif.stdout.toString()).toBe(fast.stdout.toString());
  });

  it('--help lists every command and topic', async () => {
    const help = await berth(sb, ['--help']);
    expect(help.code).toBe(0);
    const out = help.stdout.toString();
    expect(out).toContain('$ berth [COMMAND]');
    expect(section(out, 'COMMANDS').map(([name]) => name)).toEqual(COMMANDS);
    expect(section(out, 'TOPICS').map(([name]) => name)).toEqual(TOPICS);
  });

  it('berth run --help shows each run flag with its description, and so do -h and help run', async () => {
    const help = await berth(sb, ['run', '--help']);
    expect(help.code).toBe(0);
    const out = help.stdout.toString();
    expect(out).toMatch(/\$ berth run TOOL/);
    expect(section(out, 'FLAGS')).toEqual(RUN_FLAG_HELP);
    expect((await berth(sb, ['run', '-h'])).stdout.toString()).toBe(out);
    expect((await berth(sb, ['help', 'run'])).stdout.toString()).toBe(out);
  });
});

describe('first hour', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = makeSandbox();
  });

  it.each([
    [['rn', 'jq'], 'berth: "rn" is not a berth command; did you mean run, gc? (berth help lists the commands)'],
    [['confg', 'list'], 'berth: "confg" is not a berth command; did you mean config? (berth help lists the commands)'],
    [['warm', 'lss'], 'berth: "warm lss" is not a berth command; did you mean warm ls? (berth help lists the commands)'],
    [['jq', '.'], 'berth: "jq" is not a berth command; to run the tool: berth run jq (berth help lists the commands)'],
    [['xyzzy'], 'berth: "xyzzy" is not a berth command (berth help lists the commands)'],
  ])('a mistyped command (%s) gets one line with suggestions, exit 1', async (args, line) => {
    const r = await berth(sb, args);
    expect([r.code, r.stderr, r.stdout.toString()]).toEqual([1, `${line}\n`, '']);
  });

  it('recipes lint warns of a user recipe on "latest" or no tag (naming the file, line and field), still exit 0', async () => {
    const latest = path.join(sb.recipes, 'floating.yaml');
    writeFileSync(latest, 'name: floating\ndescription: d\nversion: latest\nimage: example.org/me/floating:{version}\n');
    const untagged = path.join(sb.recipes, 'bare.yaml');
    writeFileSync(untagged, 'name: bare\ndescription: d\nversion: "1"\nimage: example.org/me/bare\n');
    const r = await berth(sb, ['recipes', 'lint', latest, untagged]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `${latest}:4: image: "latest" is not a version; pin an exact version tag so every run gets the same image (warning)\n` +
        `${untagged}:4: image: no tag; pin an exact version tag so every run gets the same image (warning)\n`,
    );
    rmSync(latest);
    rmSync(untagged);
  });

  it('berth use notes a version the recipe does not list, and pins it', async () => {
    writeFileSync(path.join(sb.recipes, 'listed.yaml'), 'name: listed\ndescription: d\nversion: "2.0"\nversions: ["1.0"]\nimage: example.org/me/listed:{version}\n');
    const project = path.join(sb.root, 'use-note');
    mkdirSync(project);
    const known = await berth(sb, ['use', 'listed@1.0'], { cwd: project });
    expect([known.code, known.stderr]).toEqual([0, '']);
    const unknown = await berth(sb, ['use', 'listed@1.1'], { cwd: project });
    expect(unknown.code).toBe(0);
    expect(unknown.stderr).toBe("berth: note: listed 1.1 is not among the recipe's known versions (2.0, 1.0); berth sync or the first run will find out whether the image has it\n");
    expect(readFileSync(path.join(project, 'berth.yaml'), 'utf8')).toBe('tools:\n  listed: "1.1"\n');
  });

  // An older Node gives one line, not a warning and then a run; checked with the host's own older
  // Node (Debian's, which .ci/run installs with npm).
  const old = spawnSync('/usr/bin/node', ['--version'], { encoding: 'utf8' });
  const oldMajor = old.status === 0 ? Number(old.stdout.trim().replace(/^v/, '').split('.')[0]) : undefined;
  it.runIf(oldMajor !== undefined && oldMajor < 22)('refuses a Node older than 22 with one line, exit 1', () => {
    for (const args of [['--version'], ['run', 'jq', '--version'], ['list']]) {
      const r = spawnSync('/usr/bin/node', [BERTH, ...args], { encoding: 'utf8', env: sb.env });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`berth: needs Node.js 22 or newer; this is ${old.stdout.trim()} (/usr/bin/node)\n`);
    }
  });
});
