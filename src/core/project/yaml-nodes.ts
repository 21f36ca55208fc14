import type { Node, Pair, YAMLMap } from 'yaml';
import { InputError } from '../../platform/errors.js';
import { yamlLibrary, type YamlFile } from '../../platform/yaml-file.js';

/** Helpers for reading berth.yaml and berth.lock node by node, so every complaint has its line. */

export function lineAt(yaml: YamlFile, node: Node | null | undefined): number {
  const offset = node?.range?.[0];
  return offset === undefined ? 1 : yaml.lines.linePos(offset).line;
}

export function errorAt(yaml: YamlFile, node: Node | null | undefined, message: string): InputError {
  const line = lineAt(yaml, node);
  return new InputError(`${yaml.file}:${line}: ${message}`, yaml.file, line);
}

/** A map node, or an error naming what was expected there. */
export function expectMap(yaml: YamlFile, node: unknown, field: string, expected: string): YAMLMap {
  if (yamlLibrary().isMap(node)) return node;
  throw errorAt(yaml, node as Node, `${field ? `${field}: ` : ''}expected ${expected}`);
}

export function keyText(yaml: YamlFile, pair: Pair, field: string): string {
  if (!yamlLibrary().isScalar(pair.key) || (typeof pair.key.value !== 'string' && typeof pair.key.value !== 'number')) {
    throw errorAt(yaml, pair.key as Node, `${field}: expected a name as key`);
  }
  return String(pair.key.value);
}

/**
 * A scalar as the user wrote it: `1.0` stays "1.0" and `1.10` stays "1.10" (YAML would read
 * numbers), quoted strings are their content. Booleans, nulls and collections are not text.
 */
export function scalarText(node: unknown): string | undefined {
  if (!yamlLibrary().isScalar(node)) return undefined;
  if (typeof node.value === 'string') return node.value;
  if (typeof node.value === 'number' || typeof node.value === 'bigint') return node.source ?? String(node.value);
  return undefined;
}
