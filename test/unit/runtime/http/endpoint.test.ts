// Reading an ssh:// endpoint (DOCKER_HOST, or a docker context's): as the docker CLI reads it.
import { describe, expect, it } from 'vitest';
import { engineTarget } from '../../../../src/runtime/http/endpoint.js';

describe('engineTarget of ssh://', () => {
  const target = (url: string) => engineTarget({ DOCKER_HOST: url });

  it('takes the user, the host and the port when given', () => {
    expect(target('ssh://me@build.example:2222')).toEqual({ kind: 'ssh', url: 'ssh://me@build.example:2222', user: 'me', hostname: 'build.example', port: 2222, host: 'docker' });
    expect(target('ssh://build.example')).toMatchObject({ kind: 'ssh', user: undefined, hostname: 'build.example', port: 0 });
    expect(target('ssh://me@[::1]:22')).toMatchObject({ hostname: '::1', port: 22 });
  });

  it('refuses what is not an ssh://[user@]host[:port] address, in one line', () => {
    expect(() => target('ssh://me:secret@host')).toThrow(/has a password/);
    expect(() => target('ssh://host/var/run/docker.sock')).toThrow(/has a path/);
    expect(() => target('ssh://-oProxyCommand=x')).toThrow(/not one/);
    expect(() => target('ssh://-l@host')).toThrow(/not an ssh user name/);
  });

  it('still refuses schemes berth does not speak', () => {
    expect(() => target('npipe:////./pipe/docker_engine')).toThrow(/unix:\/\/, tcp:\/\/ and ssh:\/\//);
  });
});
