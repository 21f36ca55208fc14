import type { Duplex } from 'node:stream';
import {
  engineStatus,
  type BuildEvent,
  type BuildOptions,
  type ContainerFacts,
  type ContainerSpec,
  type ContainerSummary,
  type ContainerWait,
  type EngineClient,
  type EngineVersion,
  type ExecSpec,
  type ImageFacts,
  type ImageSummary,
  type PullEvent,
} from '../engine-client.js';
import { CALL_TIMEOUT_MS, EngineApi, readAll } from './engine-api.js';
import type { Target } from './endpoint.js';

/**
 * berth's EngineClient on the Docker Engine API (which Podman serves too), over berth's own HTTP
 * client (engine-api.ts): the one module that knows the engine's paths, queries and bodies.
 */
export class DockerClient implements EngineClient {
  private readonly api = new EngineApi();

  get endpoint(): Target {
    return this.api.target;
  }

  async createContainer(spec: ContainerSpec, name?: string, platform?: string): Promise<string> {
    const params = new URLSearchParams();
    if (name !== undefined) params.set('name', name);
    // API 1.41: the platform of the image to create from (an image of another one is a 404).
    if (platform !== undefined) params.set('platform', platform);
    const query = params.size > 0 ? `?${params}` : '';
    return (await this.api.call<{ Id: string }>('POST', `/containers/create${query}`, spec)).Id;
  }

  attachContainer(id: string): Promise<Duplex> {
    return this.api.upgrade(`/containers/${id}/attach?stream=1&stdin=1&stdout=1&stderr=1`);
  }

  async waitContainer(id: string, until: 'removed' | 'not-running', options: { podman?: boolean } = {}): Promise<ContainerWait> {
    if (until === 'not-running' && options.podman) {
      // libpod's wait (Podman 4.0 and later) answers the exit code alone. A run on Podman asks its
      // wait after the start, so nothing waits for the head.
      const path = `/v4.0.0/libpod/containers/${id}/wait?condition=stopped&condition=exited&interval=10ms`;
      const exitCode = this.api.call<unknown>('POST', path, undefined, { timeoutMs: Infinity }).then(
        (code) => {
          if (typeof code !== 'number' || !Number.isInteger(code)) throw new Error(`Podman's wait for ${id} answered ${JSON.stringify(code)}, not an exit code`);
          return code;
        },
        // A Podman before 4.0 has no such path: its Docker-compatible wait, then.
        async (error: unknown) => {
          if (engineStatus(error) !== 404) throw error;
          return (await this.api.call<{ StatusCode: number }>('POST', `/containers/${id}/wait?condition=not-running`, undefined, { timeoutMs: Infinity })).StatusCode;
        },
      );
      return { exitCode };
    }
    // dockerd sends the response's head once the wait is in place (it flushes it at once), the
    // exit code at the end; only the head has a deadline.
    const body = await this.api.stream('POST', `/containers/${id}/wait?condition=${until}`, {}, { headMs: CALL_TIMEOUT_MS });
    return { exitCode: readAll(body).then((text) => (JSON.parse(text) as { StatusCode: number }).StatusCode) };
  }

  async startContainer(id: string): Promise<void> {
    await this.api.call('POST', `/containers/${id}/start`);
  }

  async killContainer(id: string, signal: string): Promise<void> {
    await this.api.call('POST', `/containers/${id}/kill?signal=${signal}`);
  }

  async resizeContainer(id: string, rows: number, columns: number): Promise<void> {
    await this.api.call('POST', `/containers/${id}/resize?h=${rows}&w=${columns}`);
  }

  async removeContainer(idOrName: string): Promise<boolean> {
    try {
      await this.api.call('DELETE', `/containers/${idOrName}?force=1`);
      return true;
    } catch (error) {
      // 404: gone already; 409: its removal is under way (AutoRemove).
      if (engineStatus(error) === 404 || engineStatus(error) === 409) return false;
      throw error;
    }
  }

  async inspectContainer(idOrName: string): Promise<ContainerFacts | undefined> {
    try {
      const info = await this.api.call<{
        Created: string;
        State: { Status: string; Running: boolean; Paused: boolean; ExitCode: number };
        Config: { Labels?: Record<string, string> | null };
      }>('GET', `/containers/${idOrName}/json`);
      const { Status, Running, Paused, ExitCode } = info.State;
      return { created: info.Created, status: Status, running: Running, paused: Paused, exitCode: ExitCode, labels: info.Config.Labels ?? {} };
    } catch (error) {
      if (engineStatus(error) === 404) return undefined;
      throw error;
    }
  }

  async listContainers(query: { labels: string[]; all?: boolean }): Promise<ContainerSummary[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: query.labels }));
    const list = await this.api.call<
      Array<{ Id: string; Names?: string[]; Image: string; ImageID: string; Created: number; State: string; Labels: Record<string, string> | null }>
    >('GET', `/containers/json?${query.all ? 'all=1&' : ''}filters=${filters}`);
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names?.[0] ?? '').replace(/^\//, ''),
      image: c.Image,
      imageId: c.ImageID,
      created: c.Created,
      state: c.State,
      labels: c.Labels ?? {},
    }));
  }

  async putArchive(id: string, path: string, tar: Buffer): Promise<void> {
    // Content-Type matters: with another, dockerd answers 200 and extracts nothing.
    await this.api.call('PUT', `/containers/${id}/archive?path=${encodeURIComponent(path)}`, { raw: tar, type: 'application/x-tar' });
  }

  async getArchive(id: string, path: string): Promise<NodeJS.ReadableStream | undefined> {
    try {
      return await this.api.stream('GET', `/containers/${id}/archive?path=${encodeURIComponent(path)}`, {}, { stallMs: 60_000 });
    } catch (error) {
      if (engineStatus(error) === 404) return undefined;
      throw error;
    }
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    await this.api.call('POST', '/volumes/create', { Name: name, Labels: labels });
  }

  async inspectVolume(name: string): Promise<{ labels: Record<string, string> } | undefined> {
    try {
      const volume = await this.api.call<{ Labels?: Record<string, string> | null }>('GET', `/volumes/${encodeURIComponent(name)}`);
      return { labels: volume.Labels ?? {} };
    } catch (error) {
      if (engineStatus(error) === 404) return undefined;
      throw error;
    }
  }

  async listVolumes(query: { labels: string[] }): Promise<Array<{ name: string; labels: Record<string, string> }>> {
    const filters = encodeURIComponent(JSON.stringify({ label: query.labels }));
    const list = await this.api.call<{ Volumes?: Array<{ Name: string; Labels?: Record<string, string> | null }> | null }>('GET', `/volumes?filters=${filters}`);
    return (list.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
  }

  async removeVolume(name: string): Promise<boolean> {
    try {
      await this.api.call('DELETE', `/volumes/${encodeURIComponent(name)}`);
      return true;
    } catch (error) {
      if (engineStatus(error) === 404) return false;
      throw error;
    }
  }

  async createExec(id: string, spec: ExecSpec): Promise<string> {
    return (await this.api.call<{ Id: string }>('POST', `/containers/${id}/exec`, spec)).Id;
  }

  startExec(execId: string): Promise<Duplex> {
    return this.api.upgrade(`/exec/${execId}/start`, { Detach: false, Tty: false });
  }

  async inspectImage(ref: string): Promise<ImageFacts | undefined> {
    try {
      const info = await this.api.call<{
        Id: string;
        Size: number;
        RepoDigests?: string[];
        Config?: { Entrypoint?: string[] | null; Cmd?: string[] | null };
        Os?: string;
        Architecture?: string;
        Variant?: string;
      }>('GET', `/images/${ref}/json`);
      return {
        id: info.Id,
        size: info.Size,
        repoDigests: info.RepoDigests ?? [],
        entrypoint: info.Config?.Entrypoint ?? [],
        cmd: info.Config?.Cmd ?? [],
        os: typeof info.Os === 'string' && info.Os !== '' ? info.Os : undefined,
        architecture: typeof info.Architecture === 'string' && info.Architecture !== '' ? info.Architecture : undefined,
        variant: typeof info.Variant === 'string' && info.Variant !== '' ? info.Variant : undefined,
      };
    } catch (error) {
      if (engineStatus(error) === 404) return undefined;
      throw error;
    }
  }

  async *pullImage(repository: string, tag: string, options: { auth?: object; stallMs: number; platform?: string }): AsyncIterable<PullEvent> {
    // The engine's X-Registry-Auth: the credentials as base64url JSON.
    const headers: Record<string, string> = options.auth ? { 'X-Registry-Auth': Buffer.from(JSON.stringify(options.auth)).toString('base64url') } : {};
    const platform = options.platform === undefined ? '' : `&platform=${encodeURIComponent(options.platform)}`;
    const body = await this.api.stream('POST', `/images/create?fromImage=${encodeURIComponent(repository)}&tag=${encodeURIComponent(tag)}${platform}`, headers, {
      stallMs: options.stallMs,
    });
    for await (const event of jsonLines<{ error?: string; id?: string; status?: string; progressDetail?: { current?: number; total?: number } }>(body)) {
      yield { error: event.error, layer: event.id, status: event.status, current: event.progressDetail?.current, total: event.progressDetail?.total };
    }
  }

  async *buildImage(dockerfile: string, options: BuildOptions): AsyncIterable<BuildEvent> {
    // rm/forcerm: the intermediate containers go, failed steps' too. No pull: the base is pinned
    // by digest and the engine fetches it only when it lacks it.
    // Build arguments: the proxy variables, which the builder passes to RUN steps and keeps out
    // of the image's history (Docker's predefined ARGs).
    const args = options.buildArgs && Object.keys(options.buildArgs).length > 0 ? `&buildargs=${encodeURIComponent(JSON.stringify(options.buildArgs))}` : '';
    const query = `t=${encodeURIComponent(options.tag)}&labels=${encodeURIComponent(JSON.stringify(options.labels))}&rm=1&forcerm=1${options.noCache ? '&nocache=1' : ''}${args}`;
    const context = { raw: tarOfFiles({ Dockerfile: dockerfile, ...options.files }), type: 'application/x-tar' };
    const body = await this.api.stream('POST', `/build?${query}`, {}, { stallMs: options.stallMs, body: context });
    for await (const event of jsonLines<{ error?: string; stream?: string; aux?: { ID?: string } }>(body)) {
      yield { error: event.error, stream: event.stream, imageId: event.aux?.ID };
    }
  }

  async listImages(query: { labels: string[] }): Promise<ImageSummary[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: query.labels }));
    const list = await this.api.call<Array<{ Id: string; RepoTags?: string[] | null; Created: number; Size: number; Labels?: Record<string, string> | null }>>(
      'GET',
      `/images/json?filters=${filters}`,
    );
    return list.map((i) => ({ id: i.Id, repoTags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'), created: i.Created, size: i.Size, labels: i.Labels ?? {} }));
  }

  async removeImage(idOrRef: string): Promise<boolean> {
    try {
      await this.api.call('DELETE', `/images/${encodeURIComponent(idOrRef)}`);
      return true;
    } catch (error) {
      // 404: gone already; 409: a container uses it (it stays, as it should).
      if (engineStatus(error) === 404 || engineStatus(error) === 409) return false;
      throw error;
    }
  }

  async version(options: { timeoutMs?: number } = {}): Promise<EngineVersion> {
    const v = await this.api.call<{ Version?: string; ApiVersion?: string; Os?: string; Arch?: string }>('GET', '/version', undefined, options);
    return { version: v.Version ?? '', apiVersion: v.ApiVersion ?? '', os: v.Os ?? '', arch: v.Arch ?? '' };
  }

  info(options: { timeoutMs?: number } = {}): Promise<unknown> {
    return this.api.call('GET', '/info', undefined, options);
  }

  close(): void {
    this.api.close();
  }
}

/** The engine's progress streams: one JSON object a line (a line that is not JSON is skipped). */
async function* jsonLines<T>(body: AsyncIterable<Buffer>): AsyncIterable<T> {
  let buffered = '';
  for await (const chunk of body) {
    buffered += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (!line) continue;
      try {
        yield JSON.parse(line) as T;
      } catch {
        continue;
      }
    }
  }
}

/** A tar archive (ustar) of regular files at the top of the archive (a build context: the Dockerfile and what it copies). */
export function tarOfFiles(files: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, text] of Object.entries(files)) {
    const content = Buffer.from(text, 'utf8');
    const header = Buffer.alloc(512);
    const field = (offset: number, length: number, value: string) => header.write(value, offset, length, 'latin1');
    const octal = (offset: number, length: number, value: number) => field(offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
    field(0, 100, name);
    octal(100, 8, 0o644);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, content.length);
    octal(136, 12, 0);
    field(148, 8, '        '); // the checksum counts its own field as spaces
    field(156, 1, '0');
    field(257, 8, 'ustar\u000000');
    let sum = 0;
    for (const byte of header) sum += byte;
    field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
    parts.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  return Buffer.concat([...parts, Buffer.alloc(1024)]);
}
