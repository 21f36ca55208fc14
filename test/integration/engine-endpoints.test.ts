// How berth reaches the engine: DOCKER_HOST over TCP, over TLS with client certificates (as
// `dockerd --tlsverify` wants), and the docker context in use. The engine here listens on its
// unix socket only, so each test puts a relay in front of it (plain TCP, or TLS that verifies
// the client's certificate) and checks that berth's requests went through the relay.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { berth, makeSandbox, writeRecipe, type Sandbox } from '../support/berth.js';

interface Relay {
  port: number;
  /** Connections relayed so far. */
  connections: () => number;
  /** The request lines (`POST /v1.41/images/create?... HTTP/1.1`) relayed so far, in order. */
  requests: () => string[];
  close: () => Promise<void>;
}

/** Changes to what passes through a relay: berth's requests, the engine's answers. */
interface Rewrite {
  requests?: (chunk: Buffer) => Buffer;
  answers?: (chunk: Buffer) => Buffer;
}

/**
 * Listens on a free loopback port and relays every connection (`event`: plain, or after TLS) to
 * the engine's socket, rewritten on the way as `rewrite` says.
 */
async function relay(server: Server, event: 'connection' | 'secureConnection', rewrite: Rewrite = {}): Promise<Relay> {
  let count = 0;
  const requests: string[] = [];
  // Every socket, so that closing the relay does not wait for half-open ones (a refused TLS client).
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  };
  server.on('connection', track);
  server.on(event, (client: Socket) => {
    count++;
    // Half-open both ways: berth ends stdin while the tool still writes.
    const engine = connect({ path: '/var/run/docker.sock', allowHalfOpen: true });
    track(client);
    track(engine);
    // berth's requests are small: the lines that start one are read off what passes.
    client.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('latin1').split('\r\n')) if (/^[A-Z]+ \/\S* HTTP\/1\.[01]$/.test(line)) requests.push(line);
    });
    const pass = (from: Socket, to: Socket, change?: (chunk: Buffer) => Buffer) => {
      if (!change) return void from.pipe(to);
      from.on('data', (chunk: Buffer) => to.write(change(chunk)));
      from.on('end', () => to.end());
    };
    pass(client, engine, rewrite.requests);
    pass(engine, client, rewrite.answers);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => count,
    requests: () => [...requests],
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A CA, a server certificate for localhost and a client certificate, made with openssl. */
function certificates(dir: string, name: string): string {
  const d = path.join(dir, name);
  mkdirSync(d, { recursive: true });
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name} test CA`, '-keyout', 'ca-key.pem', '-out', 'ca.pem');
  writeFileSync(path.join(d, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  writeFileSync(path.join(d, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [who, cn] of [['server', 'localhost'], ['client', 'berth test client']] as const) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${who}-key.pem`, '-out', `${who}.csr`);
    openssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '2', '-extfile', `${who}.ext`, '-out', `${who}.pem`);
  }
  // DOCKER_CERT_PATH's names: ca.pem, cert.pem and key.pem are the client's.
  const client = path.join(d, 'client-certs');
  mkdirSync(client);
  writeFileSync(path.join(client, 'ca.pem'), readFileSync(path.join(d, 'ca.pem')));
  writeFileSync(path.join(client, 'cert.pem'), readFileSync(path.join(d, 'client.pem')));
  writeFileSync(path.join(client, 'key.pem'), readFileSync(path.join(d, 'client-key.pem')));
  return d;
}

/**
 * Runs a warm call twice through a relay that rewrites as `rewrite` says, and checks that each ran
 * fresh, the first saying why (`reason`), and that no warm container is left.
 */
async function runsFreshSayingWhy(tool: string, rewrite: Rewrite, reason: string): Promise<void> {
  const sb = makeSandbox();
  writeRecipe(sb, { name: tool, image: inject('fixtureImage') });
  const through = await relay(createServer({ allowHalfOpen: true }), 'connection', rewrite);
  const warmOf = () => execFileSync('docker', ['ps', '-aq', '--filter', 'label=berth.warm=true', '--filter', `label=berth.tool=${tool}`, '--filter', `volume=${sb.work}`], { encoding: 'utf8' }).trim();
  try {
    const env = { DOCKER_HOST: `tcp://127.0.0.1:${through.port}` };
    const first = await berth(sb, ['run', '--warm', tool, 'sh', '-c', 'echo ran; exit 4'], { env });
    expect([first.code, first.stdout.toString(), first.stderr]).toEqual([4, 'ran\n', `berth: ${tool}: not kept warm: ${reason}; it runs in a fresh container\n`]);
    const second = await berth(sb, ['run', '--warm', tool, 'echo', 'again'], { env });
    expect([second.code, second.stdout.toString(), second.stderr]).toEqual([0, 'again\n', '']);
    // (Nor is a container it gave up on kept.)
    expect(warmOf()).toBe('');
  } finally {
    await through.close();
    // (One a broken berth made.)
    const left = warmOf();
    if (left) execFileSync('docker', ['rm', '-f', ...left.split('\n')]);
  }
}

describe('warm, where a warm container cannot work', () => {
  it('runs the tool fresh, saying why once, on an engine of an architecture berth has no warm server for', async () => {
    // The engine as it would answer on s390x: its /version says so (the same length, so no
    // length the answer gives changes).
    const answers = (chunk: Buffer) => Buffer.from(chunk.toString('latin1').replaceAll('"Arch":"amd64"', '"Arch":"s390x"'), 'latin1');
    await runsFreshSayingWhy('fx-arch', { answers }, "berth has no warm server for s390x's architecture");
  });

  it("runs warm through exec, saying nothing, on an engine whose containers cannot share berth's socket directory (issue 14)", async () => {
    // As an engine in a VM would: the warm container's socket directory is not berth's (the
    // create request's bind source is moved to a sibling directory of the same length, made here).
    const requests = (chunk: Buffer) => {
      const moved = chunk.toString('latin1').replaceAll('/berth/warm/sockets/', '/berth/warm/socketz/');
      for (const [, dir] of moved.matchAll(/"Source":"([^"]*\/berth\/warm\/socketz\/[^"]*)"/g)) mkdirSync(dir!, { recursive: true, mode: 0o733 });
      return Buffer.from(moved, 'latin1');
    };
    const tool = 'fx-apart';
    const sb = makeSandbox();
    writeRecipe(sb, { name: tool, image: inject('fixtureImage') });
    const through = await relay(createServer({ allowHalfOpen: true }), 'connection', { requests });
    const warmOf = () => execFileSync('docker', ['ps', '-q', '--filter', 'label=berth.warm=true', '--filter', `label=berth.tool=${tool}`, '--filter', `volume=${sb.work}`], { encoding: 'utf8' }).trim();
    try {
      const env = { DOCKER_HOST: `tcp://127.0.0.1:${through.port}` };
      const first = await berth(sb, ['run', '--warm', tool, 'sh', '-c', 'echo ran; exit 4'], { env });
      expect([first.code, first.stdout.toString(), first.stderr]).toEqual([4, 'ran\n', '']);
      const kept = warmOf();
      expect(kept.split('\n').filter(Boolean)).toHaveLength(1);
      // The next call in the same container (its hostname is the container's short id).
      const second = await berth(sb, ['run', '--warm', tool, 'hostname'], { env });
      expect([second.code, second.stdout.toString(), second.stderr]).toEqual([0, `${kept.slice(0, 12)}\n`, '']);
    } finally {
      await through.close();
      const left = warmOf();
      if (left) execFileSync('docker', ['rm', '-f', ...left.split('\n')]);
    }
  });
});

describe('engine endpoints', () => {
  let sb: Sandbox;
  let tcp: Relay;
  let tls: Relay;
  let certs: string;
  let otherCerts: string;
  /** A run that uses create, attach (upgraded), start, wait and an exec, with stdin and an exit code. */
  const roundTrip = async (env: NodeJS.ProcessEnv, flags: string[] = []) => {
    const r = await berth(sb, ['run', ...flags, 'fx', 'sh', '-c', 'cat; echo "to stderr" >&2; exit 3'], { input: 'through the relay\n', env });
    return [r.code, r.stdout.toString(), r.stderr];
  };

  beforeAll(async () => {
    sb = makeSandbox();
    writeRecipe(sb, { name: 'fx', image: inject('fixtureImage') });
    certs = certificates(sb.root, 'good');
    otherCerts = certificates(sb.root, 'other');
    tcp = await relay(createServer({ allowHalfOpen: true }), 'connection');
    const read = (f: string) => readFileSync(path.join(certs, f));
    tls = await relay(createTlsServer({ key: read('server-key.pem'), cert: read('server.pem'), ca: read('ca.pem'), requestCert: true, rejectUnauthorized: true, allowHalfOpen: true }), 'secureConnection');
  });

  afterAll(async () => {
    await berth(sb, ['warm', 'stop'], { env: { DOCKER_HOST: undefined } });
    await tcp?.close();
    await tls?.close();
  });

  it('DOCKER_HOST=tcp://… : runs (fresh and warm) and pulls through it', async () => {
    const env = { DOCKER_HOST: `tcp://127.0.0.1:${tcp.port}` };
    const before = tcp.connections();
    expect(await roundTrip(env)).toEqual([3, 'through the relay\n', 'to stderr\n']);
    expect(await roundTrip(env, ['--warm'])).toEqual([3, 'through the relay\n', 'to stderr\n']);
    expect(tcp.connections()).toBeGreaterThan(before);
    // The pull itself went through the relay, not only the runs before it.
    const seen = tcp.requests().length;
    const pulled = await berth(sb, ['run', '--pull', 'always', '-q', '--image', `${inject('registry')}/berth-test/fixture:1`, 'fx', 'echo', 'pulled'], { env });
    expect([pulled.code, pulled.stdout.toString(), pulled.stderr]).toEqual([0, 'pulled\n', '']);
    const fromImage = encodeURIComponent(`${inject('registry')}/berth-test/fixture`);
    expect(tcp.requests().slice(seen).filter((line) => line.startsWith('POST ') && line.includes(`/images/create?fromImage=${fromImage}&`))).toHaveLength(1);
  });

  it('DOCKER_TLS_VERIFY with DOCKER_CERT_PATH: TLS with a client certificate', async () => {
    const env = { DOCKER_HOST: `tcp://localhost:${tls.port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: path.join(certs, 'client-certs') };
    const before = tls.connections();
    expect(await roundTrip(env)).toEqual([3, 'through the relay\n', 'to stderr\n']);
    expect(tls.connections()).toBeGreaterThan(before);
  });

  it('refuses an engine whose certificate its CA did not sign: one line, exit 125', async () => {
    const env = { DOCKER_HOST: `tcp://localhost:${tls.port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: path.join(otherCerts, 'client-certs') };
    const r = await berth(sb, ['run', 'fx', 'true'], { env });
    expect(r.code).toBe(125);
    const where = `tcp://localhost:${tls.port}`;
    expect(r.stderr).toMatch(new RegExp(`^berth: cannot reach the Docker engine at ${where}: TLS: .*certificate.* \\(certificates from ${path.join(otherCerts, 'client-certs')}\\)\n$`));
  });

  it('refuses an endpoint it cannot speak to (npipe://): one line, exit 125 (ssh://: ssh-engine.test.ts)', async () => {
    const r = await berth(sb, ['run', 'fx', 'true'], { env: { DOCKER_HOST: 'npipe:////./pipe/docker_engine' } });
    expect([r.code, r.stdout.toString()]).toEqual([125, '']);
    expect(r.stderr).toBe('berth: cannot reach the Docker engine at npipe:////./pipe/docker_engine: berth speaks to engines over unix://, tcp:// and ssh://\n');
  });

  it('the docker context in use, when DOCKER_HOST is not set', async () => {
    const config = path.join(sb.root, 'docker-config');
    const meta = path.join(config, 'contexts', 'meta', createHash('sha256').update('relayed').digest('hex'));
    mkdirSync(meta, { recursive: true });
    writeFileSync(path.join(config, 'config.json'), JSON.stringify({ currentContext: 'relayed' }));
    writeFileSync(path.join(meta, 'meta.json'), JSON.stringify({ Name: 'relayed', Endpoints: { docker: { Host: `tcp://127.0.0.1:${tcp.port}` } } }));
    const before = tcp.connections();
    expect(await roundTrip({ DOCKER_CONFIG: config, DOCKER_HOST: undefined })).toEqual([3, 'through the relay\n', 'to stderr\n']);
    expect(tcp.connections()).toBeGreaterThan(before);
  });

  it('DOCKER_CONTEXT names the context over config.json\'s currentContext', async () => {
    const config = path.join(sb.root, 'docker-config-env');
    const context = (name: string, host: string) => {
      const meta = path.join(config, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'));
      mkdirSync(meta, { recursive: true });
      writeFileSync(path.join(meta, 'meta.json'), JSON.stringify({ Name: name, Endpoints: { docker: { Host: host } } }));
    };
    // currentContext names an engine that is not there (nothing listens on port 9).
    context('nowhere', 'tcp://127.0.0.1:9');
    context('relayed', `tcp://127.0.0.1:${tcp.port}`);
    writeFileSync(path.join(config, 'config.json'), JSON.stringify({ currentContext: 'nowhere' }));
    const dead = await berth(sb, ['run', 'fx', 'true'], { env: { DOCKER_CONFIG: config, DOCKER_HOST: undefined } });
    expect([dead.code, dead.stderr]).toEqual([125, expect.stringContaining('cannot reach the Docker engine at tcp://127.0.0.1:9')]);
    const before = tcp.connections();
    expect(await roundTrip({ DOCKER_CONFIG: config, DOCKER_HOST: undefined, DOCKER_CONTEXT: 'relayed' })).toEqual([3, 'through the relay\n', 'to stderr\n']);
    expect(tcp.connections()).toBeGreaterThan(before);
  });
});
