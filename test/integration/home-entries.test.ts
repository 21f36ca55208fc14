// Issue 12 §1: a recipe declares the real dotfiles it needs (`home: [.aws, .kube/config]`): they
// appear in the tool's own HOME, read-only unless the recipe says rw; one the user lacks is left
// out; nothing root-owned is made on the host for them.
import { chownSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { berth, makeSandbox, OTHER_UID, writeRecipe, type Sandbox } from '../support/berth.js';

describe.each([{ mode: 'fresh', flags: [] as string[] }, { mode: 'warm', flags: ['--warm'] }])('home entries ($mode)', ({ flags }) => {
  let sb: Sandbox;
  beforeAll(() => {
    // Another uid than the engine's: anything the engine made as root would show.
    sb = makeSandbox({ uid: OTHER_UID });
    const home = sb.root;
    mkdirSync(path.join(home, '.fakecred'));
    writeFileSync(path.join(home, '.fakecred', 'token'), 'secret-token\n');
    mkdirSync(path.join(home, '.kube'));
    writeFileSync(path.join(home, '.kube', 'config'), 'kube-config\n');
    writeFileSync(path.join(home, '.notes'), 'old\n');
    for (const p of ['.fakecred', '.fakecred/token', '.kube', '.kube/config', '.notes']) {
      chownSync(path.join(home, p), sb.uid, sb.gid);
    }
    writeRecipe(sb, { name: 'dotfiles', image: inject('fixtureImage'), home: ['.fakecred', '.kube/config', '.notes:rw', '.absent'] });
  });

  it('reads them in its own HOME, read-only unless rw, and writes through an rw one', async () => {
    const script = 'cat "$HOME/.fakecred/token" "$HOME/.kube/config"; (echo x > "$HOME/.fakecred/new") 2>/dev/null || echo read-only; echo new > "$HOME/.notes"; test -e "$HOME/.absent" || echo absent; echo "$HOME"';
    const r = await berth(sb, ['run', ...flags, 'dotfiles', 'sh', '-c', script]);
    expect(r.code, r.stderr).toBe(0);
    const [token, kube, ro, absent, home] = r.stdout.toString().trimEnd().split('\n');
    expect([token, kube, ro, absent]).toEqual(['secret-token', 'kube-config', 'read-only', 'absent']);
    expect(home).toBe(path.join(sb.cache, 'berth', 'home', 'dotfiles'));
    expect(readFileSync(path.join(sb.root, '.notes'), 'utf8')).toBe('new\n');
    // The mount points berth made in the tool's HOME are the user's.
    for (const p of ['.fakecred', '.kube/config', '.notes']) expect(statSync(path.join(home!, p)).uid).toBe(sb.uid);
  });

  afterAll(async () => {
    await berth(sb, ['warm', 'stop']);
  });

  it('are in the permission summary of berth info', async () => {
    const r = await berth(sb, ['info', 'dotfiles']);
    expect(r.stdout.toString()).toContain('  your files ~/.fakecred (read-only), ~/.kube/config (read-only), ~/.notes (read-write), ~/.absent (read-only)\n');
  });
});
