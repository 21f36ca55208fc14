/**
 * berth's layers, one allowed direction (docs/architecture.md): each layer imports only the
 * layers below it. `npm run lint` fails on an upward import or a cycle.
 *
 *   entry points (src/*.ts)  ->  commands  ->  app  ->  ui  ->  warm  ->  runtime  ->  core  ->  platform
 *
 * Inside core: run -> project -> backends -> recipes -> workspace; inside runtime: container -> registry -> stdio
 * -> engine -> http; in both, the files at the layer's top are below its folders.
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

/**
 * Layers with folders of their own: the folders in order (each imports only the ones after it),
 * and the files at the layer's top below them all. So no two folders import each other.
 */
const PARTS = {
  core: ['run', 'project', 'backends', 'recipes', 'workspace'],
  runtime: ['container', 'registry', 'stdio', 'engine', 'http'],
};
const partRules = Object.entries(PARTS).flatMap(([layer, parts]) => [
  ...parts.map((part, i) => ({
    name: `no-upward-in-${layer}-${part}`,
    comment: `${layer}/${part} may import only ${[...parts.slice(i + 1).map((p) => `${layer}/${p}`), `the files at ${layer}/`].join(', ')} and the layers below`,
    severity: 'error',
    from: { path: `^src/${layer}/${part}/` },
    to: { path: `^src/${layer}/(${parts.slice(0, i).join('|') || '$^'})/` },
  })),
  {
    name: `${layer}-top-below-parts`,
    comment: `the files at the top of ${layer}/ are below its folders`,
    severity: 'error',
    from: { path: `^src/${layer}/[^/]+\\.ts$` },
    to: { path: `^src/${layer}/[^/]+/` },
  },
]);

export default {
  forbidden: [
    ...upward,
    ...partRules,
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
