// `berth sync --check`'s use-case: the check of berth.lock, or a refusal outside a project.
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkSync } from '../../../src/app/sync.js';
import { InputError } from '../../../src/platform/errors.js';

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
