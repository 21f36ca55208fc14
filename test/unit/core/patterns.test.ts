import { describe, expect, it } from 'vitest';
import { ENV_NAME_PATTERN, NAME_PATTERN, NAME_RULE, VERSION_PATTERN } from '../../../src/core/patterns.js';

describe('a tool name', () => {
  it('is lowercase letters, digits, ".", "_" and "-", starting with a letter or digit', () => {
    for (const ok of ['jq', 'yq4', 'clang-format', 'python3.12', 'a_b', '7z']) expect(NAME_PATTERN.test(ok), ok).toBe(true);
    for (const bad of ['', 'Jq', '-jq', '.jq', '_jq', 'a/b', '../x', 'a b', 'jq@1']) expect(NAME_PATTERN.test(bad), bad).toBe(false);
  });

  it('is described in messages as the pattern allows', () => {
    expect(NAME_RULE).toBe('lowercase letters, digits, ".", "_" and "-", starting with a letter or digit');
  });
});

describe('a version', () => {
  it('starts with a word character and holds word characters, ".", "+" and "-"', () => {
    for (const ok of ['1.2.3', 'v0.11.0', '1.7.1-r0', '2.0.0+build.5', 'latest', '3_1']) expect(VERSION_PATTERN.test(ok), ok).toBe(true);
    for (const bad of ['', '.1', '-1', '+1', '1 2', '1/2', '1:2', '1@2']) expect(VERSION_PATTERN.test(bad), bad).toBe(false);
  });
});

describe('an environment variable name', () => {
  it('is a letter or underscore, then letters, digits and underscores', () => {
    for (const ok of ['HOME', '_X', 'GITHUB_TOKEN', 'lower_case', 'A1']) expect(ENV_NAME_PATTERN.test(ok), ok).toBe(true);
    for (const bad of ['', '1A', 'A-B', 'A=B', 'A.B', 'A B']) expect(ENV_NAME_PATTERN.test(bad), bad).toBe(false);
  });
});
