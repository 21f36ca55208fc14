import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatLock } from '../../../../src/core/project/lock.js';
import { checkLock } from '../../../../src/core/project/check.js';
import { D1, D2, root, dirs, write, useProject } from '../../support/project.js';

useProject();

describe('berth sync --check', () => {
  const lockText = (tools: Record<string, { version: string; image: string; digest: string }>) =>
    formatLock(Object.entries(tools).map(([name, t]) => ({ name, ...t, line: 0 })));

  it('is in sync when every pin is locked for its exact version and image', () => {
    write(path.join(root, 'berth.yaml'), 'tools:\n  fx: 1.0\n  vtag: 2.0\n');
    write(path.join(root, 'berth.lock'), lockText({ fx: { version: '1.0', image: 'registry.test/fx:1.0', digest: D1 }, vtag: { version: '2.0', image: 'registry.test/vtag:v2.0', digest: D2 } }));
    expect(checkLock(root, dirs)).toMatchObject({ tools: 2, problems: [] });
  });

  it('reports a missing lock, a changed pin, an added and a removed tool, and a recipe digest change, one line each', () => {
    write(path.join(root, 'berth.yaml'), 'tools:\n  fx: 1.1\n  fixed: 1\n');
    expect(checkLock(root, dirs)!.problems.map((p) => p.message)).toEqual([`${root}/berth.lock: missing`]);
    write(path.join(root, 'berth.lock'), lockText({ fx: { version: '1.0', image: 'registry.test/fx:1.0', digest: D1 }, vtag: { version: '2.0', image: 'registry.test/vtag:v2.0', digest: D1 } }));
    const problems = checkLock(root, dirs)!.problems.map((p) => `${p.message}; ${p.fix}`);
    expect(problems).toEqual([
      `${root}/berth.lock:5: tools.fx.version: 1.0, but ${root}/berth.yaml:2 pins 1.1; run berth sync`,
      `${root}/berth.lock: tools.fixed: not locked (${root}/berth.yaml:3 pins fixed 1); run berth sync`,
      `${root}/berth.lock:9: tools.vtag: locked but not pinned in ${root}/berth.yaml; run berth sync`,
    ]);
    write(path.join(root, 'berth.yaml'), 'tools:\n  vtag: 2.0\n');
    write(path.join(root, 'berth.lock'), lockText({ vtag: { version: '2.0', image: 'registry.test/vtag:v2.0', digest: D1 } }));
    expect(checkLock(root, dirs)!.problems.map((p) => p.message)).toEqual([`${root}/berth.lock:5: tools.vtag.digest: ${D1}, but the recipe pins ${D2}`]);
  });

  it('reports a malformed berth.yaml or berth.lock with file:line, and nothing outside a project', () => {
    write(path.join(root, 'berth.yaml'), 'tools:\n  fx: 1.0\n');
    write(path.join(root, 'berth.lock'), 'lockVersion: 1\ntools:\n  fx: 3\n');
    expect(checkLock(root, dirs)!.problems.map((p) => p.message)).toEqual([`${root}/berth.lock:3: tools.fx: expected version:, image: and digest:`]);
    write(path.join(root, 'berth.yaml'), 'tools:\n  fx: [1\n');
    expect(checkLock(root, dirs)!.problems[0]!.message).toMatch(new RegExp(`^${root}/berth.yaml:\\d+: not valid YAML`));
    const outside = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-outside-')));
    expect(checkLock(outside, dirs)).toBeUndefined();
  });
});
