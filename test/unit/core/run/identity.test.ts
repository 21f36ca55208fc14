import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostIdentity, identityFiles, toolHome, type Identity } from '../../../../src/core/run/identity.js';

let root: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-identity-')));
  env = { XDG_CACHE_HOME: path.join(root, 'cache') };
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const ann: Identity = { uid: 1000, gid: 1000, name: 'ann' };
const lines = (file: string) => readFileSync(file, 'utf8').split('\n');

describe('who the tool runs as', () => {
  it('is the invoking uid and gid, under a name any passwd file can hold (root for uid 0)', () => {
    const id = hostIdentity();
    expect([id.uid, id.gid]).toEqual([process.getuid!(), process.getgid!()]);
    expect(id.name).toMatch(/^[a-z_][a-z0-9_-]{0,31}$/i);
    if (id.uid === 0) expect(id.name).toBe('root');
  });
});

describe('passwd and group files', () => {
  it("name only root, the user (with the tool's HOME) and nobody, in berth's cache, private", () => {
    const files = identityFiles(ann, 'jq', '/cache/home/jq', env);
    expect(files).toEqual({
      passwd: path.join(root, 'cache', 'berth', 'identity', '1000-1000', 'jq', 'passwd'),
      group: path.join(root, 'cache', 'berth', 'identity', '1000-1000', 'jq', 'group'),
    });
    expect(lines(files.passwd)).toEqual(['root:x:0:0:root:/root:/bin/sh', 'ann:x:1000:1000:ann:/cache/home/jq:/bin/sh', 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin', '']);
    expect(lines(files.group)).toEqual(['root:x:0:', 'ann:x:1000:', 'nogroup:x:65534:', '']);
    for (const file of Object.values(files)) expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("give root the tool's HOME when the user is root, and add no group for gid 0", () => {
    const asRoot = identityFiles({ uid: 0, gid: 0, name: 'root' }, 'jq', '/cache/home/jq', env);
    expect(lines(asRoot.passwd)).toEqual(['root:x:0:0:root:/cache/home/jq:/bin/sh', 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin', '']);
    expect(lines(asRoot.group)).toEqual(['root:x:0:', 'nogroup:x:65534:', '']);
    const inRootGroup = identityFiles({ uid: 1000, gid: 0, name: 'ann' }, 'jq', '/h', env);
    expect(lines(inRootGroup.group)).toEqual(['root:x:0:', 'nogroup:x:65534:', '']);
  });

  it('are a pair per user and tool, each naming its own HOME', () => {
    const jq = identityFiles(ann, 'jq', '/cache/home/jq', env);
    const yq = identityFiles(ann, 'yq', '/cache/home/yq', env);
    const bob = identityFiles({ uid: 1001, gid: 1001, name: 'bob' }, 'jq', '/cache/home/jq', env);
    expect(new Set([jq.passwd, yq.passwd, bob.passwd]).size).toBe(3);
    expect(readFileSync(yq.passwd, 'utf8')).toContain('ann:x:1000:1000:ann:/cache/home/yq:/bin/sh');
    expect(readFileSync(jq.passwd, 'utf8')).toContain('ann:x:1000:1000:ann:/cache/home/jq:/bin/sh');
  });

  it('are left untouched when already right, and rewritten when the HOME changes', () => {
    const first = identityFiles(ann, 'jq', '/cache/home/jq', env);
    const before = statSync(first.passwd, { bigint: true });
    identityFiles(ann, 'jq', '/cache/home/jq', env);
    const same = statSync(first.passwd, { bigint: true });
    expect([same.ino, same.mtimeNs]).toEqual([before.ino, before.mtimeNs]);
    identityFiles(ann, 'jq', '/elsewhere/jq', env);
    expect(readFileSync(first.passwd, 'utf8')).toContain(':/elsewhere/jq:');
  });
});

describe("the tool's HOME", () => {
  it("is a private directory per tool in berth's cache, made on first use", () => {
    const home = toolHome('jq', env);
    expect(home).toBe(path.join(root, 'cache', 'berth', 'home', 'jq'));
    expect(statSync(home).isDirectory()).toBe(true);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(toolHome('yq', env)).not.toBe(home);
  });

  it('is named by its real path when the cache is reached through a symlink (the mount and HOME agree)', () => {
    mkdirSync(path.join(root, 'real-cache'));
    symlinkSync(path.join(root, 'real-cache'), path.join(root, 'cache'));
    expect(toolHome('jq', env)).toBe(path.join(root, 'real-cache', 'berth', 'home', 'jq'));
  });
});
