import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_WITH, SOURCE_SHA256 } from '../../../../src/runtime/container/sync-helper-build.js';

const ROOT = path.resolve(import.meta.dirname, '../../../..');

describe('the sync helper program berth ships', () => {
  it('was generated from the committed source', () => {
    expect(SOURCE_SHA256).toBe(createHash('sha256').update(readFileSync(path.join(ROOT, 'native/sync-helper.c'))).digest('hex'));
  });

  it('is what scripts/build-sync-helper.sh builds from it: byte for byte with the compilers it names', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'berth-sync-helper-build-'));
    try {
      const out = path.join(dir, 'program.ts');
      const facts = path.join(dir, 'build.ts');
      execFileSync(path.join(ROOT, 'scripts/build-sync-helper.sh'), { env: { ...process.env, SYNC_HELPER_OUT: out, SYNC_HELPER_FACTS_OUT: facts }, stdio: 'pipe' });
      const rebuiltFacts = readFileSync(facts, 'utf8');
      expect(rebuiltFacts).toContain(`SOURCE_SHA256 = '${SOURCE_SHA256}'`);
      // Other compilers make other bytes: the source still has to build (-Werror) for both.
      if (/BUILT_WITH = '([^']*)'/.exec(rebuiltFacts)![1] === BUILT_WITH) {
        expect(readFileSync(out, 'utf8')).toBe(readFileSync(path.join(ROOT, 'src/runtime/container/sync-helper-program.ts'), 'utf8'));
        expect(rebuiltFacts).toBe(readFileSync(path.join(ROOT, 'src/runtime/container/sync-helper-build.ts'), 'utf8'));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
