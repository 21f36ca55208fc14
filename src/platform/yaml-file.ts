import { createRequire } from 'node:module';
import type { Document, LineCounter, Node, Pair, YAMLMap } from 'yaml';
import type { z } from 'zod';
import { InputError } from './errors.js';
import { INPUT_FILE_LIMIT, readInputFile } from './input-file.js';

/**
 * YAML files that users write (recipes, berth.yaml, berth.lock): parsed keeping positions so
 * every complaint names the file, the field and the line. Recipes are checked whole against a
 * schema (parseWith); berth.yaml and berth.lock are read node by node (expectMap, keyText,
 * scalarText), each complaint at its node's line (errorAt).
 */
const require = createRequire(import.meta.url);
/**
 * The yaml library, loaded on first use: runs read parsed files from berth's cache instead, and
 * the bundled CLI (scripts/bundle.ts) must not load it at start-up.
 */
export const yamlLibrary = () => require('yaml') as typeof import('yaml');

export interface YamlFile {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

export function readYamlFile(file: string, text = readInputFile(file).toString('utf8')): YamlFile {
  const { LineCounter, parseDocument, visit, isScalar } = yamlLibrary();
  const lines = new LineCounter();
  const invalid = (offset: number, what: string) => InputError.at(file, lines.linePos(offset).line, `not valid YAML: ${what}`);
  if (text.length > INPUT_FILE_LIMIT) throw new InputError(`${file}: over berth's limit of ${INPUT_FILE_LIMIT} bytes for this kind of file`, file);
  // The library's own uniqueKeys check compares every key with every other (a 40 000-key file
  // took 45 s): keys are checked here instead, with a set per map.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const error = doc.errors[0];
  if (error) throw invalid(error.pos[0], error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'invalid YAML');
  let duplicate: InputError | undefined;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(key)) {
          duplicate = invalid((pair.key as Node | null)?.range?.[0] ?? 0, 'Map keys must be unique');
          return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  if (duplicate) throw duplicate;
  return { file, doc, lines };
}

/** The 1-based line of a node; 1 for none (an empty document). */
export function lineAt(yaml: YamlFile, node: Node | null | undefined): number {
  const offset = node?.range?.[0];
  return offset === undefined ? 1 : yaml.lines.linePos(offset).line;
}

/** The InputError for a node: `file:line: message`. */
export function errorAt(yaml: YamlFile, node: Node | null | undefined, message: string): InputError {
  return InputError.at(yaml.file, lineAt(yaml, node), message);
}

/**
 * The line of the node at `path`, or of the key itself when `key` is true; as far down the path
 * as the document goes (the line of the map a missing field belongs in).
 */
export function lineOf(yaml: YamlFile, path: readonly PropertyKey[], key = false): number {
  const { isMap, isScalar } = yamlLibrary();
  let node: unknown = yaml.doc.contents;
  let found: Node | undefined = yaml.doc.contents ?? undefined;
  for (const [i, part] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(part));
      if (!pair) break;
      found = (key && i === path.length - 1 ? pair.key : (pair.value ?? pair.key)) as Node;
      node = pair.value;
    } else if (node && typeof node === 'object' && 'items' in node && Array.isArray((node as { items: unknown[] }).items)) {
      const item = (node as { items: Node[] }).items[Number(part)];
      if (!item) break;
      found = item;
      node = item;
    } else break;
  }
  return lineAt(yaml, found);
}

/** Validates the document against a schema; the first problem becomes one InputError line. */
export function parseWith<S extends z.ZodType>(yaml: YamlFile, schema: S, what: string): z.output<S> {
  let data: unknown;
  try {
    data = yaml.doc.toJS();
  } catch (error) {
    // e.g. the library's guard against alias expansion bombs ("Excessive alias count")
    throw InputError.at(yaml.file, 1, `not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (data === null || data === undefined) throw InputError.at(yaml.file, 1, `the file is empty; expected ${what}`);
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw issueError(yaml, issue.path, describeIssue(issue), issue.code === 'unrecognized_keys' ? issue.keys : undefined);
}

/** An InputError for a field: `file:line: field: message`. */
export function fieldError(yaml: YamlFile, path: readonly PropertyKey[], message: string): InputError {
  return issueError(yaml, path, message);
}

function issueError(yaml: YamlFile, path: readonly PropertyKey[], message: string, unknownKeys?: string[]): InputError {
  const fieldPath = unknownKeys ? [...path, unknownKeys[0]!] : path;
  const field = fieldPath.length > 0 ? `${fieldPath.map(String).join('.')}: ` : '';
  return InputError.at(yaml.file, lineOf(yaml, fieldPath, unknownKeys !== undefined), `${field}${message}`);
}

/** A map node, or an error naming what was expected there. */
export function expectMap(yaml: YamlFile, node: unknown, field: string, expected: string): YAMLMap {
  if (yamlLibrary().isMap(node)) return node;
  throw errorAt(yaml, node as Node, `${field ? `${field}: ` : ''}expected ${expected}`);
}

/** A map key that is a name (a string or a number as written). */
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

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field`;
    case 'invalid_type':
      return issue.input === undefined ? `missing; expected ${issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}` : `expected ${issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'invalid_format':
    case 'too_small':
    case 'custom':
      return issue.message.startsWith('expected') || issue.code === 'custom' ? issue.message : `expected ${issue.message}`;
    default:
      return issue.message;
  }
}
