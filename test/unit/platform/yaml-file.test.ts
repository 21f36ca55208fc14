import { describe, expect, it } from 'vitest';
import type { Node } from 'yaml';
import { InputError } from '../../../src/platform/errors.js';
import { errorAt, fieldError, lineAt, lineOf, readYamlFile, scalarText } from '../../../src/platform/yaml-file.js';

const text = ['name: jq', 'tools:', '  jq: 1.10', '  fx:', '    - a', '    - b', ''].join('\n');
const yaml = readYamlFile('/p/berth.yaml', text);
const tools = (yaml.doc.contents as unknown as { items: Array<{ key: Node; value: Node }> }).items[1]!;

describe('the line of a place in a YAML file', () => {
  it('is the line of the value at a path, or of its key when asked', () => {
    expect(lineOf(yaml, ['tools', 'jq'])).toBe(3);
    expect(lineOf(yaml, ['tools', 'fx', 1])).toBe(6);
    expect(lineOf(yaml, ['tools'], true)).toBe(2);
  });

  it('is the line of the nearest enclosing node when the path goes further than the document', () => {
    expect(lineOf(yaml, ['tools', 'missing'])).toBe(3);
    expect(lineOf(readYamlFile('/p/empty.yaml', ''), ['name'])).toBe(1);
  });

  it('is the line of a node, and 1 for no node', () => {
    expect(lineAt(yaml, tools.key)).toBe(2);
    expect(lineAt(yaml, undefined)).toBe(1);
  });
});

describe('a located fault', () => {
  it('starts with FILE:LINE and keeps the file and line', () => {
    const error = InputError.at('/p/f.yaml', 7, 'bad');
    expect([error.message, error.file, error.line, error.exitCode]).toEqual(['/p/f.yaml:7: bad', '/p/f.yaml', 7, 1]);
  });

  it('is made at a node, or at a field path named in the message', () => {
    expect(errorAt(yaml, tools.key, 'tools: wrong').message).toBe('/p/berth.yaml:2: tools: wrong');
    expect(fieldError(yaml, ['tools', 'fx'], 'wrong')).toMatchObject({ message: '/p/berth.yaml:5: tools.fx: wrong', line: 5 });
  });

  it('names the line of a YAML syntax error', () => {
    expect(() => readYamlFile('/p/bad.yaml', 'a: 1\nb: [\n')).toThrow(/^\/p\/bad\.yaml:\d+: not valid YAML: /);
    expect(() => readYamlFile('/p/dup.yaml', 'a: 1\na: 2\n')).toThrow('/p/dup.yaml:2: not valid YAML: Map keys must be unique');
  });
});

describe('a scalar as written', () => {
  it('keeps a version that YAML would read as a number as the user wrote it', () => {
    expect(scalarText((tools.value as unknown as { items: Array<{ value: Node }> }).items[0]!.value)).toBe('1.10');
  });
});
