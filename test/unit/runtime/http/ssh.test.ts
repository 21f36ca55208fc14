import { describe, expect, it } from 'vitest';
import { controlSocketFor, sshCommand } from '../../../../src/runtime/http/ssh.js';

describe('sshCommand', () => {
  it('shares one connection through the control socket, never prompts, has a connect deadline, and ends options before the host', () => {
    const args = sshCommand({ url: 'ssh://me@h:2222', user: 'me', hostname: 'h', port: 2222 }, '/run/user/1/berth/ssh-x');
    expect(args).toEqual([
      '-o', 'ControlMaster=auto', '-o', 'ControlPath=/run/user/1/berth/ssh-x', '-o', 'ControlPersist=60',
      '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10',
      '-l', 'me', '-p', '2222', '--', 'h', 'docker', 'system', 'dial-stdio',
    ]);
  });

  it("leaves the port and user to ssh's config when the address has none, and adds no trust of its own", () => {
    const args = sshCommand({ url: 'ssh://h', hostname: 'h', port: 0 }, undefined);
    expect(args).toEqual(['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '--', 'h', 'docker', 'system', 'dial-stdio']);
    expect(args.join(' ')).not.toMatch(/StrictHostKeyChecking|UserKnownHostsFile/);
  });
});

describe('controlSocketFor', () => {
  it('gives up sharing where the socket path would be too long for ssh to make it', () => {
    expect(controlSocketFor(`/tmp/${'x'.repeat(100)}/ssh-0123456789abcdef`)).toBeUndefined();
  });
});
