/**
 * Bundles the start-up paths of the CLI (`berth run`, shims, `--version`, plain `berth list`)
 * into one file, dist/cli.js, in place of tsc's: Node's ESM loader costs about a millisecond per
 * module file, and a run through the separate files loads some thirty of them. Everything else
 * (oclif, its commands under dist/commands, ora, yaml, zod) stays out of the bundle and is
 * loaded from where it is, when a path needs it.
 *
 * Node's built-in modules are taken with require() (through createRequire), not import: the ESM
 * view of a built-in reads every export once it is imported, which loads parts of Node nothing
 * uses (node:fs alone ~3 ms: fs/promises, its streams), and a require() sits inside the bundled
 * module that needs it, so it stays as lazy as that module.
 *
 * Fails when the bundle would load a package at start-up: it may import only Node's built-in
 * modules statically (a package imported at the top of any bundled module would be loaded by
 * every run).
 *
 *   npx tsx scripts/bundle.ts      (part of `npm run build`, after tsc)
 */
import { build, type Plugin } from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** `import … from 'node:x'` becomes a require('node:x') where the importing module runs. */
const builtinsByRequire: Plugin = {
  name: 'builtins-by-require',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => (args.namespace === 'builtin' ? { path: args.path, external: true } : { path: args.path, namespace: 'builtin' }));
    // An empty object in front of the module: esbuild's interop copies a CommonJS module's own
    // properties into an ES namespace at each import (node:fs has ~100; ~2 ms in all), and
    // finds every export through the prototype just the same.
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = Object.create(require(${JSON.stringify(args.path)}));`, loader: 'js' }));
  },
};

/** The warm server's program bytes (~30 KB): loaded from dist/warm/ when a warm container is made, never parsed at start-up. */
const serverProgramApart: Plugin = {
  name: 'server-program-apart',
  setup(b) {
    b.onResolve({ filter: /\/server-program\.js$/ }, () => ({ path: './warm/server-program.js', external: true }));
    // The sync helper's (~18 KB): loaded only for an engine that cannot see the host's files.
    b.onResolve({ filter: /\/sync-helper-program\.js$/ }, () => ({ path: './runtime/container/sync-helper-program.js', external: true }));
  },
};

await build({
  entryPoints: [CLI],
  outfile: CLI,
  allowOverwrite: true,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  packages: 'external',
  logLevel: 'warning',
  plugins: [builtinsByRequire, serverProgramApart],
  // What esbuild's require() shim calls in an ES module.
  banner: { js: "import { createRequire as __berthCreateRequire } from 'node:module';\nconst require = __berthCreateRequire(import.meta.url);" },
});

const staticImports = [...readFileSync(CLI, 'utf8').matchAll(/^import\s[^'"]*?\bfrom\s*["']([^"']+)["']|^import\s*["']([^"']+)["']/gm)].map((m) => m[1] ?? m[2]!);
const packages = staticImports.filter((specifier) => !specifier.startsWith('node:'));
if (packages.length > 0) {
  process.stderr.write(`scripts/bundle.ts: dist/cli.js would load ${[...new Set(packages)].join(', ')} at start-up: import it lazily (see yamlLibrary in src/platform/yaml-file.ts)\n`);
  process.exit(1);
}
