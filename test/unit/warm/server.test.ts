import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverArchive, serverProgram } from '../../../src/warm/server.js';

describe('serverArchive', () => {
  it('is a tar of the server as .berth-server, mode 0755, that tar reads back byte for byte', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'berth-archive-'));
    try {
      writeFileSync(path.join(dir, 'server.tar'), (await serverArchive('x86_64'))!);
      execFileSync('tar', ['-xf', 'server.tar', '--no-same-owner'], { cwd: dir });
      const file = path.join(dir, '.berth-server');
      expect(statSync(file).mode & 0o777).toBe(0o755);
      expect(readFileSync(file).equals((await serverProgram('amd64'))!)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is undefined for an architecture berth has no server for', async () => {
    expect(await serverArchive('riscv64')).toBeUndefined();
  });
});
