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
import { startRegistry } from '../test/harness/registry.js';
import { rootlessPodman } from '../test/harness/podman-setup.js';
import { asUser, BERTH, makeSandbox, writeRecipe } from '../test/support/berth.js';
import { replaceBetweenMarkers } from '../scripts/catalog-table.js';
import { writeFileAtomic } from '../src/platform/files.js';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 15);
const STREAM_BYTES = Number(process.env.BENCH_STREAM_MB ?? 1024) * 1024 * 1024;
const node = process.execPath;
/** BENCH_ONLY=cold,warm,startup,streams,pull,podman runs some of them. */
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
    if (want('podman')) benchRootlessPodman(fixtureImage);
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
