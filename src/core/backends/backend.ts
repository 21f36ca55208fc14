import type { BuildSection } from '../recipes/schema.js';

/**
 * A package backend: how `PREFIX:NAME[@VERSION]` (`npm:prettier@3.6.2`, `apt:gifsicle`) becomes
 * a recipe whose image berth builds: a pinned base, the install step, and the package's command.
 * Each backend is one module here, listed once in BACKENDS (spec.ts); `pip:`, `cargo:` and `go:`
 * would each be one more (README, roadmap).
 */
export interface Backend {
  /** The spec's prefix, without the colon. */
  prefix: string;
  /** What it installs from, for messages: "the npm registry". */
  source: string;
  /** Why `name` is not a package name of this backend; undefined when it is one. */
  nameProblem(name: string): string | undefined;
  /** Why `version` is not a version this backend can install; undefined when it can. */
  versionProblem(version: string): string | undefined;
  /**
   * Whether `version` names exactly one release (so it can go into an image's tag and berth.lock
   * as it is); a version that is not exact is resolved first (spec.ts says how), or, where the
   * backend cannot resolve (apt), built as the base's archive has it.
   */
  exact(version: string | undefined): boolean;
  /** Whether berth asks the registry for the exact version of one that is not (npm: dist-tags). */
  resolves: boolean;
  /** The base its images build on: tag and digest, evidenced (recipes/sources.md, "Backend bases"). */
  base: string;
  /**
   * The build section that installs the package and puts its command at TOOL_PATH: `bin`, or the
   * package's own command, read from its metadata during the build (a package with several and
   * no `bin` fails the build with a BACKEND_MARKER line naming them).
   */
  build(name: string, version: string | undefined, bin: string | undefined): Omit<BuildSection, 'from'>;
}

/** Where a backend's image has the package's command: a script that execs it (argv[0] stays the command's). */
export const TOOL_PATH = '/opt/berth/tool';

/** The start of a line a backend's build step prints when the package is the problem, not the build (spec.ts makes it the message). */
export const BACKEND_MARKER = 'berth-backend:';

/**
 * The shell lines that write TOOL_PATH to exec `command` (an absolute path, in `$path`), so that
 * every backend's image runs its command the same way.
 */
export const WRITE_TOOL = `mkdir -p /opt/berth; printf '#!/bin/sh\\nexec "%s" "$@"\\n' "$path" > ${TOOL_PATH}; chmod 755 ${TOOL_PATH}`;
