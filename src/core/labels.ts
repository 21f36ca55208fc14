/**
 * Every label berth puts on a container or an image, in one place: the engine finds berth's containers (warm
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
  /**
   * On images berth builds (core/recipes/build.ts): the tool it was built for, and the base it
   * was built FROM; `berth gc` finds build images by the first. Containers of such an image
   * inherit them, so nothing looks for containers by these.
   */
  build: 'berth.build',
  buildBase: 'berth.build-base',
  /** The uid of the user whose berth built it: `berth gc` removes only the caller's builds (root: --all-users). */
  buildUid: 'berth.build-uid',
} as const;

/** A label filter for the engine's container list: `key=value`, or the key alone for "has it". */
export function labelFilter(key: string, value?: string): string {
  return value === undefined ? key : `${key}=${value}`;
}
