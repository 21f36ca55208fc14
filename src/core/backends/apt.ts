import { BACKEND_MARKER, WRITE_TOOL, type Backend } from './backend.js';

/**
 * `apt:NAME[@VERSION]`: a package from Debian's archive, installed with apt on a pinned Debian
 * bookworm base. apt has no registry berth can ask without the base's package lists, so a
 * version not given is the one the archive has when the image is built (the image is then kept:
 * later runs use it, with no network).
 */

/** Debian policy's package names: lowercase letters, digits, "+", "-", "."; two characters at least. */
const APT_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
/** Debian policy's versions: [epoch:]upstream[-revision]. */
const APT_VERSION = /^(?:\d+:)?[0-9][A-Za-z0-9.+~-]*$/;

/** debian:bookworm-20250721-slim, pinned by digest (recipes/sources.md, "Build bases"). */
export const APT_BASE = 'docker.io/library/debian:bookworm-20250721-slim@sha256:2424c1850714a4d94666ec928e24d86de958646737b1d113f5b2207be44d37d8';

export const aptBackend: Backend = {
  prefix: 'apt',
  source: "Debian's archive",
  base: APT_BASE,
  resolves: false,
  nameProblem: (name) => (APT_NAME.test(name) ? undefined : 'not a Debian package name (lowercase letters, digits, "+", "-", ".")'),
  versionProblem: (version) => (APT_VERSION.test(version) ? undefined : 'not a Debian version (such as 1.93-2)'),
  exact: (version) => version !== undefined,
  build: (name, version, bin) => ({
    apt: [version === undefined ? name : `${name}=${version}`],
    run: [
      [
        'set -eu',
        // The package's commands, from its file list: the one named like the package, else its only one.
        `cmds=$(dpkg -L '${name}' | sed -n 's#^\\(/usr\\)\\{0,1\\}/s\\{0,1\\}bin/\\([^/]*\\)$#\\2#p' | sort -u)`,
        `bin='${bin ?? ''}'`,
        `if [ -z "$bin" ]; then if printf '%s\\n' "$cmds" | grep -qx '${name}'; then bin='${name}'; elif [ -n "$cmds" ] && [ "$(printf '%s\\n' "$cmds" | wc -l)" = 1 ]; then bin=$cmds; else echo "${BACKEND_MARKER} apt:${name} has $( [ -n "$cmds" ] && echo "several commands: $(echo $cmds) (pick one with --bin NAME)" || echo "no command in /usr/bin (pick one with --bin NAME)")" >&2; exit 1; fi; fi`,
        `path=$(command -v "$bin") || { echo "${BACKEND_MARKER} apt:${name} has no command $bin; its commands: $(echo $cmds)" >&2; exit 1; }`,
        WRITE_TOOL,
      ].join('; '),
    ],
  }),
};
