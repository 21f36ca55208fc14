import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHUNK, MAX_REQUEST, MAX_STRINGS, requestFrame, WINDOW } from '../../../src/warm/call.js';
import { BUILT_WITH, SOURCE_SHA256 } from '../../../src/warm/server-build.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const GENERATED = path.join(ROOT, 'src/warm/server-program.ts');
const FACTS = path.join(ROOT, 'src/warm/server-build.ts');

describe('the warm server program berth ships', () => {
  it("has the limits berth's side of the protocol keeps to (warm-call.ts)", () => {
    const source = readFileSync(path.join(ROOT, 'native/warm-server.c'), 'utf8');
    const define = (name: string) => {
      const m = new RegExp(`^#define ${name} \\(?([\\d* ]+)\\)?$`, 'm').exec(source);
      if (!m) throw new Error(`no #define ${name} in native/warm-server.c`);
      return m[1]!.split('*').reduce((product, factor) => product * Number(factor.trim()), 1);
    };
    expect({ WINDOW, CHUNK, MAX_REQUEST, MAX_STRINGS }).toEqual({
      WINDOW: define('WINDOW'),
      CHUNK: define('CHUNK'),
      MAX_REQUEST: define('MAX_REQUEST'),
      MAX_STRINGS: define('MAX_STRINGS'),
    });
    // And berth makes no request over them (the call then runs in a fresh container).
    const request = (argv: string[], env: string[] = []) => requestFrame({ argv, env, cwd: '/w', tty: false, stdin: false });
    expect(request(['x'.repeat(MAX_REQUEST - 100)])?.length).toBeGreaterThan(MAX_REQUEST - 100);
    expect(request(['x'.repeat(MAX_REQUEST)])).toBeUndefined();
    expect(request(['true'], Array.from({ length: MAX_STRINGS - 8 }, (_, i) => `V${i}=1`))).toBeDefined();
    expect(request(['true'], Array.from({ length: MAX_STRINGS - 7 }, (_, i) => `V${i}=1`))).toBeUndefined();
  });

  it('was generated from the committed source', () => {
    const source = readFileSync(path.join(ROOT, 'native/warm-server.c'));
    expect(SOURCE_SHA256).toBe(createHash('sha256').update(source).digest('hex'));
  });

  it('is what scripts/build-warm-server.sh builds from it: byte for byte with the compilers it names (gcc, gcc-aarch64-linux-gnu)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'berth-server-build-'));
    try {
      const out = path.join(dir, 'program.ts');
      const facts = path.join(dir, 'build.ts');
      execFileSync(path.join(ROOT, 'scripts/build-warm-server.sh'), { env: { ...process.env, WARM_SERVER_OUT: out, WARM_SERVER_FACTS_OUT: facts }, stdio: 'pipe' });
      const rebuiltFacts = readFileSync(facts, 'utf8');
      const builtWith = /BUILT_WITH = '([^']*)'/.exec(rebuiltFacts)![1];
      expect(rebuiltFacts).toContain(`SOURCE_SHA256 = '${SOURCE_SHA256}'`);
      // Other compilers make other bytes from the same source: then the source still has to
      // build (-Werror) for both architectures, which the script just did.
      if (builtWith === BUILT_WITH) {
        expect(readFileSync(out, 'utf8')).toBe(readFileSync(GENERATED, 'utf8'));
        expect(rebuiltFacts).toBe(readFileSync(FACTS, 'utf8'));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
