import { createWriteStream, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, symlinkSync, chmodSync, utimesSync, type BigIntStats } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Mount, RunPlan } from '../../core/run/plan.js';
import { LABELS } from '../../core/labels.js';
import { EngineError } from '../../platform/errors.js';
import { writePrivateFile } from '../../platform/files.js';
import { workspaceStateFile } from '../../platform/paths.js';
import { shortHash } from '../../platform/short-hash.js';
import { warn } from '../../platform/terminal-text.js';
import type { ContainerSpec, EngineClient, ImageFacts } from '../engine-client.js';
import { endpointKey } from '../engine/mode.js';

const require = createRequire(import.meta.url);

/**
 * Workspace sync, for an engine that cannot see the host's files (runtime/engine/visibility.ts):
 * the run's bind mounts become copies on the engine, and what the tool changes comes back.
 *
 * - A directory the tool may write (the working directory, its HOME, a rw -v or path argument)
 *   lives in a volume of its own on the engine (`berth-ws-<hash>`, labelled berth.workspace),
 *   kept between runs and mounted at the same path. Only what changed on the host since the last
 *   run is sent (berth keeps a manifest per folder and endpoint: path, type, mode, size, mtime,
 *   link), in the one archive PUT made before the start; what the user deleted is deleted there.
 * - Read-only folders and single files (the passwd entry, a read-only home entry) are put into the
 *   container's own filesystem, in the same archive, each run.
 * - The tool runs under berth's sync helper (native/sync-helper.c), which lists the writable roots
 *   before and after the tool. What differs comes back, file by file, each written to a temporary
 *   file beside its place and renamed over it; what the tool deleted is deleted; a file the user
 *   changed meanwhile is kept as the user left it (and said).
 * - Archive entries and manifests are the container's words: a path must lie inside its root, is
 *   never written through a symbolic link, and modes lose setuid, setgid and sticky; devices,
 *   fifos and sockets are not copied.
 * - `.berthignore` (gitignore syntax) in a folder's root leaves paths out both ways.
 * A run cut short while copying back leaves every file old or new, never half-written; what did
 * not come back comes back with the next run (the engine's copy is compared against the manifest).
 */

/** The helper and its manifests inside the container. */
const STATE_DIR = '/.berth-sync';
const HELPER = `${STATE_DIR}/helper`;
/** Warn before sending more than this. */
const WARN_BYTES = 100 * 1024 * 1024;
const WARN_FILES = 10_000;
/** Transfers longer than this show their progress. */
const PROGRESS_AFTER_MS = 1000;
/** A manifest larger than this is not read. */
const MAX_MANIFEST = 512 * 1024 * 1024;
const PARTIAL = /\.berth-partial-(\d+)$/;

type Kind = 'f' | 'd' | 'l' | 'o';

/** One path as berth last saw it: type, mode (permission bits), size, mtime (as each side words it), link target. */
interface Entry {
  t: Kind;
  m: number;
  s: number;
  n: string;
  l: string;
}

interface Tracked {
  /** The host's file when it last matched the engine's. */
  h: Entry;
  /** The engine's file then. */
  r: Entry;
}

interface WorkspaceState {
  endpoint: string;
  source: string;
  volume: string;
  usedAt: string;
  entries: Record<string, Tracked>;
}

/** Changed on either side: for a directory only its type and mode count (its mtime moves with its entries). */
function differs(a: Entry | undefined, b: Entry | undefined): boolean {
  if (!a || !b) return a !== b;
  if (a.t !== b.t || a.m !== b.m) return true;
  if (a.t === 'd') return false;
  return a.s !== b.s || a.n !== b.n || a.l !== b.l;
}

function hostEntry(st: BigIntStats, link: string): Entry {
  const t: Kind = st.isFile() ? 'f' : st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : 'o';
  return { t, m: Number(st.mode & 0o7777n), s: t === 'f' ? Number(st.size) : 0, n: String(st.mtimeNs), l: link };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

type Ignore = (rel: string, dir: boolean) => boolean;

/** The folder's .berthignore, when it has one. */
function readIgnore(source: string): Ignore {
  let text: string;
  try {
    text = readFileSync(path.join(source, '.berthignore'), 'utf8');
  } catch {
    return () => false;
  }
  const ignore = (require('ignore') as typeof import('ignore'))().add(text);
  return (rel, dir) => rel !== '' && ignore.ignores(dir ? `${rel}/` : rel);
}

/** The host folder's entries by path relative to it ('' the folder), .berthignore's left out; partial files of dead berths are removed. */
function scanHost(source: string, ignored: Ignore): Map<string, Entry> {
  const found = new Map<string, Entry>();
  const visit = (rel: string) => {
    const abs = rel ? path.join(source, rel) : source;
    const st = lstatSync(abs, { bigint: true });
    const entry = hostEntry(st, st.isSymbolicLink() ? readLinkOr(abs) : '');
    found.set(rel, entry);
    if (entry.t !== 'd') return;
    for (const name of readdirSync(abs)) {
      const child = rel ? `${rel}/${name}` : name;
      const partial = PARTIAL.exec(name);
      if (partial) {
        if (!alive(Number(partial[1]))) rmSync(path.join(abs, name), { force: true });
        continue;
      }
      let dir: boolean;
      try {
        dir = lstatSync(path.join(abs, name)).isDirectory();
      } catch {
        continue; // gone meanwhile
      }
      if (ignored(child, dir)) continue;
      try {
        visit(child);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  };
  visit('');
  return found;
}

function readLinkOr(abs: string): string {
  try {
    return require('node:fs').readlinkSync(abs) as string;
  } catch {
    return '';
  }
}

/** A manifest of the sync helper: seven NUL-terminated fields a record. Records that do not parse are dropped. */
export function parseManifest(bytes: Buffer): Map<string, Entry> {
  const fields = bytes.toString('utf8').split('\0');
  const out = new Map<string, Entry>();
  for (let i = 0; i + 7 <= fields.length; i += 7) {
    const [t, mode, size, sec, nsec, p, l] = fields.slice(i, i + 7) as [string, string, string, string, string, string, string];
    if (!/^[fdlo]$/.test(t) || !/^[0-7]{1,5}$/.test(mode) || !/^\d{1,20}$/.test(size) || !/^-?\d{1,20}$/.test(sec) || !/^\d{1,9}$/.test(nsec)) continue;
    out.set(p, { t: t as Kind, m: Number.parseInt(mode, 8), s: Number(size), n: `${sec}.${nsec}`, l });
  }
  return out;
}

/**
 * The path relative to `root` that a container path names, or undefined when it is not one berth
 * may write: outside the root, or with empty, `.` or `..` parts.
 */
export function relativeInside(root: string, containerPath: string): string | undefined {
  if (containerPath === root) return '';
  if (!containerPath.startsWith(`${root}/`)) return undefined;
  const rel = containerPath.slice(root.length + 1);
  if (rel.split('/').some((part) => part === '' || part === '.' || part === '..')) return undefined;
  return rel;
}

interface Root {
  mount: Mount;
  /** A folder the tool may write, kept in a volume. */
  volume?: { name: string; state: WorkspaceState; stateFile: string; host: Map<string, Entry>; ignored: Ignore; uploaded: Set<string>; deleted: Set<string> };
}

export interface SyncedRun {
  /** The create body with the sync's mounts, entrypoint and no AutoRemove. */
  spec(spec: ContainerSpec): ContainerSpec;
  /** Sends the workspace (before the start). */
  beforeStart(id: string): Promise<void>;
  /** Copies back what the tool changed (after its exit; the container is still there). */
  afterExit(id: string): Promise<void>;
}

type Pack = ReturnType<typeof import('tar-stream').pack>;

/** What the tool's container runs: the plan's entrypoint and command, else the image's (as the engine would). */
function toolArgv(plan: RunPlan, image: ImageFacts): string[] {
  if (plan.entrypoint.length > 0) return [...plan.entrypoint, ...plan.cmd];
  return [...image.entrypoint, ...(plan.cmd.length > 0 ? plan.cmd : image.cmd)];
}

function owner(plan: RunPlan): { uid: number; gid: number } {
  const [uid, gid] = (plan.user ?? '0:0').split(':').map(Number);
  return { uid: uid ?? 0, gid: gid ?? uid ?? 0 };
}

/** A folder mount the tool may write: kept in a volume. */
const inVolume = (m: Mount) => !m.readOnly && !m.create && lstatSync(m.source).isDirectory();

/**
 * Plans the sync of a run's mounts to `engine`. `program`: the sync helper for the engine's
 * architecture.
 */
export async function prepareSync(engine: EngineClient, plan: RunPlan, image: ImageFacts, program: Buffer, stderr: NodeJS.WriteStream): Promise<SyncedRun> {
  const endpoint = endpointKey(engine.endpoint);
  const uid = process.getuid?.() ?? 0;
  const roots: Root[] = [];
  for (const mount of plan.mounts) {
    if (!inVolume(mount)) {
      roots.push({ mount });
      continue;
    }
    const key = shortHash(`${endpoint}\0${mount.source}\0${uid}`);
    const stateFile = workspaceStateFile(key);
    const name = `berth-ws-${key}`;
    let state: WorkspaceState | undefined;
    try {
      state = JSON.parse(readFileSync(stateFile, 'utf8')) as WorkspaceState;
      if (state.endpoint !== endpoint || state.source !== mount.source || state.volume !== name) state = undefined;
    } catch {
      state = undefined;
    }
    // A volume gone (berth gc, an engine reset) starts afresh, as does one berth knows nothing of.
    const volume = await engine.inspectVolume(name);
    if (!volume) await engine.createVolume(name, { [LABELS.workspace]: mount.source, [LABELS.uid]: String(uid), [LABELS.host]: hostname() });
    if (!volume || !state) state = { endpoint, source: mount.source, volume: name, usedAt: '', entries: {} };
    state.usedAt = new Date().toISOString();
    const ignored = readIgnore(mount.source);
    roots.push({ mount, volume: { name, state, stateFile, host: scanHost(mount.source, ignored), ignored, uploaded: new Set(), deleted: new Set() } });
  }
  const { uid: toolUid, gid: toolGid } = owner(plan);
  const writable = roots.filter((r) => !r.mount.readOnly);

  return {
    spec(spec) {
      const mounts = roots.flatMap((r) => (r.volume ? [{ Type: 'volume' as const, Source: r.volume.name, Target: r.mount.target, ReadOnly: false }] : []));
      const argv = toolArgv(plan, image);
      return {
        ...spec,
        Entrypoint: [HELPER, 'run', STATE_DIR, String(writable.length), ...writable.map((r) => r.mount.target), '--', ...argv],
        Cmd: [],
        HostConfig: { ...spec.HostConfig, AutoRemove: false, Mounts: mounts },
      };
    },

    async beforeStart(id) {
      const tarStream = require('tar-stream') as typeof import('tar-stream');
      const pack = tarStream.pack();
      const chunks: Buffer[] = [];
      pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
      const ended = new Promise<void>((resolve, reject) => pack.on('end', resolve).on('error', reject));
      const own = { uid: toolUid, gid: toolGid };
      const now = new Date();
      pack.entry({ name: STATE_DIR.slice(1), type: 'directory', mode: 0o700, mtime: now, ...own });
      pack.entry({ name: `${STATE_DIR.slice(1)}/m`, type: 'directory', mode: 0o700, mtime: now, ...own });
      pack.entry({ name: HELPER.slice(1), type: 'file', mode: 0o755, mtime: now, ...own }, program);
      const deletions: string[] = [];
      let bytes = 0;
      let files = 0;
      for (const root of roots) {
        const v = root.volume;
        if (!v) {
          // Read-only folders and single files: all of it, into the container's own filesystem.
          const all = scanHost(root.mount.source, () => false);
          for (const [rel, entry] of all) ({ bytes, files } = addEntry(pack, root.mount, rel, entry, own, { bytes, files }));
          continue;
        }
        for (const [rel, entry] of v.host) {
          // The root always: its owner and mode are the tool's to write in.
          if (rel !== '' && !differs(v.state.entries[rel]?.h, entry)) continue;
          v.uploaded.add(rel);
          ({ bytes, files } = addEntry(pack, root.mount, rel, entry, own, { bytes, files }));
        }
        for (const rel of Object.keys(v.state.entries).sort()) {
          if (v.host.has(rel) || v.ignored(rel, v.state.entries[rel]!.h.t === 'd')) continue;
          // Under a folder deleted already: goes with it.
          const parent = [...v.deleted].some((d) => rel.startsWith(`${d}/`));
          v.deleted.add(rel);
          if (!parent) deletions.push(path.posix.join(root.mount.target, rel));
        }
      }
      pack.entry({ name: `${STATE_DIR.slice(1)}/delete`, type: 'file', mode: 0o600, mtime: now, ...own }, Buffer.from(deletions.map((d) => `${d}\0`).join('')));
      if (bytes > WARN_BYTES || files > WARN_FILES) {
        warn(`sending ${files} files (${megabytes(bytes)}) to the engine at ${endpoint}, which cannot see this machine's files; list what ${plan.tool} does not need in .berthignore`, stderr);
      }
      pack.finalize();
      await ended;
      const progress = transferProgress(stderr, 'sending the workspace', bytes);
      try {
        await engine.putArchive(id, '/', Buffer.concat(chunks));
      } finally {
        progress.done();
      }
    },

    async afterExit(id) {
      const manifests = await readManifests(engine, id);
      if (!manifests) return; // the helper did not get to run: nothing changed
      const progress = transferProgress(stderr, 'copying back what the tool changed');
      const wanted = new Map<string, Wanted>();
      const kept: string[] = [];
      const skipped: string[] = [];
      try {
        const finish = writable.map((root) => planCopyBack(root, manifests, plan.mounts.map((m) => m.target), wanted, kept, skipped));
        await fetchFiles(engine, id, wanted, progress);
        for (const done of finish) done();
      } finally {
        progress.done();
      }
      const some = (list: string[]) => `${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}`;
      if (skipped.length > 0) warn(`not copied back (devices, fifos and sockets stay on the engine): ${some(skipped)}`, stderr);
      if (kept.length > 0) {
        warn(`kept this machine's copy of ${kept.length} path(s) changed here while ${plan.tool} ran: ${some(kept)}`, stderr);
      }
    },
  };
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A line on stderr, when it is a terminal, once a transfer has taken over a second, kept current; nothing for a quick one. */
function transferProgress(stderr: NodeJS.WriteStream, what: string, total?: number): { add(bytes: number): void; done(): void } {
  if (!stderr.isTTY) return { add: () => undefined, done: () => undefined };
  const started = Date.now();
  let moved = 0;
  let shown = false;
  const show = () => {
    const line = total ? `berth: ${what} (${megabytes(total)})` : `berth: ${what}: ${megabytes(moved)}`;
    stderr.write(`\r${line}\x1b[K`);
    shown = true;
  };
  const timer = setInterval(show, 250);
  timer.unref();
  const first = setTimeout(show, PROGRESS_AFTER_MS);
  first.unref();
  return {
    add(bytes) {
      moved += bytes;
    },
    done() {
      clearInterval(timer);
      clearTimeout(first);
      if (shown) stderr.write(`\rberth: ${what}: done in ${((Date.now() - started) / 1000).toFixed(1)} s\x1b[K\n`);
    },
  };
}

/** Adds a host path of a mount to the archive at its place in the container. */
function addEntry(pack: Pack, mount: Mount, rel: string, entry: Entry, own: { uid: number; gid: number }, count: { bytes: number; files: number }): { bytes: number; files: number } {
  const name = path.posix.join(mount.target, rel).slice(1);
  const mtime = new Date(Number(BigInt(entry.n) / 1_000_000n));
  // No setuid, setgid or sticky bit travels.
  const mode = entry.m & 0o777;
  const source = rel ? path.join(mount.source, rel) : mount.source;
  if (entry.t === 'd') pack.entry({ name, type: 'directory', mode, mtime, ...own });
  else if (entry.t === 'l') pack.entry({ name, type: 'symlink', linkname: entry.l, mode, mtime, ...own });
  else if (entry.t === 'f') {
    let content: Buffer;
    try {
      content = readFileSync(source);
    } catch {
      return count; // gone or unreadable: left out
    }
    pack.entry({ name, type: 'file', mode, mtime, ...own }, content);
    return { bytes: count.bytes + content.length, files: count.files + 1 };
  }
  return count;
}

/** The helper's manifests from the stopped container. */
async function readManifests(engine: EngineClient, id: string): Promise<{ before: Map<string, Entry>; after: Map<string, Entry> } | undefined> {
  const archive = await engine.getArchive(id, `${STATE_DIR}/m`);
  if (!archive) return undefined;
  const files = new Map<string, Buffer>();
  await eachEntry(archive, async (header, stream) => {
    const name = header.name.replace(/^m\//, '');
    if (header.type !== 'file' || (name !== 'before' && name !== 'after') || header.size! > MAX_MANIFEST) return;
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    files.set(name, Buffer.concat(chunks));
  });
  const before = files.get('before');
  const after = files.get('after');
  return before && after ? { before: parseManifest(before), after: parseManifest(after) } : undefined;
}

type Header = import('tar-stream').Header;

/** Reads a tar archive entry by entry; an entry `onEntry` does not read is skipped. */
async function eachEntry(archive: NodeJS.ReadableStream, onEntry: (header: Header, stream: Readable) => Promise<void>): Promise<void> {
  const tarStream = require('tar-stream') as typeof import('tar-stream');
  const extract = tarStream.extract();
  const reading = (async () => {
    for await (const entry of extract) {
      await onEntry(entry.header, entry as unknown as Readable);
      entry.resume();
    }
  })();
  await Promise.all([pipeline(archive as Readable, extract), reading]);
}

/** Whether every part of `rel`'s parent below `source` is a real folder (no symbolic link on the way). */
function parentIsSafe(source: string, rel: string): boolean {
  const parts = rel.split('/').slice(0, -1);
  let at = source;
  for (const part of parts) {
    at = path.join(at, part);
    try {
      if (!lstatSync(at).isDirectory()) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function lstatEntry(abs: string): Entry | undefined {
  try {
    const st = lstatSync(abs, { bigint: true });
    return hostEntry(st, st.isSymbolicLink() ? readLinkOr(abs) : '');
  } catch {
    return undefined;
  }
}

function partialName(abs: string): string {
  return path.join(path.dirname(abs), `.${path.basename(abs)}.berth-partial-${process.pid}`);
}

/** Sets a file's mtime as the engine's manifest has it (`sec.nsec`). */
function setMtime(abs: string, n: string): void {
  const [sec = '0', nsec = '0'] = n.split('.');
  const seconds = Number(sec) + Number(nsec.padStart(9, '0')) / 1e9;
  utimesSync(abs, new Date(), seconds);
}

/** A regular file to bring back: where it goes, and the engine's entry for it. */
interface Wanted {
  rel: string;
  abs: string;
  entry: Entry;
  placed: () => void;
}

/**
 * One writable root's copy-back: folders and links at once, regular files into `wanted` (by
 * container path: they come together, see afterExit), and a `finish` for deletions and the
 * manifest kept. The manifest is saved first with what berth knew before the tool ran (sent now,
 * or as kept), so that a berth killed while copying back leaves the rest to the next run.
 */
function planCopyBack(
  root: Root,
  manifests: { before: Map<string, Entry>; after: Map<string, Entry> },
  others: string[],
  wanted: Map<string, Wanted>,
  kept: string[],
  skipped: string[],
): () => void {
  const { mount } = root;
  const v = root.volume;
  // What another mount inside this one holds (a home entry in the tool's HOME) is that mount's.
  const inner = others.filter((t) => t !== mount.target && relativeInside(mount.target, t) !== undefined).map((t) => relativeInside(mount.target, t)!);
  const nested = (rel: string) => inner.some((n) => rel === n || rel.startsWith(`${n}/`));
  // The engine's side, by path relative to the root.
  const inRoot = (m: Map<string, Entry>) => {
    const out = new Map<string, Entry>();
    for (const [p, entry] of m) {
      const rel = relativeInside(mount.target, p);
      if (rel === undefined || nested(rel) || (v && v.ignored(rel, entry.t === 'd'))) continue;
      out.set(rel, entry);
    }
    return out;
  };
  const before = inRoot(manifests.before);
  const after = inRoot(manifests.after);
  // What the engine's copy was before the tool, as far as berth knows it: the manifest berth kept,
  // and the helper's listing for what was sent now. What did not come back last time differs.
  const base = new Map<string, Entry>();
  if (v) {
    for (const [rel, tracked] of Object.entries(v.state.entries)) if (!v.uploaded.has(rel) && !v.deleted.has(rel)) base.set(rel, tracked.r);
    for (const rel of v.uploaded) if (before.has(rel)) base.set(rel, before.get(rel)!);
    const checkpoint: Record<string, Tracked> = {};
    for (const [rel, r] of base) {
      const h = v.host.get(rel);
      if (h) checkpoint[rel] = { h, r };
    }
    v.state.entries = checkpoint;
    writePrivateFile(v.stateFile, JSON.stringify(v.state));
  } else {
    for (const [rel, entry] of before) base.set(rel, entry);
  }
  const host = v?.host;
  const entries = v?.state.entries;
  // The host's file must still be as berth last saw it (sent, or as it was at the start): else the user's change wins.
  const hostUnchanged = (rel: string, abs: string) => {
    const now = lstatEntry(abs);
    const then = host ? host.get(rel) : now;
    if (!differs(now, then)) return true;
    kept.push(rel || path.basename(abs));
    return false;
  };
  const track = (rel: string, abs: string, remote: Entry) => {
    const now = lstatEntry(abs);
    if (entries && now) entries[rel] = { h: now, r: remote };
  };
  for (const rel of [...after.keys()].sort()) {
    const entry = after.get(rel)!;
    const abs = rel ? path.join(mount.source, rel) : mount.source;
    if (!differs(base.get(rel), entry)) {
      // Unchanged by the tool: tracked as it is on both sides now.
      if (entries && host?.has(rel)) entries[rel] = { h: host.get(rel)!, r: entry };
      continue;
    }
    if (!parentIsSafe(mount.source, rel) || !hostUnchanged(rel, abs)) continue;
    if (entry.t === 'd') {
      const current = lstatEntry(abs);
      if (current && current.t !== 'd') rmSync(abs, { force: true });
      if (current?.t !== 'd') mkdirSync(abs, { mode: entry.m & 0o777 });
      chmodSync(abs, entry.m & 0o777);
      track(rel, abs, entry);
    } else if (entry.t === 'l') {
      const temp = partialName(abs);
      rmSync(temp, { force: true });
      symlinkSync(entry.l, temp);
      if (lstatEntry(abs)?.t === 'd') rmSync(abs, { recursive: true, force: true });
      renameSync(temp, abs);
      track(rel, abs, entry);
    } else if (entry.t === 'f') {
      wanted.set(path.posix.join(mount.target, rel), { rel, abs, entry, placed: () => track(rel, abs, entry) });
    } else {
      skipped.push(rel);
    }
  }
  return () => {
    // Deleted by the tool: deepest first; the user's own changes stay, and a folder that still holds something.
    for (const rel of [...base.keys()].filter((r) => !after.has(r)).sort().reverse()) {
      const abs = path.join(mount.source, rel);
      if (rel === '' || !parentIsSafe(mount.source, rel)) continue;
      const current = lstatEntry(abs);
      if (current && !hostUnchanged(rel, abs)) continue;
      try {
        if (current?.t === 'd') rmdirSync(abs);
        else rmSync(abs, { force: true });
      } catch {
        kept.push(`${rel} (not empty here)`);
        continue;
      }
      if (entries) delete entries[rel];
    }
    if (v) writePrivateFile(v.stateFile, JSON.stringify(v.state));
  };
}

/** Writes a file that came back: to a partial file beside its place, then renamed over it. */
async function place(want: Wanted, stream: Readable, size: number, progress: { add(bytes: number): void }): Promise<void> {
  const { abs, entry } = want;
  const temp = partialName(abs);
  rmSync(temp, { force: true });
  const out = createWriteStream(temp, { flags: 'wx', mode: 0o600 });
  stream.on('data', (chunk: unknown) => progress.add((chunk as Buffer).length));
  try {
    await pipeline(stream, out);
    if (lstatSync(temp).size !== size || size !== entry.s) throw new EngineError(`copying back ${want.rel}: the engine sent ${size} bytes of ${entry.s}`);
    chmodSync(temp, entry.m & 0o777);
    setMtime(temp, entry.n);
    if (lstatEntry(abs)?.t === 'd') rmSync(abs, { recursive: true, force: true });
    renameSync(temp, abs);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  want.placed();
}

/**
 * Brings the wanted regular files back: those in the helper's changed.tar from it, in one
 * archive; any other (what did not come back last time) one archive each.
 */
async function fetchFiles(engine: EngineClient, id: string, wanted: Map<string, Wanted>, progress: { add(bytes: number): void }): Promise<void> {
  if (wanted.size === 0) return;
  const outer = await engine.getArchive(id, `${STATE_DIR}/changed.tar`);
  if (outer) {
    await eachEntry(outer, async (header, stream) => {
      if (header.type !== 'file' || header.name.replace(/^\.?\//, '') !== 'changed.tar') return;
      await eachEntry(stream, async (inner, content) => {
        const want = inner.type === 'file' ? wanted.get(`/${inner.name}`) : undefined;
        if (!want) return;
        wanted.delete(`/${inner.name}`);
        await place(want, content, inner.size ?? 0, progress);
      });
    });
  }
  for (const [containerPath, want] of wanted) {
    const archive = await engine.getArchive(id, containerPath);
    if (!archive) continue;
    let done = false;
    await eachEntry(archive, async (header, stream) => {
      if (done || header.type !== 'file') return;
      done = true;
      await place(want, stream, header.size ?? 0, progress);
    });
  }
}
