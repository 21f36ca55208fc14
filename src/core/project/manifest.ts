import { existsSync, realpathSync, statSync } from 'node:fs';
import type { Node } from 'yaml';
import { writeFileAtomic } from '../../platform/files.js';
import { NAME_CHARACTERS, NAME_PATTERN, VERSION_PATTERN } from '../patterns.js';
import { isPackageSpec, parsePackageSpec, specText } from '../backends/spec.js';
import { errorAt, expectMap, keyText, lineAt, readYamlFile, scalarText, yamlLibrary, type YamlFile } from '../../platform/yaml-file.js';
import type { Manifest, Pin } from './model.js';

/**
 * berth.yaml, a project's pins:
 *
 *     tools:
 *       shellcheck: 0.10.0
 *       jq: 1.7.1
 */
export type { Manifest, Pin } from './model.js';

const TOP_LEVEL = ['tools'];

/** Reads and checks berth.yaml. Throws InputError `file:line: field: message`. */
export function readManifest(file: string, text?: string): Manifest {
  return manifestFrom(readYamlFile(file, text));
}

function manifestFrom(yaml: YamlFile): Manifest {
  const { isScalar } = yamlLibrary();
  const root = yaml.doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return { file: yaml.file, pins: [] };
  const top = expectMap(yaml, root, '', 'a map with a tools: field, e.g. "tools:\\n  jq: 1.7.1"');
  const pins: Pin[] = [];
  for (const pair of top.items) {
    const key = keyText(yaml, pair, 'berth.yaml');
    if (!TOP_LEVEL.includes(key)) throw errorAt(yaml, pair.key as Node, `${key}: unknown field (expected ${TOP_LEVEL.join(', ')})`);
    const value = pair.value as Node | null;
    if (value === null || (isScalar(value) && value.value === null)) continue;
    const tools = expectMap(yaml, value, 'tools', 'a map of tool: version, e.g. "jq: 1.7.1"');
    for (const item of tools.items) {
      const name = keyText(yaml, item, 'tools');
      // A tool's name, or a package spec without its version (`npm:prettier`: the version is the value).
      const problem = isPackageSpec(name) ? packageKeyProblem(name) : NAME_PATTERN.test(name) ? undefined : `not a tool name (${NAME_CHARACTERS})`;
      if (problem) throw errorAt(yaml, item.key as Node, `tools.${name}: ${problem}`);
      const version = scalarText(item.value);
      const where = (item.value as Node | null) ?? (item.key as Node);
      if (version === undefined || version === '') throw errorAt(yaml, where, `tools.${name}: expected a version such as 1.2.3`);
      if (!VERSION_PATTERN.test(version)) throw errorAt(yaml, where, `tools.${name}: "${version}" is not a version (expected e.g. 1.2.3)`);
      pins.push({ name, version, line: lineAt(yaml, item.key as Node) });
    }
  }
  return { file: yaml.file, pins };
}

/** Why a berth.yaml key that names a package (`npm:prettier`) is not one; undefined when it is. */
function packageKeyProblem(key: string): string | undefined {
  try {
    const spec = parsePackageSpec(key);
    return spec.version === undefined ? undefined : `the version goes in the value ("${specText(spec)}": ${spec.version})`;
  } catch (error) {
    return (error as Error).message.replace(/^[^:]*:[^:]*: /, '');
  }
}

/**
 * Adds or changes the pin of `name` in berth.yaml (creating the file), keeping its comments,
 * order and formatting, and writes it atomically. Returns the version it replaced, if any.
 * The existing file must be valid: a broken file is not edited.
 */
export function setPin(file: string, name: string, version: string): { previous?: string; changed: boolean } {
  return setPins(file, [{ name, version }])[0]!;
}

/** setPin for several tools at once: one read, one atomic write (none when nothing changes). */
export function setPins(file: string, pins: ReadonlyArray<{ name: string; version: string }>): Array<{ previous?: string; changed: boolean }> {
  const { isMap, isScalar, parseDocument } = yamlLibrary();
  const exists = existsSync(file);
  const target = exists ? realpathSync(file) : file;
  const yaml = exists ? readYamlFile(file) : { file, doc: parseDocument(''), lines: undefined };
  if (exists) manifestFrom(yaml as YamlFile);
  const doc = yaml.doc;
  const results = pins.map(({ name, version }) => {
    let previous: string | undefined;
    const tools = doc.get('tools', true);
    if (isMap(tools)) {
      const pair = tools.items.find((p) => isScalar(p.key) && String(p.key.value) === name);
      previous = pair ? scalarText(pair.value) : undefined;
      if (previous === version) return { previous, changed: false };
      if (pair && isScalar(pair.value)) {
        // Changing the scalar in place keeps its comment; the type goes back to plain so the
        // writer quotes the version only if it must ("1.0").
        pair.value.value = version;
        if (pair.value.type !== 'QUOTE_DOUBLE' && pair.value.type !== 'QUOTE_SINGLE') pair.value.type = 'PLAIN';
      } else tools.set(name, version);
    } else {
      // No tools: field, or an empty one: a new block map.
      doc.set('tools', doc.createNode({ [name]: version }));
    }
    return { previous, changed: true };
  });
  if (results.some((r) => r.changed)) {
    const mode = exists ? statSync(target).mode & 0o777 : undefined;
    writeFileAtomic(target, doc.toString({ lineWidth: 0 }), mode);
  }
  return results;
}
