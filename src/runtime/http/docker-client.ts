import type { Duplex } from 'node:stream';
import {
  engineStatus,
  type ContainerFacts,
  type ContainerSpec,
  type ContainerSummary,
  type EngineClient,
  type EngineVersion,
  type ImageFacts,
  type PullEvent,
} from '../engine-client.js';
import { EngineApi } from './engine-api.js';
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

  async waitContainer(id: string, until: 'removed' | 'not-running'): Promise<number> {
    return (await this.api.call<{ StatusCode: number }>('POST', `/containers/${id}/wait?condition=${until}`, undefined, { timeoutMs: Infinity })).StatusCode;
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
    // One JSON object a line.
    let buffered = '';
    for await (const chunk of body as AsyncIterable<Buffer>) {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line) continue;
        let event: { error?: string; id?: string; status?: string; progressDetail?: { current?: number; total?: number } };
        try {
          event = JSON.parse(line);
        } catch {
          continue;
        }
        yield { error: event.error, layer: event.id, status: event.status, current: event.progressDetail?.current, total: event.progressDetail?.total };
      }
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
