// With no endpoint configured, berth finds the local engine: Docker's socket, else Podman's.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localSockets, pickSocket } from '../../../../src/runtime/http/endpoint.js';

describe('localSockets', () => {
  it('looks at Docker (per-user, then system), then rootless Podman, then rootful Podman', () => {
    expect(localSockets({ XDG_RUNTIME_DIR: '/run/user/1000' })).toEqual([
      path.join(homedir(), '.docker', 'run', 'docker.sock'),
      '/var/run/docker.sock',
      '/run/user/1000/podman/podman.sock',
      '/run/podman/podman.sock',
    ]);
    expect(localSockets({})).toEqual([path.join(homedir(), '.docker', 'run', 'docker.sock'), '/var/run/docker.sock', '/run/podman/podman.sock']);
  });
});

describe('pickSocket', () => {
  let dir: string;
  const at = (name: string) => path.join(dir, name);
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'berth-local-socket-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the first that exists', () => {
    writeFileSync(at('podman.sock'), '');
    expect(pickSocket([at('docker.sock'), at('podman.sock')])).toBe(at('podman.sock'));
    writeFileSync(at('docker.sock'), '');
    expect(pickSocket([at('docker.sock'), at('podman.sock')])).toBe(at('docker.sock'));
  });

  it.skipIf(process.getuid?.() === 0)('passes over one this user may not write for one they may, and else keeps it (its refusal is the error)', () => {
    writeFileSync(at('docker.sock'), '');
    chmodSync(at('docker.sock'), 0o400);
    writeFileSync(at('podman.sock'), '');
    expect(pickSocket([at('docker.sock'), at('podman.sock')])).toBe(at('podman.sock'));
    expect(pickSocket([at('docker.sock'), at('none.sock')])).toBe(at('docker.sock'));
  });

  it('names the system Docker socket when there is none', () => {
    expect(pickSocket([at('docker.sock'), at('podman.sock')])).toBe('/var/run/docker.sock');
  });
});
