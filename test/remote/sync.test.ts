import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { forward, type Traffic } from '../harness/remote-engine.js';
import { berth, makeSandbox, OTHER_UID, writeRecipe, type Sandbox } from '../support/berth.js';

/**
 * berth run against an engine that cannot see this machine's files (the remote project's dockerd,
 * over TCP: test/harness/remote-engine.ts): the workspace goes there and what the tool changed
 * comes back. berth runs as a user of its own (OTHER_UID), so ownership is checked too.
 */
function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Every path under `dir` (relative), with its type, mode and content or link target. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const abs = path.join(dir, r);
      const st = lstatSync(abs);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out[r] = `link -> ${readlinkSync(abs)}`;
      else if (st.isDirectory()) {
        out[r] = `dir ${mode}`;
        walk(r);
      } else out[r] = `file ${mode} ${st.size <= 64 ? JSON.stringify(readFileSync(abs, 'latin1')) : sha(readFileSync(abs))}`;
    }
  };
  walk('');
  return out;
}

describe('berth run on an engine that cannot see this machine (workspace sync)', () => {
  let sb: Sandbox;
  const run = (args: string[], options?: Parameters<typeof berth>[2]) => berth(sb, ['run', 'fx', ...args], { timeoutMs: 120_000, ...options });
  const sh = (script: string, options?: Parameters<typeof berth>[2]) => run(['sh', '-c', script], options);

  beforeAll(() => {
    sb = makeSandbox({ uid: OTHER_UID });
    writeRecipe(sb, { name: 'fx', image: inject('fixtureImage'), user: 'host' });
  });

  afterAll(() => {
    // Nothing of berth's left but its workspace volumes: no container.
    expect(docker('ps', '-a', '--filter', 'label=berth.managed=true', '--format', '{{.ID}} {{.Names}}')).toBe('');
  });

  /** A fresh folder in the sandbox's work directory, owned by berth's user. */
  function folder(name: string): string {
    const dir = path.join(sb.work, name);
    mkdirSync(dir);
    execFileSync('chown', [`${sb.uid}:${sb.gid}`, dir]);
    return dir;
  }

  it('runs the tool in a copy of the working directory and brings back what it created, changed, renamed and deleted', async () => {
    const dir = folder('basic');
    const binary = randomBytes(4096);
    writeFileSync(path.join(dir, 'keep.txt'), 'kept\n');
    writeFileSync(path.join(dir, 'change.txt'), 'before\n');
    writeFileSync(path.join(dir, 'delete.txt'), 'gone soon\n');
    writeFileSync(path.join(dir, 'rename-me.txt'), 'moving\n');
    writeFileSync(path.join(dir, 'blob.bin'), binary);
    writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\necho script\n');
    chmodSync(path.join(dir, 'run.sh'), 0o750);
    mkdirSync(path.join(dir, 'empty'));
    mkdirSync(path.join(dir, 'old-dir/inner'), { recursive: true });
    writeFileSync(path.join(dir, 'old-dir/inner/x'), 'x');
    symlinkSync('keep.txt', path.join(dir, 'link'));
    execFileSync('chown', ['-R', `${sb.uid}:${sb.gid}`, dir]);

    const result = await sh(
      [
        'cat keep.txt; sha256sum blob.bin; ls -ld empty | cut -c1-10; readlink link; ls -l run.sh | cut -c1-10',
        'printf after > change.txt',
        'rm delete.txt',
        'mv rename-me.txt renamed.txt',
        'rm -r old-dir',
        'mkdir -p made/deep/empty-new && printf new > made/deep/file',
        'head -c 10000 /dev/urandom > made/random.bin && sha256sum made/random.bin',
        'ln -s ../keep.txt made/up-link && rm link && ln -s renamed.txt link',
        'chmod 604 keep.txt; chmod 700 made',
        'exit 5',
      ].join('\n'),
      { cwd: dir },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(5);
    const lines = result.stdout.toString().split('\n');
    expect(lines[0]).toBe('kept');
    expect(lines[1]).toBe(`${sha(binary)}  blob.bin`);
    expect(lines[2]).toBe('drwxr-xr-x');
    expect(lines[3]).toBe('keep.txt');
    expect(lines[4]).toBe('-rwxr-x---');
    const randomSha = lines[5]!.split(' ')[0];

    const after = tree(dir);
    expect(after).toEqual({
      'blob.bin': `file 644 ${sha(binary)}`,
      'change.txt': 'file 644 "after"',
      empty: 'dir 755',
      'keep.txt': 'file 604 "kept\\n"',
      link: 'link -> renamed.txt',
      made: 'dir 700',
      'made/deep': 'dir 755',
      'made/deep/empty-new': 'dir 755',
      'made/deep/file': 'file 644 "new"',
      'made/random.bin': `file 644 ${randomSha}`,
      'made/up-link': 'link -> ../keep.txt',
      'renamed.txt': 'file 644 "moving\\n"',
      'run.sh': 'file 750 "#!/bin/sh\\necho script\\n"',
    });
    // Everything is the user's, as a tool run locally leaves it.
    for (const rel of Object.keys(after)) expect(lstatSync(path.join(dir, rel)).uid, rel).toBe(sb.uid);
    // And nothing of berth's half-done work is left.
    expect(Object.keys(after).filter((p) => p.includes('berth-partial'))).toEqual([]);
  });

  it('sends only what changed: an unchanged workspace costs no file contents either way', async () => {
    const dir = folder('incremental');
    const big = randomBytes(4 * 1024 * 1024);
    writeFileSync(path.join(dir, 'big.bin'), big);
    for (let i = 0; i < 100; i++) writeFileSync(path.join(dir, `f${i}.txt`), `file ${i}\n`);
    execFileSync('chown', ['-R', `${sb.uid}:${sb.gid}`, dir]);
    // The runs go through a forward of their own that counts the bytes.
    const counted = await forward(Number(new URL(inject('remoteEngine')).port));
    const env = { DOCKER_HOST: `tcp://127.0.0.1:${counted.port}` };
    const measure = async (script: string) => {
      const start: Traffic = { ...counted.traffic };
      const result = await sh(script, { cwd: dir, env });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      return { up: counted.traffic.up - start.up, down: counted.traffic.down - start.down, out: result.stdout.toString() };
    };
    try {
      const first = await measure('sha256sum big.bin');
      expect(first.out).toContain(sha(big));
      expect(first.up).toBeGreaterThan(big.length);
      const second = await measure('sha256sum big.bin');
      expect(second.out).toContain(sha(big));
      // The sync helper (~10 KB) and the requests; no file's contents.
      expect(second.up).toBeLessThan(64 * 1024);
      expect(second.down).toBeLessThan(64 * 1024);
      // One changed file: it alone goes up; the tool's one new file alone comes back.
      writeFileSync(path.join(dir, 'f7.txt'), 'changed here\n');
      const third = await measure('cat f7.txt; head -c 300000 /dev/urandom > out.bin');
      expect(third.out).toBe('changed here\n');
      expect(third.up).toBeLessThan(64 * 1024);
      expect(third.down).toBeGreaterThan(300_000);
      expect(third.down).toBeLessThan(300_000 + 64 * 1024);
    } finally {
      counted.server.close();
    }
  });

  it('copies a 50 MB file each way and 5 000 small files', async () => {
    const dir = folder('large');
    const big = randomBytes(50 * 1024 * 1024);
    writeFileSync(path.join(dir, 'in.bin'), big);
    mkdirSync(path.join(dir, 'many'));
    for (let i = 0; i < 5000; i++) writeFileSync(path.join(dir, 'many', `s${i}`), `small ${i}\n`);
    execFileSync('chown', ['-R', `${sb.uid}:${sb.gid}`, dir]);
    const result = await sh(
      'sha256sum in.bin; ls many | wc -l; head -c 52428800 /dev/urandom > out.bin; sha256sum out.bin; mkdir made; cd made; i=0; while [ $i -lt 5000 ]; do echo "made $i" > m$i; i=$((i+1)); done',
      { cwd: dir },
    );
    expect(result.code).toBe(0);
    const [inSum, count, outSum] = result.stdout.toString().trim().split('\n');
    expect(inSum).toBe(`${sha(big)}  in.bin`);
    expect(count!.trim()).toBe('5000');
    expect(`${sha(readFileSync(path.join(dir, 'out.bin')))}  out.bin`).toBe(outSum);
    expect(readdirSync(path.join(dir, 'made')).length).toBe(5000);
    expect(readFileSync(path.join(dir, 'made', 'm4321'), 'utf8')).toBe('made 4321\n');
  });

  it('leaves every file old or new when berth is killed while copying back, and the next run brings the rest', async () => {
    const dir = folder('interrupted');
    writeFileSync(path.join(dir, 'a.txt'), 'old a\n');
    execFileSync('chown', ['-R', `${sb.uid}:${sb.gid}`, dir]);
    let killed = false;
    const result = await sh('printf "new a" > a.txt; head -c 52428800 /dev/urandom > big.bin; sha256sum big.bin', {
      cwd: dir,
      onSpawn: (child) => {
        // Killed as soon as the big file starts to come back (its partial file appears).
        const watch = setInterval(() => {
          if (readdirSync(dir).some((n) => n.includes('berth-partial'))) {
            clearInterval(watch);
            killed = child.kill('SIGKILL');
          }
        }, 5);
        child.on('close', () => clearInterval(watch));
      },
    });
    expect(killed).toBe(true);
    expect(result.signal).toBe('SIGKILL');
    const sum = result.stdout.toString().split(' ')[0];
    // No half-written file in place: big.bin is missing or whole.
    if (existsSync(path.join(dir, 'big.bin'))) expect(sha(readFileSync(path.join(dir, 'big.bin')))).toBe(sum);
    expect(['old a\n', 'new a']).toContain(readFileSync(path.join(dir, 'a.txt'), 'utf8'));
    // The next run finishes the copy-back, and removes the killed berth's partial file.
    const next = await sh('true', { cwd: dir });
    expect(next.code).toBe(0);
    expect(sha(readFileSync(path.join(dir, 'big.bin')))).toBe(sum);
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('new a');
    expect(readdirSync(dir).sort()).toEqual(['a.txt', 'big.bin']);
    // The killed run's container went with the next run's sweep.
    expect(docker('ps', '-a', '--filter', 'label=berth.managed=true', '--format', '{{.ID}}')).toBe('');
  });

  it('leaves out what .berthignore lists, both ways', async () => {
    const dir = folder('ignored');
    writeFileSync(path.join(dir, '.berthignore'), 'node_modules/\n*.log\n');
    mkdirSync(path.join(dir, 'node_modules'));
    writeFileSync(path.join(dir, 'node_modules', 'dep.js'), 'x');
    writeFileSync(path.join(dir, 'debug.log'), 'log');
    writeFileSync(path.join(dir, 'src.js'), 'src');
    execFileSync('chown', ['-R', `${sb.uid}:${sb.gid}`, dir]);
    const result = await sh('ls -A; echo built > node_modules_out.txt; mkdir -p node_modules; echo made > node_modules/new.js; echo l > new.log', { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout.toString().split('\n').filter(Boolean)).toEqual(['.berthignore', 'src.js']);
    expect(readdirSync(dir).sort()).toEqual(['.berthignore', 'debug.log', 'node_modules', 'node_modules_out.txt', 'src.js']);
    expect(readdirSync(path.join(dir, 'node_modules'))).toEqual(['dep.js']);
  });

  it('takes hostile entries as they are: no setuid, no fifo, no write through a link', async () => {
    const dir = folder('hostile');
    const outside = folder('outside-target');
    execFileSync('chown', ['-R', `${sb.uid}:${sb.gid}`, dir]);
    const result = await sh(`printf s > suid; chmod 4755 suid; mkfifo pipe; ln -s ${outside} escape; mkdir real; printf inside > real/file`, { cwd: dir });
    expect(result.code).toBe(0);
    expect(statSync(path.join(dir, 'suid')).mode & 0o7777).toBe(0o755);
    expect(existsSync(path.join(dir, 'pipe'))).toBe(false);
    expect(result.stderr).toBe('berth: not copied back (devices, fifos and sockets stay on the engine): pipe\n');
    expect(readlinkSync(path.join(dir, 'escape'))).toBe(outside);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('keeps the semantics of a local run: stdin, stdout, stderr, exit codes, signals', async () => {
    const dir = folder('semantics');
    const echo = await sh('cat; echo err >&2', { cwd: dir, input: 'through stdin\n' });
    expect(echo.stdout.toString()).toBe('through stdin\n');
    expect(echo.stderr).toBe('err\n');
    expect(echo.code).toBe(0);
    expect((await run(['exit-with', '42'], { cwd: dir })).code).toBe(42);
    expect((await run(['no-such-tool'], { cwd: dir })).code).toBe(127);
    const ids = await run(['ids'], { cwd: dir });
    expect(ids.stdout.toString()).toMatch(new RegExp(`^uid=${OTHER_UID} gid=${sb.gid} user=tester `));
    // A signal to berth reaches the tool, whose trap answers it.
    const trapped = await new Promise<{ out: string; code: number | null }>((resolve, reject) => {
      let out = '';
      berth(sb, ['run', 'fx', 'trap-signals'], {
        cwd: dir,
        onSpawn: (child) => {
          child.stdout!.on('data', (c: Buffer) => {
            out += c.toString();
            if (out === 'ready\n') child.kill('SIGTERM');
          });
        },
      }).then((r) => resolve({ out, code: r.code }), reject);
    });
    expect(trapped.out).toBe('ready\ngot TERM\n');
    expect(trapped.code).toBe(0);
  });

  it('keeps each workspace in one volume, labelled with its folder', async () => {
    const volumes = docker('volume', 'ls', '--filter', 'label=berth.workspace', '--format', '{{.Name}} {{.Label "berth.workspace"}}').split('\n').filter(Boolean);
    const sources = volumes.map((v) => v.split(' ')[1]);
    for (const name of ['basic', 'incremental', 'large', 'interrupted', 'ignored', 'hostile', 'semantics']) {
      expect(sources.filter((s) => s === path.join(sb.work, name))).toHaveLength(1);
    }
  });
});

