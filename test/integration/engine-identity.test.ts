// Rootless or not comes from the engine, never from who owns the socket (issue 11): a rootful
// dockerd reached through a socket the user owns must still run `user: host` tools as the user.
import { chownSync, chmodSync, readFileSync, statSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { berth, makeSandbox, OTHER_UID, writeRecipe, type Sandbox } from '../support/berth.js';

const ENGINE = '/var/run/docker.sock';

const open = new Set<Socket>();

/** A socket at `file`, owned by `uid`, 0600, whose connections `handle` serves. */
function listen(file: string, uid: number, gid: number, handle: (client: Socket) => void): Promise<Server> {
  // Half-open both ways: a tool's stdin ends with a half-close (attach), and its output follows.
  const server = createServer({ allowHalfOpen: true }, (client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    handle(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(file, () => {
      chownSync(file, uid, gid);
      chmodSync(file, 0o600);
      resolve(server);
    });
  });
}

/** A socket proxy to the rootful engine (what socat, ssh -L or a socket proxy make). */
function proxy(client: Socket): void {
  const upstream = connect({ path: ENGINE, allowHalfOpen: true });
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
}

/** An engine stand-in that answers every request with `info` (only /info is asked by a dry run). */
function answering(info: unknown): (client: Socket) => void {
  const body = JSON.stringify(info);
  return (client) => {
    client.on('error', () => undefined);
    client.on('end', () => client.end());
    client.on('data', () => client.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`));
  };
}

/** Stops listening (the socket file goes) and drops what is still connected. */
function close(server: Server | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!server?.listening) return resolve();
    server.close(() => resolve());
    for (const client of open) client.destroy();
  });
}

describe('the engine says whether it is rootless', () => {
  let other: Sandbox;
  let socket: string;
  let server: Server | undefined;
  const env = () => ({ DOCKER_HOST: `unix://${socket}` });

  beforeAll(() => {
    other = makeSandbox({ uid: OTHER_UID });
    socket = path.join(other.root, 'engine.sock');
    writeRecipe(other, { name: 'fx', image: inject('fixtureImage') });
  });

  afterEach(async () => {
    await close(server);
    server = undefined;
  });

  afterAll(async () => {
    await close(server);
  });

  it('a rootful engine behind a socket the user owns runs the tool as the user, and its files are the user\'s', async () => {
    server = await listen(socket, OTHER_UID, other.gid, proxy);
    expect(statSync(socket).uid).toBe(OTHER_UID);
    const r = await berth(other, ['run', 'fx', 'sh', '-c', 'id -u; id -g; write-file written.txt by-the-tool'], { env: env() });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout.toString()).toBe(`${OTHER_UID}\n${other.gid}\n`);
    const written = path.join(other.work, 'written.txt');
    expect(readFileSync(written, 'utf8')).toBe('by-the-tool');
    expect([statSync(written).uid, statSync(written).gid]).toEqual([OTHER_UID, other.gid]);
    // The second run takes the kept answer, with the same result.
    const again = await berth(other, ['run', 'fx', 'id', '-u'], { env: env() });
    expect(again.stdout.toString()).toBe(`${OTHER_UID}\n`);
  });

  it('--dry-run asks too: no --user only where the engine says rootless, and a new socket is asked again', async () => {
    const userFlag = `--user ${OTHER_UID}:${other.gid}`;
    server = await listen(socket, OTHER_UID, other.gid, answering({ SecurityOptions: ['name=seccomp,profile=default', 'name=rootless'] }));
    const rootless = await berth(other, ['run', '--dry-run', 'fx', 'true'], { env: env() });
    expect([rootless.code, rootless.stderr]).toEqual([0, '']);
    expect(rootless.stdout.toString()).not.toContain('--user');
    await close(server);
    // Swapped for a proxy to the rootful engine at the same path: the kept "rootless" is not used.
    // (Past the clock tick that stamps the socket's ctime, should its inode number be reused.)
    await new Promise((r) => setTimeout(r, 20));
    server = await listen(socket, OTHER_UID, other.gid, proxy);
    const rootful = await berth(other, ['run', '--dry-run', 'fx', 'true'], { env: env() });
    expect([rootful.code, rootful.stderr]).toEqual([0, '']);
    expect(rootful.stdout.toString()).toContain(userFlag);
  });

  it('an engine that gives no usable answer is taken for rootful', async () => {
    server = await listen(socket, OTHER_UID, other.gid, answering('not an object'));
    const r = await berth(other, ['run', '--dry-run', 'fx', 'true'], { env: env() });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout.toString()).toContain(`--user ${OTHER_UID}:${other.gid}`);
  });
});
