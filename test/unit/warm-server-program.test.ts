import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_WITH, SOURCE_SHA256 } from '../../src/engine/warm-server-program.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const GENERATED = path.join(ROOT, 'src/engine/warm-server-program.ts');

describe('the warm server program berth ships', () => {
  it('was generated from the committed source', () => {
    const source = readFileSync(path.join(ROOT, 'native/warm-server.c'));
    expect(SOURCE_SHA256).toBe(createHash('sha256').update(source).digest('hex'));
  });

  it('is what scripts/build-warm-server.sh builds from it: byte for byte with the compilers it names (gcc, gcc-aarch64-linux-gnu)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'berth-server-build-'));
    try {
      const out = path.join(dir, 'program.ts');
      execFileSync(path.join(ROOT, 'scripts/build-warm-server.sh'), { env: { ...process.env, WARM_SERVER_OUT: out }, stdio: 'pipe' });
      const rebuilt = readFileSync(out, 'utf8');
      const builtWith = /BUILT_WITH = '([^']*)'/.exec(rebuilt)![1];
      // Other compilers make other bytes from the same source: then the source still has to
      // build (-Werror) for both architectures, which the script just did.
      if (builtWith === BUILT_WITH) expect(rebuilt).toBe(readFileSync(GENERATED, 'utf8'));
      else expect(rebuilt).toContain(`SOURCE_SHA256 = '${SOURCE_SHA256}'`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
