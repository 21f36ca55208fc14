// Issue 11, break-ins 1 and 2: a project planted by another user in a shared folder, and a
// checkout's own recipes, never run as the user without the user's say. Real engine, a real
// second user (OTHER_UID owns the planted files), bin/run.js as a child process.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { berth, makeSandbox, OTHER_UID, writeRecipe, type Sandbox } from '../support/berth.js';

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

/** Containers berth made for `tool` (any state): a refused run must have made none. */
function containersOf(tool: string): string[] {
  return docker('ps', '-a', '--filter', `label=berth.tool=${tool}`, '--format', '{{.ID}}').split('\n').filter(Boolean);
}

const unique = `${process.pid}-${Date.now()}`.replace(/\D/g, '');

/** A project recipe file, as a checkout would carry it. */
function projectRecipe(project: string, fields: Record<string, unknown> & { name: string }): string {
  const dir = path.join(project, '.berth', 'recipes');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${fields.name}.yaml`);
  writeFileSync(file, stringify({ description: `project recipe ${fields.name}`, version: '1', ...fields }));
  return file;
}

describe('project discovery ignores what another user planted', () => {
  let sb: Sandbox;
  const tool = `planted${unique}`;

  beforeAll(() => {
    sb = makeSandbox();
    writeRecipe(sb, { name: tool, image: inject('fixtureImage'), entrypoint: ['echo'], args: ['genuine'] });
  });

  it('a .berth planted in a world-writable folder by another user is ignored, said once, and the run goes on', async () => {
    // /tmp/shared as another user makes it: world-writable, no sticky bit, theirs.
    const shared = path.join(sb.root, 'shared');
    const mine = path.join(shared, 'mine');
    mkdirSync(mine, { recursive: true });
    const planted = projectRecipe(shared, { name: tool, image: inject('fixtureImage'), entrypoint: ['echo'], args: ['PLANTED'] });
    writeFileSync(path.join(shared, 'berth.yaml'), 'tools: {}\n');
    for (const p of [shared, path.join(shared, '.berth'), path.dirname(planted), planted, path.join(shared, 'berth.yaml')]) chownSync(p, OTHER_UID, OTHER_UID);
    chmodSync(shared, 0o777);
    const r = await berth(sb, ['run', tool], { cwd: mine });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe('genuine\n');
    expect(r.stderr).toBe(
      `berth: ignoring ${shared}/berth.yaml: owned by uid ${OTHER_UID} (if you trust it, add ${shared} to BERTH_SAFE_DIRECTORIES or the safeDirectories setting)\n` +
        `berth: ignoring ${shared}/.berth: owned by uid ${OTHER_UID} (if you trust it, add ${shared} to BERTH_SAFE_DIRECTORIES or the safeDirectories setting)\n`,
    );
  });

  it("the user's own .berth in a folder others can write (no sticky bit) is ignored too; with the sticky bit it is the project", async () => {
    const open = path.join(sb.root, 'open');
    mkdirSync(path.join(open, 'sub'), { recursive: true });
    projectRecipe(open, { name: tool, image: inject('fixtureImage'), entrypoint: ['echo'], args: ['project'] });
    chmodSync(open, 0o777);
    const r = await berth(sb, ['run', tool], { cwd: path.join(open, 'sub') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe('genuine\n');
    expect(r.stderr).toContain(`berth: ignoring ${open}/.berth: ${open} can be written by every user`);
    // Sticky (as /tmp): others cannot replace what is the user's, so it is a project (whose
    // recipe then needs trust).
    chmodSync(open, 0o1777);
    const sticky = await berth(sb, ['run', tool], { cwd: path.join(open, 'sub') });
    expect(sticky.code).toBe(1);
    expect(sticky.stderr).toMatch(/is not trusted/);
    expect(sticky.stderr).not.toMatch(/ignoring/);
  });

  it("a planted berth.yaml beside the user's own .berth makes the whole directory no project", async () => {
    const mixed = path.join(sb.root, 'mixed');
    mkdirSync(mixed);
    projectRecipe(mixed, { name: tool, image: inject('fixtureImage'), entrypoint: ['echo'], args: ['project'] });
    writeFileSync(path.join(mixed, 'berth.yaml'), `tools:\n  ${tool}: "1"\n`);
    chownSync(path.join(mixed, 'berth.yaml'), OTHER_UID, OTHER_UID);
    const r = await berth(sb, ['run', tool], { cwd: mixed });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe('genuine\n');
    expect(r.stderr).toContain(`berth: ignoring ${mixed}/berth.yaml: owned by uid ${OTHER_UID}`);
    expect(r.stderr).not.toMatch(/not trusted/);
  });

  it('BERTH_SAFE_DIRECTORIES and the safeDirectories setting vouch for a directory', async () => {
    const team = path.join(sb.root, 'team');
    mkdirSync(team, { recursive: true });
    projectRecipe(team, { name: tool, image: inject('fixtureImage'), entrypoint: ['echo'], args: ['team'] });
    chownSync(path.join(team, '.berth'), OTHER_UID, OTHER_UID);
    const ignored = await berth(sb, ['run', tool], { cwd: team });
    expect(ignored.stdout.toString()).toBe('genuine\n');
    expect(ignored.stderr).toContain(`ignoring ${team}/.berth: owned by uid ${OTHER_UID}`);
    const byEnv = await berth(sb, ['run', tool], { cwd: team, env: { BERTH_SAFE_DIRECTORIES: `/nowhere:${team}` } });
    expect(byEnv.stderr).not.toContain('ignoring');
    expect(byEnv.stderr).toMatch(/is not trusted/);
    const set = await berth(sb, ['config', 'set', 'safeDirectories', team]);
    expect(set.code, set.stderr).toBe(0);
    const trusted = await berth(sb, ['trust'], { cwd: team });
    expect(trusted.code, trusted.stderr).toBe(0);
    const bySetting = await berth(sb, ['run', tool], { cwd: team });
    expect(bySetting.stderr).toBe('');
    expect(bySetting.stdout.toString()).toBe('team\n');
    await berth(sb, ['config', 'unset', 'safeDirectories']);
  });
});

describe("a checkout's own recipes need the user's trust", () => {
  let sb: Sandbox;
  let project: string;
  let shimDir: string;
  const tool = `cloned${unique}`;
  const other = `other${unique}`;
  // What a hostile checkout's recipe asks for: another entrypoint, the host network, root, secrets.
  const hostile = () => ({ name: tool, image: inject('fixtureImage'), entrypoint: ['sh', '-c', 'echo "token=$SECRET_TOKEN uid=$(id -u)"'], network: 'host', user: 'image', env: ['SECRET_TOKEN'] });
  const run = (args: string[], env?: NodeJS.ProcessEnv) => berth(sb, args, { cwd: project, env: { SECRET_TOKEN: 's3cret', BERTH_SHIM_DIR: shimDir, ...env } });

  beforeAll(() => {
    sb = makeSandbox();
    project = path.join(sb.root, 'checkout');
    shimDir = path.join(sb.root, 'shims');
    writeRecipe(sb, { name: tool, image: inject('fixtureImage'), entrypoint: ['echo'], args: ['built-in'] });
    writeRecipe(sb, { name: other, image: inject('fixtureImage'), entrypoint: ['echo'], args: ['other tool'] });
    projectRecipe(project, hostile());
    writeFileSync(path.join(project, 'berth.yaml'), `tools:\n  ${tool}: "1"\n`);
  });

  it('an untrusted project recipe stops its run before anything starts and says what it would change', async () => {
    const r = await run(['run', tool]);
    expect(r.code).toBe(1);
    expect(r.stdout.toString()).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`berth: ${tool}: the project recipe ${project}/.berth/recipes/${tool}.yaml is not trusted; it would replace the path ${tool} with`);
    expect(lines[0]).toContain("network host (the host's own network: every local service and port) instead of none");
    expect(lines[0]).toContain("user the image's own user (often root) instead of you (your uid:gid)");
    expect(lines[0]).toContain('env passed SECRET_TOKEN instead of');
    expect(lines[0]).toContain(`then run berth trust in ${project}`);
    expect(containersOf(tool)).toEqual([]);
  });

  it('other tools run in that project, and its berth.yaml pins need no trust', async () => {
    const r = await run(['run', other]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe('other tool\n');
  });

  it('doctor, list and info say the recipes are not trusted', async () => {
    const doctor = await run(['doctor']);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout.toString()).toMatch(new RegExp(`problem ${project}: the project's recipes \\(${tool}.yaml\\) are not trusted.*fix: review them with berth trust --show`));
    const list = await run(['list']);
    expect(list.stderr).toContain(`berth: ${project}: the project's recipes (${tool}.yaml) are not trusted, so not used`);
    expect(list.stdout.toString()).toMatch(new RegExp(`${tool} +1 +path`));
    const info = await run(['info', tool]);
    expect(info.code).toBe(1);
    expect(info.stdout.toString()).toContain(`${tool}: not trusted project recipe ${project}/.berth/recipes/${tool}.yaml; its tool would reach:`);
    expect(info.stdout.toString()).toMatch(/ {2}env passed +SECRET_TOKEN +\(instead of/);
  });

  it('trust lifecycle: --show, trust, edit (untrusted again), add a file, trust, untrust; shims follow', async () => {
    const show = await run(['trust', '--show']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout.toString()).toContain(`${tool}: ${project}/.berth/recipes/${tool}.yaml, replaces the path recipe`);
    expect(show.stdout.toString()).toMatch(/ {2}network +host .*\(instead of none, path\)/);
    expect(show.stdout.toString()).toMatch(/not trusted: run berth trust to use them\n$/);

    const trust = await run(['trust']);
    expect(trust.code, trust.stderr).toBe(0);
    expect(trust.stdout.toString()).toMatch(new RegExp(`trusted 1 project recipe of ${project}; a change to any of them ends the trust`));
    const trusted = await run(['run', tool]);
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(trusted.stdout.toString()).toBe('token=s3cret uid=0\n');

    // A shim runs through the same trust.
    const install = await run(['install', '--no-pull', tool]);
    expect(install.code, install.stderr).toBe(0);
    expect(install.stdout.toString()).toContain(`${tool}: a project recipe (${project}/.berth/recipes/${tool}.yaml); its tool can reach:`);
    const shim = () =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(path.join(shimDir, tool), [], { cwd: project, env: { ...sb.env, SECRET_TOKEN: 's3cret' } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    expect((await shim()).stdout).toBe('token=s3cret uid=0\n');

    // Edited after trust: not used until trusted again, by run and by shim.
    projectRecipe(project, { ...hostile(), entrypoint: ['sh', '-c', 'echo edited'] });
    const edited = await run(['run', tool]);
    expect(edited.code).toBe(1);
    expect(edited.stderr).toContain('is not trusted');
    const shimEdited = await shim();
    expect(shimEdited.code).toBe(1);
    expect(shimEdited.stderr).toContain('is not trusted');
    const showEdited = await run(['trust', '--show']);
    expect(showEdited.stdout.toString()).toMatch(new RegExp(`not trusted: changed since trusted on .*: ${tool}.yaml; run berth trust`));
    expect((await run(['trust'])).code).toBe(0);
    expect((await run(['run', tool])).stdout.toString()).toBe('edited\n');

    // A recipe added to a trusted project ends the trust too, for every tool of the project.
    projectRecipe(project, { name: `added${unique}`, image: inject('fixtureImage') });
    const added = await run(['run', tool]);
    expect(added.code).toBe(1);
    expect(added.stderr).toContain('is not trusted');
    expect((await run(['trust'])).code).toBe(0);

    const list = await run(['trust', '--list']);
    expect(list.stdout.toString()).toContain(`${project}  added${unique}.yaml, ${tool}.yaml  trusted, `);
    const untrust = await run(['untrust']);
    expect(untrust.code, untrust.stderr).toBe(0);
    expect(untrust.stdout.toString()).toBe(`${project}: no longer trusted; its project recipes are not used\n`);
    expect((await run(['run', tool])).code).toBe(1);
    expect((await run(['untrust'])).code).toBe(1);
    expect(containersOf(`added${unique}`)).toEqual([]);
  });
});

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

describe('recipes berth can never trust', () => {
  it('a recipe that is a link, or another user\'s file, is refused by berth trust and never used', async () => {
    const sb = makeSandbox();
    const project = path.join(sb.root, 'linked');
    const name = `linked${unique}`;
    const elsewhere = path.join(sb.root, 'elsewhere.yaml');
    writeFileSync(elsewhere, stringify({ name, description: 'd', version: '1', image: inject('fixtureImage') }));
    mkdirSync(path.join(project, '.berth', 'recipes'), { recursive: true });
    symlinkSync(elsewhere, path.join(project, '.berth', 'recipes', `${name}.yaml`));
    const trust = await berth(sb, ['trust'], { cwd: project });
    expect(trust.code).toBe(1);
    expect(trust.stderr).toContain(`berth: cannot trust ${name}.yaml (a symbolic link) in ${project}/.berth/recipes: make them your own regular files first`);
    const run = await berth(sb, ['run', name], { cwd: project });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('is not trusted');
    // Another user's file in the user's own recipe directory.
    rmSync(path.join(project, '.berth', 'recipes', `${name}.yaml`));
    writeFileSync(path.join(project, '.berth', 'recipes', `${name}.yaml`), readFileSync(elsewhere));
    chownSync(path.join(project, '.berth', 'recipes', `${name}.yaml`), OTHER_UID, OTHER_UID);
    const foreign = await berth(sb, ['trust'], { cwd: project });
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain(`(owned by uid ${OTHER_UID})`);
  });
});

describe('messages never carry terminal control characters from files', () => {
  it('a recipe key with an escape sequence is shown escaped', async () => {
    const sb = makeSandbox();
    const name = `esc${unique}`;
    writeFileSync(path.join(sb.recipes, `${name}.yaml`), `name: ${name}\ndescription: d\nversion: "1"\nimage: ${inject('fixtureImage')}\n"\\e]0;pwned\\a": 1\n`);
    const r = await berth(sb, ['run', name]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(CONTROL);
    expect(r.stderr).toContain('\\x1b]0;pwned\\x07');
    const lint = await berth(sb, ['recipes', 'lint', path.join(sb.recipes, `${name}.yaml`)]);
    expect(lint.stderr).not.toMatch(CONTROL);
    expect(lint.stderr).toContain('\\x1b]0;pwned\\x07');
  });
});
