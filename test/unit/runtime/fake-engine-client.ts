import { constants } from 'node:os';
// A container engine in memory, as berth's EngineClient sees one: it records every call in order,
// keeps the containers it is asked to create, and runs each started one as a tool that writes
// `output` and exits with `exitCode`. A test makes a call fail, or do something first, with `on`.
import { Duplex, PassThrough } from 'node:stream';
import type {
  BuildEvent,
  BuildOptions,
  ContainerFacts,
  ContainerSpec,
  ContainerSummary,
  ContainerWait,
  EngineClient,
  EngineVersion,
  Endpoint,
  ExecSpec,
  ImageFacts,
  ImageSummary,
  PullEvent,
} from '../../../src/runtime/engine-client.js';
import type { RunIO } from '../../../src/runtime/container/run-container.js';
import { EngineApiError } from '../../../src/runtime/engine-client.js';

type Method = Exclude<keyof EngineClient, 'endpoint'>;

export interface Call {
  method: Method;
  args: unknown[];
}

interface Container {
  id: string;
  name?: string;
  spec: ContainerSpec;
  state: 'created' | 'running' | 'exited';
  /** berth's end of the attach stream. */
  attached?: Duplex & { stdin: Buffer[] };
  exited: Promise<number>;
  exit(code: number): void;
}

/** A tool's streams as berth's own: stdin at its end, stdout and stderr collected. */
export function fakeIO(): RunIO & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const written = { out: '', err: '' };
  stdout.on('data', (d: Buffer) => (written.out += d.toString()));
  stderr.on('data', (d: Buffer) => (written.err += d.toString()));
  const stdin = new PassThrough();
  stdin.end();
  return {
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    out: () => written.out,
    err: () => written.err,
  };
}

/** The engine's 8-byte frame header (stream type, three zero bytes, big-endian length) and the payload. */
export function frame(type: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

export class FakeEngine implements EngineClient {
  readonly endpoint: Endpoint = { kind: 'unix', path: '/nonexistent/fake-engine.sock' };
  /** Every call, in order. */
  readonly calls: Call[] = [];
  /** The images the engine has, by reference. */
  readonly images = new Map<string, ImageFacts>();
  /** What a pull of `repository:tag` adds to the images (under that reference); without it, the pull fails. */
  readonly registry = new Map<string, ImageFacts>();
  readonly containers = new Map<string, Container>();
  /** Run before a call does its part (throw to fail it): the test's hooks. */
  readonly on: Partial<Record<Method, (...args: unknown[]) => void | Promise<void>>> = {};
  /** What a build yields; by default one step's output, then the image (kept under the build's tag). */
  buildEvents: (dockerfile: string, options: BuildOptions) => BuildEvent[] = (_dockerfile, options) => [
    { stream: 'Step 1/2 : FROM base\n' },
    { stream: 'Step 2/2 : RUN true\n' },
    { imageId: `sha256:${options.tag.length.toString(16).padStart(64, '0')}` },
  ];
  /** The started tool's stdout, and its exit code. */
  output = '';
  exitCode = 0;
  /** The tool runs until a signal ends it (its exit code 128 + the signal's number), not at once. */
  runsUntilSignalled = false;
  /** Set: every wait's exit code fails with it (the connection lost after the wait was in place). */
  waitBreaks?: Promise<never>;
  /** What /info says (the engine's kind and mode: runtime/engine/mode.ts); a rootful Docker's by default. */
  infoAnswer: object = {};
  private next = 0;

  /** The names of the calls, in order (`only`: of these methods). */
  methods(only?: Method[]): Method[] {
    return this.calls.map((c) => c.method).filter((m) => !only || only.includes(m));
  }

  private async record(method: Method, args: unknown[]): Promise<void> {
    this.calls.push({ method, args });
    await this.on[method]?.(...args);
  }

  private container(idOrName: string): Container {
    const found = this.containers.get(idOrName) ?? [...this.containers.values()].find((c) => c.name === idOrName);
    if (!found) throw new EngineApiError(404, { message: `No such container: ${idOrName}` });
    return found;
  }

  async createContainer(spec: ContainerSpec, name?: string): Promise<string> {
    await this.record('createContainer', [spec, name]);
    if (!this.images.has(spec.Image)) throw new EngineApiError(404, { message: `No such image: ${spec.Image}` });
    if (name && [...this.containers.values()].some((c) => c.name === name)) throw new EngineApiError(409, { message: `Conflict: ${name} is in use` });
    const id = `c${++this.next}`.padEnd(64, '0');
    let exit!: (code: number) => void;
    const exited = new Promise<number>((resolve) => (exit = resolve));
    this.containers.set(id, { id, name, spec, state: 'created', exited, exit });
    return id;
  }

  async attachContainer(id: string): Promise<Duplex> {
    await this.record('attachContainer', [id]);
    const container = this.container(id);
    const stdin: Buffer[] = [];
    const attached = Object.assign(
      new Duplex({
        read() {},
        write(chunk: Buffer, _encoding, done) {
          stdin.push(chunk);
          done();
        },
        final(done) {
          done();
        },
      }),
      { stdin },
    );
    container.attached = attached;
    return attached;
  }

  async waitContainer(id: string, until: 'removed' | 'not-running', options?: { podman?: boolean }): Promise<ContainerWait> {
    await this.record('waitContainer', options ? [id, until, options] : [id, until]);
    const container = this.container(id);
    const exitCode = container.exited.then((code) => {
      // An engine removes only a container that removes itself (AutoRemove).
      if (container.spec.HostConfig.AutoRemove) this.containers.delete(id);
      return code;
    });
    // The engine lost mid-run: the wait's answer never comes.
    return { exitCode: this.waitBreaks ? Promise.race([exitCode, this.waitBreaks]) : exitCode };
  }

  async startContainer(id: string): Promise<void> {
    await this.record('startContainer', [id]);
    const container = this.container(id);
    container.state = 'running';
    // The tool runs once the start has answered: its output, then its exit.
    setImmediate(() => {
      if (this.output) container.attached?.push(frame(1, this.output));
      if (!this.runsUntilSignalled) this.end(container, this.exitCode);
    });
  }

  private end(container: Container, code: number): void {
    container.attached?.push(null);
    container.state = 'exited';
    container.exit(code);
  }

  async killContainer(id: string, signal: string): Promise<void> {
    await this.record('killContainer', [id, signal]);
    const container = this.container(id);
    if (this.runsUntilSignalled && container.state === 'running') this.end(container, 128 + (constants.signals[signal as NodeJS.Signals] ?? 0));
  }

  async resizeContainer(id: string, rows: number, columns: number): Promise<void> {
    await this.record('resizeContainer', [id, rows, columns]);
    this.container(id);
  }

  async removeContainer(idOrName: string): Promise<boolean> {
    await this.record('removeContainer', [idOrName]);
    const found = [...this.containers.values()].find((c) => c.id === idOrName || c.name === idOrName);
    if (!found) return false;
    this.containers.delete(found.id);
    return true;
  }

  async inspectContainer(idOrName: string): Promise<ContainerFacts | undefined> {
    await this.record('inspectContainer', [idOrName]);
    const c = [...this.containers.values()].find((c) => c.id === idOrName || c.name === idOrName);
    if (!c) return undefined;
    return { created: new Date().toISOString(), status: c.state, running: c.state === 'running', paused: false, exitCode: 0, labels: c.spec.Labels ?? {} };
  }

  async listContainers(query: { labels: string[]; all?: boolean }): Promise<ContainerSummary[]> {
    await this.record('listContainers', [query]);
    const matches = (labels: Record<string, string>) =>
      query.labels.every((filter) => {
        const eq = filter.indexOf('=');
        return eq === -1 ? filter in labels : labels[filter.slice(0, eq)] === filter.slice(eq + 1);
      });
    return [...this.containers.values()]
      .filter((c) => (query.all || c.state === 'running') && matches(c.spec.Labels ?? {}))
      .map((c) => ({ id: c.id, name: c.name ?? '', image: c.spec.Image, imageId: this.images.get(c.spec.Image)?.id ?? '', created: 0, state: c.state, labels: c.spec.Labels ?? {} }));
  }

  /** Volumes by name, with their labels; archives PUT into containers, by container id. */
  readonly volumes = new Map<string, Record<string, string>>();
  readonly archives = new Map<string, Buffer[]>();

  async putArchive(id: string, path: string, tar: Buffer): Promise<void> {
    await this.record('putArchive', [id, path, tar]);
    this.container(id);
    this.archives.set(id, [...(this.archives.get(id) ?? []), tar]);
  }

  async getArchive(id: string, path: string): Promise<NodeJS.ReadableStream | undefined> {
    await this.record('getArchive', [id, path]);
    this.container(id);
    return undefined;
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    await this.record('createVolume', [name, labels]);
    this.volumes.set(name, labels);
  }

  async inspectVolume(name: string): Promise<{ labels: Record<string, string> } | undefined> {
    await this.record('inspectVolume', [name]);
    const labels = this.volumes.get(name);
    return labels ? { labels } : undefined;
  }

  async listVolumes(query: { labels: string[] }): Promise<Array<{ name: string; labels: Record<string, string> }>> {
    await this.record('listVolumes', [query]);
    return [...this.volumes].filter(([, labels]) => query.labels.every((l) => { const [k, v] = l.split('='); return k! in labels && (v === undefined || labels[k!] === v); })).map(([name, labels]) => ({ name, labels }));
  }

  async removeVolume(name: string): Promise<boolean> {
    await this.record('removeVolume', [name]);
    return this.volumes.delete(name);
  }

  async createExec(id: string, spec: ExecSpec): Promise<string> {
    await this.record('createExec', [id, spec]);
    const c = this.container(id);
    if (c.state !== 'running') throw new EngineApiError(409, { message: `Container ${id} is not running` });
    return `exec-${++this.next}`;
  }

  /** An exec's stream: a test that needs one gives it with `on.startExec`. */
  async startExec(execId: string): Promise<Duplex> {
    await this.record('startExec', [execId]);
    throw new EngineApiError(404, { message: `No such exec instance: ${execId}` });
  }

  async inspectImage(ref: string): Promise<ImageFacts | undefined> {
    await this.record('inspectImage', [ref]);
    return this.images.get(ref);
  }

  async *pullImage(repository: string, tag: string, options: { auth?: object; stallMs: number }): AsyncIterable<PullEvent> {
    await this.record('pullImage', [repository, tag, options]);
    const ref = `${repository}:${tag}`;
    const image = this.registry.get(ref);
    if (!image) {
      yield { error: 'manifest unknown' };
      return;
    }
    yield { layer: 'l1', status: 'Downloading', current: 1, total: 2 };
    this.images.set(ref, image);
  }

  async *buildImage(dockerfile: string, options: BuildOptions): AsyncIterable<BuildEvent> {
    await this.record('buildImage', [dockerfile, options]);
    for (const event of this.buildEvents(dockerfile, options)) {
      yield event;
      if (event.imageId) this.images.set(options.tag, { id: event.imageId, size: 1, repoDigests: [], entrypoint: [], cmd: [], labels: options.labels } as ImageFacts);
    }
  }

  async listImages(query: { labels: string[] }): Promise<ImageSummary[]> {
    await this.record('listImages', [query]);
    return [...this.images.entries()]
      .filter(([, image]) => query.labels.every((l) => labelled((image as ImageFacts & { labels?: Record<string, string> }).labels ?? {}, l)))
      .map(([ref, image]) => ({ id: image.id, repoTags: [ref], created: 0, size: image.size, labels: (image as ImageFacts & { labels?: Record<string, string> }).labels ?? {} }));
  }

  async removeImage(idOrRef: string): Promise<boolean> {
    await this.record('removeImage', [idOrRef]);
    for (const [ref, image] of this.images) {
      if (ref === idOrRef || image.id === idOrRef) {
        this.images.delete(ref);
        return true;
      }
    }
    return false;
  }

  async version(options?: { timeoutMs?: number }): Promise<EngineVersion> {
    await this.record('version', [options]);
    return { version: '0.0.0-fake', apiVersion: '1.44', os: 'linux', arch: 'x86_64' };
  }

  async info(options?: { timeoutMs?: number }): Promise<unknown> {
    await this.record('info', [options]);
    return this.infoAnswer;
  }

  close(): void {
    this.calls.push({ method: 'close', args: [] });
  }
}

/** Whether labels match a filter of the engine's kind: `key=value`, or `key` for "has it". */
function labelled(labels: Record<string, string>, filter: string): boolean {
  const eq = filter.indexOf('=');
  return eq === -1 ? filter in labels : labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}
