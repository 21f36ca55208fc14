import type { Node } from 'yaml';
import { digestProblem, parseImageReference } from '../image-reference.js';
import { writeFileAtomic } from '../../platform/files.js';
import { errorAt, expectMap, keyText, lineAt, readYamlFile, scalarText, yamlLibrary } from '../../platform/yaml-file.js';
import type { Lock, LockEntry } from './model.js';
import { VERSION_PATTERN } from '../patterns.js';
import { byName } from '../names.js';

/**
 * berth.lock, written by `berth sync`: for each pinned tool, the exact image reference (with its
 * tag) and the digest the registry served for it, so that every machine runs the same bytes.
 *
 *     lockVersion: 1
 *     tools:
 *       jq:
 *         version: 1.7.1
 *         image: ghcr.io/jqlang/jq:1.7.1
 *         digest: sha256:…
 *       gifsicle:                  # a recipe that builds its image
 *         version: '1.93'
 *         image: berth-build/gifsicle:<hash of the build section>
 *         digest: sha256:…         # the built image's id
 *         base: debian:bookworm-20250721-slim@sha256:…
 */
export type { Lock, LockEntry } from './model.js';

export const LOCK_VERSION = 1;
const ENTRY_FIELDS = ['version', 'image', 'digest', 'base'] as const;
/** Every entry has these; `base` only a built tool's. */
const REQUIRED_FIELDS = ['version', 'image', 'digest'] as const;

/** Reads and checks berth.lock. Throws InputError `file:line: field: message`. */
export function readLock(file: string, text?: string): Lock {
  const { isScalar } = yamlLibrary();
  const yaml = readYamlFile(file, text);
  const top = expectMap(yaml, yaml.doc.contents, '', 'lockVersion: and tools: (berth.lock is written by berth sync)');
  const entries = new Map<string, LockEntry>();
  let version: Node | undefined;
  for (const pair of top.items) {
    const key = keyText(yaml, pair, 'berth.lock');
    if (key === 'lockVersion') {
      version = (pair.value as Node | null) ?? (pair.key as Node);
      if (!isScalar(pair.value) || pair.value.value !== LOCK_VERSION) {
        throw errorAt(yaml, version, `lockVersion: expected ${LOCK_VERSION} (written by a different berth?)`);
      }
    } else if (key === 'tools') {
      const value = pair.value as Node | null;
      if (value === null || (isScalar(value) && value.value === null)) continue;
      const tools = expectMap(yaml, value, 'tools', 'a map of tool: {version, image, digest}');
      for (const item of tools.items) {
        const name = keyText(yaml, item, 'tools');
        const fields = expectMap(yaml, item.value ?? item.key, `tools.${name}`, 'version:, image: and digest:');
        const got: Partial<Record<(typeof ENTRY_FIELDS)[number], string>> = {};
        for (const field of fields.items) {
          const fieldName = keyText(yaml, field, `tools.${name}`);
          const where = (field.value as Node | null) ?? (field.key as Node);
          if (!(ENTRY_FIELDS as readonly string[]).includes(fieldName)) {
            throw errorAt(yaml, field.key as Node, `tools.${name}.${fieldName}: unknown field (expected ${ENTRY_FIELDS.join(', ')})`);
          }
          const text = scalarText(field.value);
          if (text === undefined || text === '') throw errorAt(yaml, where, `tools.${name}.${fieldName}: expected a string`);
          const problem = fieldProblem(fieldName as (typeof ENTRY_FIELDS)[number], text);
          if (problem) throw errorAt(yaml, where, `tools.${name}.${fieldName}: ${problem}`);
          got[fieldName as (typeof ENTRY_FIELDS)[number]] = text;
        }
        for (const field of REQUIRED_FIELDS) {
          if (got[field] === undefined) throw errorAt(yaml, item.key as Node, `tools.${name}.${field}: missing`);
        }
        entries.set(name, { name, version: got.version!, image: got.image!, digest: got.digest!, ...(got.base && { base: got.base }), line: lineAt(yaml, item.key as Node) });
      }
    } else {
      throw errorAt(yaml, pair.key as Node, `${key}: unknown field (expected lockVersion, tools)`);
    }
  }
  if (!version) throw errorAt(yaml, top, `lockVersion: missing (berth.lock is written by berth sync)`);
  return { file, entries };
}

function fieldProblem(field: (typeof ENTRY_FIELDS)[number], value: string): string | undefined {
  switch (field) {
    case 'version':
      return VERSION_PATTERN.test(value) ? undefined : `"${value}" is not a version`;
    case 'digest':
      return digestProblem(value);
    case 'base':
    case 'image':
      try {
        const ref = parseImageReference(value);
        if (ref.digest && field === 'image') return 'expected a reference without a digest (the digest has its own field)';
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
  }
}

/** The text of berth.lock for these entries: sorted by name, so diffs stay small. */
export function formatLock(entries: Iterable<LockEntry>): string {
  const tools: Record<string, { version: string; image: string; digest: string; base?: string }> = {};
  for (const e of [...entries].sort((a, b) => byName(a.name, b.name))) {
    tools[e.name] = { version: e.version, image: e.image, digest: e.digest, ...(e.base !== undefined && { base: e.base }) };
  }
  const doc = new (yamlLibrary().Document)({ lockVersion: LOCK_VERSION, tools });
  doc.commentBefore = ' Written by `berth sync`: the image and digest each pinned tool runs. Commit it; do not edit it.';
  return doc.toString({ lineWidth: 0 });
}

/** Writes berth.lock atomically (temp file + rename). */
export function writeLock(file: string, entries: Iterable<LockEntry>): void {
  writeFileAtomic(file, formatLock(entries));
}
