import type { Duplex } from 'node:stream';

/**
 * The container engine as berth uses it: every path (run, pull, sync, warm, gc, doctor, info,
 * install) goes through this interface, and only its implementation (runtime/http/docker-client.ts,
 * the Docker Engine API over berth's own HTTP client) knows the engine's paths and wire format.
 * A test drives the run sequence with a fake of it (test/unit/runtime/fake-engine-client.ts).
 *
 * Failures are the engine's own: an EngineApiError when it refused (its status and message), a
 * Node error with a code when it could not be reached (ENOENT, ECONNREFUSED, NO_ANSWER, …);
 * callers word them with engineFailure (runtime/http/endpoint.ts).
 */
export interface EngineClient {
  /** Where the engine is (the rootless answer is kept per endpoint: runtime/engine/mode.ts). */
  readonly endpoint: Endpoint;

  /**
   * Creates a container (named, when `name` is given; of the image's `platform` variant when given)
   * and returns its id; 404: no such image (of that platform), 409: the name is taken.
   */
  createContainer(spec: ContainerSpec, name?: string, platform?: string): Promise<string>;
  /** The container's stdin, stdout and stderr as one raw stream (multiplexed unless it has a TTY); its end half-closes stdin. */
  attachContainer(id: string): Promise<Duplex>;
  /**
   * Waits for the container: resolves once the engine has the wait in place (so a start after it
   * cannot race an AutoRemove, however slow the way to the engine: ssh), with the exit code to
   * come once the container is gone (`removed`: it removes itself), or once it is not running
   * (`not-running`: at once for one created or exited); no deadline for that: this is the tool's run.
   * `podman`: the engine is Podman, whose own API is asked for `not-running` (it looks every 10 ms
   * where its Docker-compatible wait looks every 250 ms: a quarter second off every run).
   */
  waitContainer(id: string, until: 'removed' | 'not-running', options?: { podman?: boolean }): Promise<ContainerWait>;
  startContainer(id: string): Promise<void>;
  killContainer(id: string, signal: string): Promise<void>;
  resizeContainer(id: string, rows: number, columns: number): Promise<void>;
  /** Removes a container, running or not; false when it was gone (or going) already. */
  removeContainer(idOrName: string): Promise<boolean>;
  /** The container as the engine has it; undefined when there is none of that id or name. */
  inspectContainer(idOrName: string): Promise<ContainerFacts | undefined>;
  /** The containers carrying every one of `labels` (`key=value` or `key`), running ones only unless `all`. */
  listContainers(query: { labels: string[]; all?: boolean }): Promise<ContainerSummary[]>;

  /**
   * Extracts a tar archive into the container's filesystem at `path` (its volumes included),
   * created or stopped alike; entries keep the archive's owners and modes.
   */
  putArchive(id: string, path: string, tar: Buffer): Promise<void>;
  /** A tar archive of `path` in the container (created or stopped alike); undefined when there is no such path. */
  getArchive(id: string, path: string): Promise<NodeJS.ReadableStream | undefined>;
  /** Creates a named volume (the engine's local driver) with these labels. */
  createVolume(name: string, labels: Record<string, string>): Promise<void>;
  /** The volume's labels; undefined when there is none of that name. */
  inspectVolume(name: string): Promise<{ labels: Record<string, string> } | undefined>;
  /** The volumes carrying every one of `labels` (`key=value` or `key`). */
  listVolumes(query: { labels: string[] }): Promise<Array<{ name: string; labels: Record<string, string> }>>;
  /** Removes a volume; false when it was gone already. */
  removeVolume(name: string): Promise<boolean>;
  /** Creates a process in the running container `id` (not started); 404: no such container, 409: not running or paused. */
  createExec(id: string, spec: ExecSpec): Promise<string>;
  /** Starts it with its stdin, stdout and stderr as one raw stream (multiplexed: no TTY). */
  startExec(execId: string): Promise<Duplex>;

  /** The image as the engine has it; undefined when it is not cached. */
  inspectImage(ref: string): Promise<ImageFacts | undefined>;
  /**
   * Pulls `repository` (registry included) at `tag` (or digest), yielding the engine's progress;
   * a failed pull is an event with `error`, not a thrown error. A stream that makes no progress
   * for `stallMs` fails with code STALLED.
   */
  pullImage(repository: string, tag: string, options: { auth?: object; stallMs: number; platform?: string }): AsyncIterable<PullEvent>;

  /**
   * Builds an image from `dockerfile` (the build context holds it and `options.files`), tagged and
   * labelled, with the engine's classic builder, yielding its progress; a failed step is an event
   * with `error`, not a thrown error. A stream that says nothing for `stallMs` fails with code STALLED.
   */
  buildImage(dockerfile: string, options: BuildOptions): AsyncIterable<BuildEvent>;
  /** The images carrying every one of `labels` (`key=value` or `key`). */
  listImages(query: { labels: string[] }): Promise<ImageSummary[]>;
  /** Removes an image by id or reference (its tag only, when it has others); false when it was gone, or is in use (409). */
  removeImage(idOrRef: string): Promise<boolean>;

  version(options?: { timeoutMs?: number }): Promise<EngineVersion>;
  /** The engine's own description of itself, as it words it (engines differ: runtime/engine/mode.ts reads it). */
  info(options?: { timeoutMs?: number }): Promise<unknown>;

  /** Lets the process exit: connections kept for the next request are closed. */
  close(): void;
}

export type Endpoint = { kind: 'unix'; path: string } | { kind: 'tcp' | 'tls'; hostname: string; port: number } | { kind: 'ssh'; url: string; hostname: string; port: number };

/** What berth asks of the engine for a container: the fields it sets, named as the engine names them. */
export interface ContainerSpec {
  Image: string;
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  Labels?: Record<string, string>;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  Healthcheck?: { Test: string[] };
  HostConfig: HostConfig;
}

/** What berth asks of the engine for an exec: named as the engine names them. */
export interface ExecSpec {
  Cmd: string[];
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
}

export interface HostConfig {
  AutoRemove?: boolean;
  Init?: boolean;
  NetworkMode?: string;
  LogConfig?: { Type: string; Config: Record<string, string> };
  SecurityOpt?: string[];
  /** Podman's `keep-id`: the user's uid and gid are theirs in the container too (rootless). */
  UsernsMode?: string;
  Mounts?: Array<{ Type: 'bind' | 'volume'; Source: string; Target: string; ReadOnly: boolean }>;
  /** [rows, columns] of a TTY (engines from API 1.42). */
  ConsoleSize?: [number, number];
}

export interface ContainerWait {
  exitCode: Promise<number>;
}

export interface ContainerFacts {
  /** ISO 8601. */
  created: string;
  /** created, running, paused, exited, dead, … */
  status: string;
  running: boolean;
  paused: boolean;
  exitCode: number;
  labels: Record<string, string>;
}

export interface ContainerSummary {
  id: string;
  /** Without the engine's leading slash. */
  name: string;
  image: string;
  imageId: string;
  /** Seconds since the epoch. */
  created: number;
  state: string;
  labels: Record<string, string>;
}

export interface ImageFacts {
  id: string;
  size: number;
  repoDigests: string[];
  /** The image's ENTRYPOINT and CMD (a warm call execs what a fresh container would run). */
  entrypoint: string[];
  cmd: string[];
  /** The image's platform, as its config says (GOOS/GOARCH names); undefined when it says none. */
  os?: string;
  architecture?: string;
  variant?: string;
}

export interface PullEvent {
  /** The pull failed: the engine's words. */
  error?: string;
  /** The layer the event is about. */
  layer?: string;
  status?: string;
  /** The layer's bytes done and in all, when the engine says. */
  current?: number;
  total?: number;
}

export interface BuildOptions {
  tag: string;
  labels: Record<string, string>;
  /** Build every step again (the engine's nocache). */
  noCache?: boolean;
  /** Files beside the Dockerfile in the build context, by name (the host's CA certificates). */
  files?: Record<string, string>;
  /** The builder's build arguments (the proxy variables, which Docker keeps out of the image's history). */
  buildArgs?: Record<string, string>;
  stallMs: number;
}

export interface BuildEvent {
  /** The build failed: the engine's words. */
  error?: string;
  /** Output of the builder and the steps, as it comes (lines, not always whole ones). */
  stream?: string;
  /** The built image's id, once the engine says it. */
  imageId?: string;
}

export interface ImageSummary {
  id: string;
  repoTags: string[];
  /** Seconds since the epoch. */
  created: number;
  size: number;
  labels: Record<string, string>;
}

export interface EngineVersion {
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
}

/** The engine refused a request: its HTTP status (404 no such image or container, 409 conflict, …) and message. */
export class EngineApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly json: { message?: string },
  ) {
    super(json.message ?? `HTTP ${statusCode}`);
  }
}

/** The HTTP status of an engine's refusal, else undefined. */
export function engineStatus(error: unknown): number | undefined {
  return error instanceof EngineApiError ? error.statusCode : undefined;
}

/** The error code of a call past its deadline: the engine took the request and said nothing (engineFailure words it). */
export const NO_ANSWER = 'EBERTHNOANSWER';

/** The error code of an ssh connection that ended before the engine said anything: ssh's (or the far side's) last words are its message. */
export const SSH_FAILED = 'EBERTHSSH';

/** The error code of a stream that made no progress for its stallMs. */
export const STALLED = 'EBERTHSTALLED';

/** Removes a container and never fails: one the engine cannot remove now is left to its AutoRemove or the next sweep. */
export async function discardContainer(engine: Pick<EngineClient, 'removeContainer'>, idOrName: string): Promise<void> {
  await engine.removeContainer(idOrName).catch(() => undefined);
}
