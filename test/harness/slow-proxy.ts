/** A relay in front of the test registry that makes pulls slow (see startSlowProxy). */
import { createServer as createHttpServer, request } from 'node:http';

export interface SlowProxy {
  /** `127.0.0.1:PORT`, to prefix image references with (the same repositories as the registry's). */
  host: string;
  /** Manifest and blob requests relayed so far (`GET /v2/NAME/manifests/REF` and the like). */
  requests: () => string[];
  stop(): Promise<void>;
}

/**
 * A plain HTTP relay in front of `upstream` (a registry's `127.0.0.1:PORT`) that holds every
 * manifest and blob request for `delayMs` before relaying it, so that a pull through it takes that
 * long at least even when the engine has every layer already: pulls that start together overlap.
 */
export async function startSlowProxy(upstream: string, delayMs: number): Promise<SlowProxy> {
  const [upstreamHost, upstreamPort] = upstream.split(':') as [string, string];
  const seen: string[] = [];
  const server = createHttpServer((req, res) => {
    const slow = /^\/v2\/.+\/(manifests|blobs)\//.test(req.url ?? '');
    if (slow) seen.push(`${req.method} ${req.url}`);
    const relay = () => {
      const out = request(
        { host: upstreamHost, port: Number(upstreamPort), method: req.method, path: req.url, headers: req.headers, agent: false },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      req.pipe(out);
    };
    if (slow) setTimeout(relay, delayMs);
    else relay();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    host: `127.0.0.1:${port}`,
    requests: () => [...seen],
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
