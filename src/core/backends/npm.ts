import { BACKEND_MARKER, WRITE_TOOL, type Backend } from './backend.js';

/**
 * `npm:NAME[@VERSION]`: a package from the npm registry, installed with npm on a pinned Node.js
 * base (Debian bookworm, as apt:'s). The install runs in the build, which has the network and the
 * host's CA trust; the tool itself runs with no network unless asked.
 */

/** npm's rule for a package name (validate-npm-package-name, for new packages): lowercase, URL-safe, an optional @scope/. */
const NPM_NAME = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/;
/** An exact semver version. */
const EXACT = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
/** A dist-tag (latest, next, beta): letters first, so that it is never a version or a range. */
const DIST_TAG = /^[A-Za-z][A-Za-z0-9._-]*$/;

/** node:22.22.0-bookworm-slim, pinned by digest (recipes/sources.md, "Backend bases"). */
export const NPM_BASE = 'docker.io/library/node:22.22.0-bookworm-slim@sha256:dd9d21971ec4395903fa6143c2b9267d048ae01ca6d3ea96f16cb30df6187d94';

/** Where npm installs the package in the image (its own prefix: the base's global modules stay as they are). */
const PREFIX = '/opt/berth/npm';

/**
 * Reads the installed package's `bin` (a string: the command is the package's own name; a map:
 * the entry named like the package, else its only one) or checks the asked one, and writes its
 * path to $path. Double quotes only: it goes inside the step's single quotes.
 */
const PICK_BIN = [
  'const [name, asked] = process.argv.slice(1);',
  `const pkg = require("${PREFIX}/lib/node_modules/" + name + "/package.json");`,
  'const own = name.replace(/^@[^/]+\\//, "");',
  'const bins = typeof pkg.bin === "string" ? { [own]: pkg.bin } : (pkg.bin || {});',
  'const names = Object.keys(bins);',
  'const bin = asked || (names.includes(own) ? own : names.length === 1 ? names[0] : "");',
  'if (!names.includes(bin)) {',
  `  const what = names.length === 0 ? "has no command (no bin in its package.json)" : (asked ? "has no command " + asked + "; its commands: " : "has several commands: ") + names.join(", ") + " (pick one with --bin NAME)";`,
  `  console.error("${BACKEND_MARKER} npm:" + name + " " + what);`,
  '  process.exit(1);',
  '}',
  `console.log("${PREFIX}/bin/" + bin);`,
].join(' ');

export const npmBackend: Backend = {
  prefix: 'npm',
  source: 'the npm registry',
  base: NPM_BASE,
  resolves: true,
  nameProblem: (name) =>
    name.length > 214 || !NPM_NAME.test(name) ? 'not an npm package name (lowercase letters, digits, "-", ".", "_", "~", with an optional @scope/)' : undefined,
  versionProblem: (version) =>
    EXACT.test(version) || DIST_TAG.test(version) ? undefined : 'not an exact version (such as 3.6.2) or a dist-tag (such as latest); ranges are not taken, so that a tag and berth.lock name one release',
  exact: (version) => version !== undefined && EXACT.test(version),
  build: (name, version, bin) => ({
    run: [
      [
        'set -eu',
        `npm install --global --prefix ${PREFIX} --no-audit --no-fund --no-update-notifier --loglevel=warn '${name}@${version ?? 'latest'}'`,
        `path=$(node -e '${PICK_BIN}' '${name}' '${bin ?? ''}')`,
        WRITE_TOOL,
      ].join('; '),
    ],
  }),
};
