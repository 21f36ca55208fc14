import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { EngineError } from '../../platform/errors.js';
import { TAG_PATTERN } from '../../core/image-reference.js';
import type { RegistryAuth } from './credentials.js';

/**
 * A repository's tags, read from the registry itself (`GET /v2/<name>/tags/list`, the
 * distribution API), for `berth outdated`: the engine has no call for it. The registry's answers
 * are hostile input: each request has a deadline, each answer a size limit, the pages a count,
 * and a next page must stay on the registry's own host (credentials go nowhere else).
 */
export interface TagListOptions {
  auth?: RegistryAuth;
  /** Each request's deadline (default 15 s). */
  timeoutMs?: number;
  /** The whole listing's deadline (default 60 s). */
  totalMs?: number;
  /** At most this many pages (default 100) and tags (default 100,000). */
  maxPages?: number;
  maxTags?: number;
}

/** A registry that could not be reached, or that would not list the tags: one line, exit 125. */
export class RegistryError extends EngineError {
  constructor(
    readonly registry: string,
    message: string,
    readonly unreachable = false,
  ) {
    super(message);
  }
}

/** The bytes one answer may have: a page of 1,000 tags is ~30 kB; a token ~2 kB. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
const PAGE_SIZE = 1000;

/** The host that serves a registry's API: Docker Hub's references name docker.io. */
export function registryHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

/**
 * How to reach a registry: over TLS, except a registry on the loopback interface, which the
 * engine too takes as insecure (plain HTTP) without configuration (the local registries of tests
 * and of `registry:2` on a laptop).
 */
export function registryOrigin(registry: string): string {
  const host = registryHost(registry);
  const name = host.replace(/:\d+$/, '');
  const loopback = name === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(name) || name === '[::1]';
  return `${loopback ? 'http' : 'https'}://${host}`;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One GET (or POST of a form), within its deadline and size limit. */
function fetchText(url: URL, headers: Record<string, string>, timeoutMs: number, signal: AbortSignal, form?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const body = form === undefined ? undefined : Buffer.from(form);
    const req = send(
      url,
      {
        method: body ? 'POST' : 'GET',
        headers: { 'User-Agent': 'berth', Accept: 'application/json', ...headers, ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(body.length) } : {}) },
        agent: false,
        timeout: timeoutMs,
        signal,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            req.destroy(Object.assign(new Error(`its answer was larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB`), { code: 'EBERTHTOOLARGE' }));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    // A deadline between bytes too: a registry that answers a byte a minute is stalled.
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

/** `Bearer realm="…",service="…"` → { scheme, params }. */
export function parseChallenge(header: string | undefined): { scheme: string; params: Record<string, string> } | undefined {
  if (!header) return undefined;
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const p of match[2]!.matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) params[p[1]!.toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  return { scheme: match[1]!.toLowerCase(), params };
}

/** `<…>; rel="next"` → the next page's URL, kept on the registry's origin. */
export function nextPage(link: string | string[] | undefined, current: URL): URL | undefined {
  const header = Array.isArray(link) ? link.join(',') : link;
  if (!header) return undefined;
  const match = /<([^>]*)>\s*;[^,]*rel="?next"?/i.exec(header);
  if (!match) return undefined;
  const next = new URL(match[1]!, current);
  if (next.origin !== current.origin) throw new Error(`its next page points to another host (${next.origin})`);
  return next;
}

function basic(auth: RegistryAuth | undefined): string | undefined {
  return auth?.username !== undefined ? `Basic ${Buffer.from(`${auth.username}:${auth.password ?? ''}`).toString('base64')}` : undefined;
}

/** A bearer token from the registry's token service, for pulling `repository` (anonymously when there are no credentials). */
async function bearerToken(params: Record<string, string>, repository: string, auth: RegistryAuth | undefined, origin: URL, timeoutMs: number, signal: AbortSignal): Promise<string> {
  if (!params.realm) throw new Error('it asked for a token without saying where to get one');
  const realm = new URL(params.realm);
  // The token service gets the user's credentials: only over TLS, unless the registry itself is plain HTTP.
  if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && origin.protocol === 'http:')) throw new Error(`its token service ${realm.origin} is not https`);
  const scope = `repository:${repository}:pull`;
  let answer: Answer;
  if (auth?.identitytoken) {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: auth.identitytoken, service: params.service ?? '', scope, client_id: 'berth' });
    answer = await fetchText(realm, {}, timeoutMs, signal, form.toString());
  } else {
    if (params.service) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', scope);
    const authorization = basic(auth);
    answer = await fetchText(realm, authorization ? { Authorization: authorization } : {}, timeoutMs, signal);
  }
  if (answer.status === 401 || answer.status === 403) throw Object.assign(new Error(`its token service refused (HTTP ${answer.status})`), { refused: true });
  if (answer.status !== 200) throw new Error(`its token service answered HTTP ${answer.status}`);
  const parsed = parseJson(answer.body) as { token?: unknown; access_token?: unknown } | undefined;
  const token = parsed?.token ?? parsed?.access_token;
  if (typeof token !== 'string' || token === '' || /[\r\n]/.test(token)) throw new Error('its token service gave no token');
  return token;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The node error codes of a registry that cannot be reached (offline, no such host, refused, stalled). */
const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ABORT_ERR', 'EPIPE']);

/**
 * Every tag of `repository` at `registry` (host[:port] as a reference names it; docker.io for
 * Docker Hub), page after page. Tags that are not valid tags are dropped. Throws a RegistryError.
 */
export async function listTags(registry: string, repository: string, options: TagListOptions = {}): Promise<string[]> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxPages = options.maxPages ?? 100;
  const maxTags = options.maxTags ?? 100_000;
  const signal = AbortSignal.timeout(options.totalMs ?? 60_000);
  const origin = new URL(registryOrigin(registry));
  let url: URL | undefined = new URL(`/v2/${repository}/tags/list?n=${PAGE_SIZE}`, origin);
  let authorization: string | undefined;
  const tags = new Set<string>();
  const seen = new Set<string>();
  const where = `${registry} (${repository})`;
  try {
    for (let page = 0; url; page++) {
      if (page >= maxPages) throw new Error(`it listed more than ${maxPages} pages of tags`);
      if (seen.has(url.href)) throw new Error('its pages go round in a loop');
      seen.add(url.href);
      let answer = await fetchText(url, authorization ? { Authorization: authorization } : {}, timeoutMs, signal);
      if (answer.status === 401 && authorization === undefined) {
        const challenge = parseChallenge(answer.headers['www-authenticate']);
        if (challenge?.scheme === 'bearer') authorization = `Bearer ${await bearerToken(challenge.params, repository, options.auth, origin, timeoutMs, signal)}`;
        else if (challenge?.scheme === 'basic' && basic(options.auth)) authorization = basic(options.auth);
        if (authorization) answer = await fetchText(url, { Authorization: authorization }, timeoutMs, signal);
      }
      if (answer.status === 401 || answer.status === 403) throw Object.assign(new Error(`it refused to list the tags (HTTP ${answer.status})`), { refused: true });
      if (answer.status === 404) throw new Error(`it has no repository ${repository} (HTTP 404)`);
      if (answer.status !== 200) throw new Error(`it answered HTTP ${answer.status}`);
      const body = parseJson(answer.body) as { tags?: unknown } | undefined;
      if (typeof body !== 'object' || body === null || !(body.tags === null || body.tags === undefined || Array.isArray(body.tags))) {
        throw new Error('its tag list is not the JSON the registry API describes');
      }
      for (const tag of (body.tags as unknown[] | null | undefined) ?? []) {
        if (typeof tag === 'string' && TAG_PATTERN.test(tag)) tags.add(tag);
        if (tags.size > maxTags) throw new Error(`it listed more than ${maxTags} tags`);
      }
      url = nextPage(answer.headers.link, url);
    }
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { refused?: boolean };
    if (e.code !== undefined && UNREACHABLE.has(e.code) || e.name === 'AbortError' || e.name === 'TimeoutError') {
      const why = e.name === 'AbortError' || e.name === 'TimeoutError' ? `no answer within ${(options.totalMs ?? 60_000) / 1000} s` : `${e.code}: ${e.message}`;
      throw new RegistryError(registry, `registry ${registry} is unreachable (${why})`, true);
    }
    const hint = e.refused ? `; log in with docker login ${registry} (berth uses docker's credentials)` : '';
    throw new RegistryError(registry, `registry ${where}: ${e.message}${hint}`);
  }
  return [...tags];
}
