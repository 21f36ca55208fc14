/**
 * berth's layers, one allowed direction (docs/architecture.md): each layer imports only the
 * layers below it. `npm run lint` fails on an upward import or a cycle.
 *
 *   entry points (src/*.ts)  ->  commands  ->  app  ->  ui  ->  warm  ->  runtime  ->  core  ->  platform
 *
 * Inside core: run -> project -> recipes -> workspace (and the files at core's top, below them all).
 */
const LAYERS = ['commands', 'app', 'ui', 'warm', 'runtime', 'core', 'platform'];

/** A layer may not import any layer above it. */
const upward = LAYERS.map((layer, i) => ({
  name: `no-upward-from-${layer}`,
  comment: `${layer} may import only ${LAYERS.slice(i + 1).join(', ') || 'packages'} (docs/architecture.md)`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: `^src/(${[...LAYERS.slice(0, i + 1).filter((l) => l !== layer), 'main|cli|shim-entry'].join('|')})(/|\\.ts$)` },
}));

const CORE = ['run', 'project', 'recipes', 'workspace'];
const coreUpward = CORE.map((part, i) => ({
  name: `no-upward-in-core-${part}`,
  comment: `core/${part} may import only ${CORE.slice(i + 1).map((p) => `core/${p}`).join(', ') || 'the files at core/'} and platform`,
  severity: 'error',
  from: { path: `^src/core/${part}/` },
  to: { path: `^src/core/(${CORE.slice(0, i).join('|') || '$^'})/` },
}));

export default {
  forbidden: [
    ...upward,
    ...coreUpward,
    {
      name: 'core-top-below-parts',
      comment: 'the files at the top of core/ are below its folders',
      severity: 'error',
      from: { path: '^src/core/[^/]+\\.ts$' },
      to: { path: '^src/core/[^/]+/' },
    },
    {
      name: 'base-command-for-commands',
      comment: 'src/base-command.ts is part of the command layer: only commands extend it',
      severity: 'error',
      from: { path: '^src/(?!commands/)' },
      to: { path: '^src/base-command\\.ts$' },
    },
    { name: 'no-circular', severity: 'error', from: { path: '^src/' }, to: { circular: true } },
    { name: 'not-to-unresolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
    {
      name: 'no-dev-dependencies-in-src',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
