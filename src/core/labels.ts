/**
 * Every label berth puts on a container, in one place: the engine finds berth's containers (warm
 * ones, orphans, a user's own) by these, so a label written one way and read another would lose
 * containers.
 */
export const LABELS = {
  /** On every berth container. */
  managed: 'berth.managed',
  tool: 'berth.tool',
  version: 'berth.version',
  /** The berth process and host that made it (a fresh run's). */
  pid: 'berth.pid',
  host: 'berth.host',
  /** The uid of the user whose container it is (runtime/container/owner.ts). */
  uid: 'berth.uid',
  /** The unix socket the run's berth listens on while it lives (runtime/container/orphans.ts). */
  run: 'berth.run',
  /** Warm containers (warm/): what they are kept for. */
  warm: 'berth.warm',
  key: 'berth.key',
  idleMinutes: 'berth.idle-minutes',
  image: 'berth.image',
  /** A workspace volume on an engine that cannot see the host's files: the host folder it holds. */
  workspace: 'berth.workspace',
} as const;

/** A label filter for the engine's container list: `key=value`, or the key alone for "has it". */
export function labelFilter(key: string, value?: string): string {
  return value === undefined ? key : `${key}=${value}`;
}
