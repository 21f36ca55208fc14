// `berth sync --check`'s use-case: the check of berth.lock, or a refusal outside a project.
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkSync, digestFor } from '../../../src/app/sync.js';
import { InputError } from '../../../src/platform/errors.js';
import { D1, D2 } from '../support/project.js';

let root: string;
beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-app-sync-')));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('berth sync --check (use-case)', () => {
  it('refuses outside a project, naming where it looked', () => {
    expect(() => checkSync(root)).toThrow(InputError);
    expect(() => checkSync(root)).toThrow(`no berth.yaml in ${root} or above it`);
  });

  it("gives the project's check: a berth.lock that is missing is a problem", () => {
    writeFileSync(path.join(root, 'berth.yaml'), 'tools:\n  jq: 1.8.1\n');
    const check = checkSync(root);
    expect(check).toMatchObject({ tools: 1, files: { lockFile: path.join(root, 'berth.lock') } });
    expect(check.problems.map((p) => p.message)).toEqual([`${root}/berth.lock: missing`]);
  });
});

describe('berth.lock', () => {
  it('takes the digest of the pulled repository from RepoDigests, whatever the spelling', () => {
    expect(digestFor('127.0.0.1:5000/a/b:1', [`other.test/a/b@${D2}`, `127.0.0.1:5000/a/b@${D1}`])).toBe(D1);
    expect(digestFor('docker.io/koalaman/shellcheck:v1', [`koalaman/shellcheck@${D2}`])).toBe(D2);
    expect(digestFor('alpine:3', [`alpine@${D1}`])).toBe(D1);
    expect(digestFor('alpine:3', [])).toBeUndefined();
  });
});
