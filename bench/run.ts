/**
 * berth's benchmarks (issue 6), against the real engine and a local registry set up the way the
 * tests set them up. Every figure is a ratio against the plain docker CLI (or `node -e 0`)
 * measured in the same run, A/B interleaved, median of PAIRS pairs. Run with `npm run bench`;
 * `npm run bench -- --readme` also writes the table into README.md (between its bench markers).
 * Nothing here asserts: it prints each figure next to its goal.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertEngine } from '../test/harness/engine.js';
import { ensureFixtures } from '../test/harness/fixtures.js';
import { buildImage } from '../test/harness/images.js';
import { ensureNodeBase } from '../test/harness/node-base.js';
import { startRegistry } from '../test/harness/registry.js';
import { rootlessPodman } from '../test/harness/podman-setup.js';
import { loadImages, startRemoteEngine } from '../test/harness/remote-engine.js';
import { check } from '../test/harness/exec.js';
import { asUser, BERTH, makeSandbox, writeRecipe } from '../test/support/berth.js';
import { replaceBetweenMarkers } from '../scripts/catalog-table.js';
import { writeFileAtomic } from '../src/platform/files.js';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 15);
const STREAM_BYTES = Number(process.env.BENCH_STREAM_MB ?? 1024) * 1024 * 1024;
const node = process.execPath;
/** BENCH_ONLY=cold,warm,startup,streams,pull,build,packages,remote,podman runs some of them. */
const only = process.env.BENCH_ONLY?.split(',');
const want = (section: string) => !only || only.includes(section);

function seconds(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0]!, argv.slice(1), { ...options, stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return elapsed;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A/B interleaved: returns the medians of A and B. */
function paired(a: () => number, b: () => number, pairs = PAIRS): { a: number; b: number } {
  a();
  b(); // warm both (page cache, image cache)
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      as.push(a());
      bs.push(b());
    } else {
      bs.push(b());
      as.push(a());
    }
  }
  return { a: median(as), b: median(bs) };
}

const rows: string[][] = [['benchmark', 'berth', 'baseline', 'ratio', 'goal', '']];
function report(name: string, berth: number, base: number, goal: string, ok: boolean, unit = 's'): void {
  rows.push([name, `${berth.toFixed(3)} ${unit}`, `${base.toFixed(3)} ${unit}`, (berth / base).toFixed(2), goal, ok ? 'met' : 'NOT met']);
  process.stderr.write(`${name}: ${(berth / base).toFixed(2)}\n`);
}

/** Pipes `bytes` of data through argv; returns seconds and the child's peak RSS in kB. */
function throughput(argv: string[], bytes: number, env: NodeJS.ProcessEnv, cwd: string): Promise<{ seconds: number; rssKb: number }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', 'RSS=%M', ...argv], { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    let received = 0;
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => (received += d.length));
    const chunk = randomBytes(1024 * 1024);
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!child.stdin.write(chunk)) return child.stdin.once('drain', pump);
      }
      child.stdin.end();
    };
    pump();
    child.on('close', (code) => {
      if (code !== 0 || received !== bytes) return reject(new Error(`${argv.join(' ')}: exit ${code}, ${received} bytes: ${err}`));
      resolve({ seconds: Number(process.hrtime.bigint() - start) / 1e9, rssKb: Number(/RSS=(\d+)/.exec(err)?.[1] ?? 0) });
    });
  });
}

/**
 * Rootless Podman (issue 13), when a second user's is set up (BERTH_TEST_PODMAN_ROOTLESS_USER, as
 * `.ci/run` makes it, with the fixture loaded by the podman test pass): berth as that user, found
 * with nothing configured, against `podman run --rm --userns=keep-id` as that user.
 */
function benchRootlessPodman(fixtureImage: string): void {
  const rootless = rootlessPodman();
  if (!rootless) {
    rows.push(['podman rootless', '-', '-', '-', '<= 1.0 / 0.25', 'not measured: no BERTH_TEST_PODMAN_ROOTLESS_USER']);
    return;
  }
  const sb = makeSandbox({ uid: rootless.uid });
  sb.gid = rootless.gid;
  for (const dir of [sb.root, sb.work, sb.recipes, sb.config, sb.cache]) chownSync(dir, rootless.uid, rootless.gid);
  delete sb.env.DOCKER_HOST;
  Object.assign(sb.env, { XDG_RUNTIME_DIR: rootless.runtime, USER: rootless.user });
  writeRecipe(sb, { name: 'fx', image: fixtureImage });
  const cwd = sb.work;
  const home = execFileSync('getent', ['passwd', rootless.user], { encoding: 'utf8' }).split(':')[5]!;
  const podmanEnv = { PATH: process.env.PATH, HOME: home, XDG_RUNTIME_DIR: rootless.runtime, USER: rootless.user };
  const podman = ['setpriv', `--reuid=${rootless.uid}`, `--regid=${rootless.gid}`, '--clear-groups', 'podman', 'run', '--rm', '-i', '--userns=keep-id'];
  const handWritten = [...podman, '-v', `${cwd}:${cwd}`, '-w', cwd, fixtureImage, 'true'];
  const cold = paired(() => seconds(asUser(sb, [node, BERTH, 'run', 'fx', 'true']), { cwd, env: sb.env }), () => seconds(handWritten, { cwd, env: podmanEnv }));
  report('podman rootless cold: berth run TOOL true', cold.a, cold.b, '<= 1.0', cold.a / cold.b <= 1.0);
  const warmRun = asUser(sb, [node, BERTH, 'run', '--warm', 'fx', 'true']);
  if (spawnSync(warmRun[0]!, warmRun.slice(1), { cwd, env: sb.env }).status === 0) {
    const warm = paired(() => seconds(warmRun, { cwd, env: sb.env }), () => seconds(handWritten, { cwd, env: podmanEnv }));
    report('podman rootless warm: berth run --warm TOOL true', warm.a, warm.b, '<= 0.25', warm.a / warm.b <= 0.25);
    const stop = asUser(sb, [node, BERTH, 'warm', 'stop']);
    spawnSync(stop[0]!, stop.slice(1), { cwd, env: sb.env });
  } else rows.push(['podman rootless warm', '-', '-', '-', '<= 0.25', 'not measured: --warm failed']);
}

/** Seconds argv takes, without blocking this process (which forwards the remote engine's TCP). */
function secondsAsync(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(argv[0]!, argv.slice(1), { ...options, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - start) / 1e9) : reject(new Error(`${argv.join(' ')} failed (${code}): ${err}`))));
  });
}

async function pairedAsync(a: () => Promise<number>, b: () => Promise<number>, pairs = PAIRS): Promise<{ a: number; b: number }> {
  await a();
  await b();
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      as.push(await a());
      bs.push(await b());
    } else {
      bs.push(await b());
      as.push(await a());
    }
  }
  return { a: median(as), b: median(bs) };
}

async function remoteBench(fixtureImage: string): Promise<void> {
  const remote = await startRemoteEngine();
  try {
    await loadImages(remote.host, [fixtureImage]);
    const sb = makeSandbox();
    const env = { ...sb.env, DOCKER_HOST: remote.host };
    const cwd = sb.work;
    for (let i = 0; i < 1000; i++) writeFileSync(path.join(cwd, `file${i}.txt`), `file ${i}\n`);
    writeRecipe(sb, { name: 'fx', image: fixtureImage });
    // The baseline's volume holds the same 1 000 files.
    const volume = `berth-bench-remote-${process.pid}`;
    // Not execFileSync: the engine's forward runs in this process.
    await check('docker', ['volume', 'create', volume], { env });
    await check('docker', ['run', '--rm', '-v', `${volume}:${cwd}`, '-w', cwd, fixtureImage, 'sh', '-c', 'i=0; while [ $i -lt 1000 ]; do echo "file $i" > file$i.txt; i=$((i+1)); done'], { env });
    const handWritten = ['docker', 'run', '--rm', '-i', '-v', `${volume}:${cwd}`, '-w', cwd, fixtureImage, 'true'];
    const first = await secondsAsync([node, BERTH, 'run', 'fx', 'true'], { cwd, env });
    const again = await pairedAsync(() => secondsAsync([node, BERTH, 'run', 'fx', 'true'], { cwd, env }), () => secondsAsync(handWritten, { cwd, env }));
    rows.push(['remote tcp: first berth run TOOL true, 1 000 files sent', `${first.toFixed(3)} s`, '-', '-', '-', '']);
    report('remote tcp: berth run TOOL true, 1 000-file workspace, again', again.a, again.b, '<= 1.3', again.a / again.b <= 1.3);
  } finally {
    await remote.stop();
  }
}

/**
 * Warm calls through exec (as on an engine that shares no socket with berth) against a fresh
 * run, on the local engine and over ssh; and how many ssh connections a run over ssh sets up
 * (sshd's own count), with the shared connection closed before each run: the worst case.
 */
async function remoteWarmAndSsh(sb: ReturnType<typeof makeSandbox>, fixtureImage: string): Promise<void> {
  const { closeSharedConnections, startSshd } = await import('../test/harness/sshd.js');
  const cwd = sb.work;
  writeRecipe(sb, { name: 'fx', image: fixtureImage });
  const execEnv = { ...sb.env, BERTH_WARM_TRANSPORT: 'exec' };
  const fresh = [node, BERTH, 'run', 'fx', 'true'];
  const warm = [node, BERTH, 'run', '--warm', 'fx', 'true'];
  const stop = (env: NodeJS.ProcessEnv) => spawnSync(node, [BERTH, 'warm', 'stop'], { cwd, env });
  if (spawnSync(warm[0]!, warm.slice(1), { cwd, env: execEnv }).status === 0) {
    const local = paired(() => seconds(warm, { cwd, env: execEnv }), () => seconds(fresh, { cwd, env: sb.env }));
    report('remote: warm through exec vs fresh berth run (local engine)', local.a, local.b, '<= 0.5', local.a / local.b <= 0.5);
  } else rows.push(['remote: warm through exec', '-', '-', '-', '<= 0.5', 'not measured: --warm failed']);
  stop(execEnv);
  const sshd = await startSshd();
  try {
    const sshEnv = { ...sb.env, PATH: sshd.path, DOCKER_HOST: sshd.url };
    const closeShared = () => closeSharedConnections(sb.cache, sshEnv);
    if (spawnSync(warm[0]!, warm.slice(1), { cwd, env: sshEnv }).status === 0) {
      const overSsh = paired(() => seconds(warm, { cwd, env: sshEnv }), () => seconds(fresh, { cwd, env: sshEnv }));
      report('remote: warm through exec vs fresh berth run, over ssh', overSsh.a, overSsh.b, '<= 0.5', overSsh.a / overSsh.b <= 0.5);
    } else rows.push(['remote: warm over ssh', '-', '-', '-', '<= 0.5', 'not measured: --warm failed']);
    stop(sshEnv);
    // Set-ups per run: each run starts with no shared connection.
    let most = 0;
    const times: number[] = [];
    for (let i = 0; i < Math.min(PAIRS, 9); i++) {
      closeShared();
      const before = sshd.connections();
      times.push(seconds(fresh, { cwd, env: sshEnv }));
      most = Math.max(most, sshd.connections() - before);
    }
    const warmShared = median(Array.from({ length: Math.min(PAIRS, 9) }, () => seconds(fresh, { cwd, env: sshEnv })));
    rows.push(['remote: ssh connection set-ups in a berth run over ssh (most of runs)', String(most), '-', '-', '<= 1', most <= 1 ? 'met' : 'NOT met']);
    report('remote: berth run over ssh, connection set up vs shared one kept', median(times), warmShared, 'info', true);
    closeShared();
  } finally {
    await sshd.stop();
  }
}

async function main(): Promise<void> {
  await assertEngine();
  const { fixtureImage } = await ensureFixtures();
  const registry = await startRegistry();
  const sb = makeSandbox();
  const env = { ...sb.env };
  const cwd = sb.work;
  writeRecipe(sb, { name: 'fx', image: fixtureImage });
  writeRecipe(sb, { name: 'fxwarm', image: fixtureImage, warm: true });
  const handWritten = ['docker', 'run', '--rm', '-i', '-v', `${cwd}:${cwd}`, '-w', cwd, fixtureImage, 'true'];
  try {
    // 1. Cold path: berth run and a shim, against the hand-written docker run.
    if (want('cold')) {
      const cold = paired(() => seconds([node, BERTH, 'run', 'fx', 'true'], { cwd, env }), () => seconds(handWritten, { cwd }));
      report('cold: berth run TOOL true', cold.a, cold.b, '<= 1.0', cold.a / cold.b <= 1.0);
      const shimDir = path.join(sb.root, 'shims');
      mkdirSync(shimDir, { recursive: true });
      const installed = spawnSync(node, [BERTH, 'install', 'fx'], { cwd, env: { ...env, BERTH_SHIM_DIR: shimDir }, encoding: 'utf8' });
      if (installed.status === 0) {
        const shim = paired(() => seconds([path.join(shimDir, 'fx'), 'true'], { cwd, env }), () => seconds(handWritten, { cwd }));
        report('cold: shim TOOL true', shim.a, shim.b, '<= 1.0', shim.a / shim.b <= 1.0);
      } else rows.push(['cold: shim', '-', '-', '-', '<= 1.0', `not measured: ${installed.stderr.trim()}`]);
    }

    // 2. Warm path: exec into a kept container.
    const warmRun = [node, BERTH, 'run', '--warm', 'fx', 'true'];
    if (!want('warm')) {
      // skipped
    } else if (spawnSync(warmRun[0]!, warmRun.slice(1), { cwd, env }).status === 0) {
      const warm = paired(() => seconds(warmRun, { cwd, env }), () => seconds(handWritten, { cwd }));
      report('warm: berth run --warm TOOL true', warm.a, warm.b, '<= 0.35', warm.a / warm.b <= 0.35);
      spawnSync(node, [BERTH, 'warm', 'stop'], { cwd, env });
    } else rows.push(['warm', '-', '-', '-', '<= 0.35', 'not measured: --warm failed']);

    // 3. Start-up: --version and list against bare node.
    if (want('startup')) {
      const bare = [node, '-e', '0'];
      const version = paired(() => seconds([node, BERTH, '--version'], { cwd, env }), () => seconds(bare));
      report('startup: berth --version', version.a, version.b, '<= 1.8', version.a / version.b <= 1.8);
      const list = paired(() => seconds([node, BERTH, 'list'], { cwd, env }), () => seconds(bare));
      report('startup: berth list', list.a, list.b, '<= 1.8', list.a / list.b <= 1.8);
      // A shell's Tab: the completion scripts call this on every press (berth completions).
      const tab = paired(() => seconds([node, BERTH, '__complete', 'run', 'fx@'], { cwd, env }), () => seconds(bare));
      report('startup: berth __complete (Tab)', tab.a, tab.b, '<= 1.8', tab.a / tab.b <= 1.8);
    }

    // 4. Streams: 1 GiB through cat, throughput and berth's peak memory.
    if (want('streams')) {
      const viaBerth = await throughput([node, BERTH, 'run', 'fx', 'cat'], STREAM_BYTES, env, cwd);
      const viaDocker = await throughput(['docker', 'run', '--rm', '-i', fixtureImage, 'cat'], STREAM_BYTES, env, cwd);
      const mbps = (r: { seconds: number }) => STREAM_BYTES / 1e6 / r.seconds;
      rows.push([
        `streams: ${STREAM_BYTES / 2 ** 30} GiB through cat`,
        `${mbps(viaBerth).toFixed(0)} MB/s`,
        `${mbps(viaDocker).toFixed(0)} MB/s`,
        (mbps(viaBerth) / mbps(viaDocker)).toFixed(2),
        '>= 0.9',
        mbps(viaBerth) / mbps(viaDocker) >= 0.9 ? 'met' : 'NOT met',
      ]);
      rows.push(['streams: berth peak RSS', `${(viaBerth.rssKb / 1024).toFixed(0)} MB`, '-', '-', '< 100 MB', viaBerth.rssKb < 100 * 1024 ? 'met' : 'NOT met']);
    }

    // 5. Pull: a multi-layer image from the local registry, berth against docker pull.
    if (want('pull')) {
      const ref = `${registry.host}/bench/layers:1`;
      const layers = Object.fromEntries([1, 2, 3, 4].map((i) => [`layer${i}.bin`, randomBytes(16 * 1024 * 1024)]));
      await buildImage(ref, layers, `FROM ${fixtureImage}\n${[1, 2, 3, 4].map((i) => `COPY layer${i}.bin /layer${i}.bin`).join('\n')}\n`);
      execFileSync('docker', ['push', ref], { stdio: 'ignore' });
      writeRecipe(sb, { name: 'layers', image: ref });
      const rmi = () => spawnSync('docker', ['rmi', '-f', ref], { stdio: 'ignore' });
      const berthCached = median(Array.from({ length: 5 }, () => seconds([node, BERTH, 'run', 'layers', 'true'], { cwd, env })));
      const pull = paired(
        () => {
          rmi();
          return seconds([node, BERTH, 'run', '-q', 'layers', 'true'], { cwd, env }) - berthCached;
        },
        () => {
          rmi();
          return seconds(['docker', 'pull', '-q', ref]);
        },
        Math.min(PAIRS, 9),
      );
      report('pull: 4 x 16 MB layers (berth run minus its cached run)', pull.a, pull.b, '<= 1.1', pull.a / pull.b <= 1.1);
      // A cached image needs no registry: the same image under a registry that does not exist.
      const dead = '127.0.0.1:9/bench/offline:1';
      execFileSync('docker', ['tag', ref, dead]);
      writeRecipe(sb, { name: 'offline', image: dead });
      const offline = spawnSync(node, [BERTH, 'run', 'offline', 'true'], { cwd, env, encoding: 'utf8' });
      rows.push(['pull: cached image, registry unreachable', offline.status === 0 ? 'runs' : 'fails', '-', '-', 'no registry request', offline.status === 0 ? 'met' : 'NOT met']);
      spawnSync('docker', ['rmi', '-f', dead, ref], { stdio: 'ignore' });
    }

    // 6. Build recipes: once built, a run costs what a pulled image's cold run costs (the recipe's
    // build hash and one create). Built on the fixture image through BERTH_BASE_IMAGE, as the tests do.
    if (want('build')) {
      const from = `bench.invalid/base:1@sha256:${'0'.repeat(64)}`;
      writeRecipe(sb, { name: 'fxbuilt', build: { from, run: ['true'] } });
      const builtEnv = { ...env, BERTH_BASE_IMAGE: fixtureImage };
      const made = spawnSync(node, [BERTH, 'build', '-q', 'fxbuilt'], { cwd, env: builtEnv, encoding: 'utf8' });
      if (made.status === 0) {
        const built = paired(() => seconds([node, BERTH, 'run', 'fxbuilt', 'true'], { cwd, env: builtEnv }), () => seconds([node, BERTH, 'run', 'fx', 'true'], { cwd, env }));
        report("build: 2nd run of a build recipe vs a pulled image's cold run", built.a, built.b, '<= 1.05', built.a / built.b <= 1.05);
      } else rows.push(['build: 2nd run of a build recipe', '-', '-', '-', '<= 1.05', `not measured: ${made.stderr.trim()}`]);
      const ids = spawnSync('docker', ['images', '-q', '--filter', 'label=berth.build=fxbuilt'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) spawnSync('docker', ['rmi', '-f', ...ids], { stdio: 'ignore' });
    }

    // 7. Packages: a warm call of an npm: package against npx with the package in its cache.
    if (want('packages')) {
      const nodeBase = await ensureNodeBase();
      const npmEnv = { ...env, BERTH_BASE_IMAGE: nodeBase };
      const viaBerth = [node, BERTH, 'run', '-q', '--warm', 'npm:prettier@3.6.2', '--version'];
      // npx with its own cache, filled by the first call (paired() warms both before measuring).
      const npxEnv = { ...process.env, npm_config_cache: path.join(sb.root, 'npx-cache'), npm_config_update_notifier: 'false' };
      const viaNpx = ['npx', '--yes', 'prettier@3.6.2', '--version'];
      const built = spawnSync(viaBerth[0]!, viaBerth.slice(1), { cwd, env: npmEnv, encoding: 'utf8' });
      if (built.status === 0) {
        const packages = paired(() => seconds(viaBerth, { cwd, env: npmEnv }), () => seconds(viaNpx, { cwd, env: npxEnv }));
        report('packages: berth run --warm npm:prettier --version vs npx (cached)', packages.a, packages.b, '<= 1.0', packages.a / packages.b <= 1.0);
        spawnSync(node, [BERTH, 'warm', 'stop'], { cwd, env: npmEnv });
      } else rows.push(['packages: npm:prettier', '-', '-', '-', '<= 1.0', `not measured: ${built.stderr.trim().split('\n')[0]}`]);
      const ids = spawnSync('docker', ['images', '-q', '--filter', 'label=berth.build=npm-prettier'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) spawnSync('docker', ['rmi', '-f', ...ids], { stdio: 'ignore' });
    }
    if (want('podman')) benchRootlessPodman(fixtureImage);
    // 6. Remote: an engine that cannot see this machine (test/harness/remote-engine.ts), over TCP:
    // berth's second and later runs in a 1 000-file workspace against a hand-written docker run
    // on a volume already holding it. Timed asynchronously: the engine's TCP forward runs in
    // this process.
    if (want('remote')) {
      await remoteBench(fixtureImage);
      // Warm calls through exec (an engine that shares no socket with berth), and ssh:// engines.
      await remoteWarmAndSsh(sb, fixtureImage);
    }
  } finally {
    await registry.stop();
  }

  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
  const engine = spawnSync('docker', ['version', '--format', '{{.Server.Version}}']).stdout.toString().trim();
  const machine = `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${process.platform}, dockerd ${engine}, Node ${process.version}`;
  console.log(`\nberth benchmarks, median of ${PAIRS} A/B pairs (${machine})\n\n${out}`);
  writeFileSync(path.join(sb.root, 'bench.md'), out);
  if (process.argv.includes('--readme')) {
    const readme = fileURLToPath(new URL('../README.md', import.meta.url));
    const sections = only ? ` (sections: ${only.join(', ')})` : '';
    const text = `Latest figures${sections}: ${machine}; median of ${PAIRS} A/B pairs, ${new Date().toISOString().slice(0, 10)}. Written by \`npm run bench -- --readme\`.\n\n${out}\n`;
    writeFileAtomic(readme, replaceBetweenMarkers(readFileSync(readme, 'utf8'), text, { start: '<!-- bench:start -->', end: '<!-- bench:end -->' }));
    console.log(`\n${readme}: bench table written`);
  }
}

await main();
