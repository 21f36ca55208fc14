import { existsSync, readFileSync } from 'node:fs';
import { InputError } from '../platform/errors.js';
import { writePrivateFile } from '../platform/files.js';
import { readInputFile } from '../platform/input-file.js';
import { hostCaBundleCandidates, hostCaCopyFile } from '../platform/paths.js';

/**
 * The host's network trust, given to what uses the network (a tool whose network is not `none`,
 * and every build): its proxy variables and its CA certificates. Behind a TLS-intercepting proxy
 * the host trusts an extra CA; a container with only its image's CAs fails (npm:
 * SELF_SIGNED_CERT_IN_CHAIN). Never given to a `network: none` tool: it has no use for them.
 */

/** Where the host's CA certificates are in a container (a path no image uses for its own). */
export const HOST_CA_TARGET = '/etc/berth/host-ca.pem';

/**
 * The variables that point TLS clients at a CA bundle: OpenSSL and what uses its default
 * (Python's ssl, Ruby, Go, wget), Node (added to its own CAs, not replacing them), Python's
 * requests, curl, git, pip, cargo, the AWS CLI and Deno.
 */
export const CA_VARIABLES = [
  'SSL_CERT_FILE',
  'NODE_EXTRA_CA_CERTS',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'GIT_SSL_CAINFO',
  'PIP_CERT',
  'CARGO_HTTP_CAINFO',
  'AWS_CA_BUNDLE',
  'DENO_CERT',
] as const;

/** The proxy variables, in the case most tools read; each is passed in both cases (curl reads only http_proxy, Go both). */
export const PROXY_VARIABLES = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY'] as const;

/**
 * The host's proxy settings, as NAME=VALUE pairs in both cases: a variable set in one case only is
 * given in both, one set in both keeps each case's value. Empty ones are left out.
 */
export function proxyEnv(env: NodeJS.ProcessEnv): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const upper of PROXY_VARIABLES) {
    const lower = upper.toLowerCase();
    const upperValue = env[upper] || env[lower];
    const lowerValue = env[lower] || env[upper];
    if (upperValue) pairs.push([upper, upperValue]);
    if (lowerValue) pairs.push([lower, lowerValue]);
  }
  return pairs;
}

/** The CA variables, each pointing at `target`. */
export function caEnv(target = HOST_CA_TARGET): Array<[string, string]> {
  return CA_VARIABLES.map((name) => [name, target]);
}

/** The most berth reads of a CA bundle: a full system bundle is about 220 kB. */
const BUNDLE_LIMIT = 16 * 1024 * 1024;
const CERTIFICATE = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/g;

/**
 * The certificates of a PEM text, and nothing else: a bundle path that leads somewhere odd (a
 * symlink to a key, a file with a private key appended) gives the container no more than
 * certificates, which are public.
 */
export function certificatesOf(text: string): string[] {
  return text.match(CERTIFICATE) ?? [];
}

/**
 * berth's copy of the host's CA certificates, for a tool or a build to get read-only; undefined
 * when the host has no bundle berth knows of (or one with no certificate in it). The first
 * candidate that exists is read (as a regular file, through its descriptor, with a size limit:
 * a FIFO or a device there is refused, not waited on), its certificates only are written to
 * berth's private cache, and that copy is what the engine mounts: no path the host's files name
 * reaches the engine, so a link swapped in later cannot widen what the tool sees.
 */
export function hostCaBundle(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const source = hostCaBundleCandidates(env).find((file) => existsSync(file));
  if (source === undefined) return undefined;
  let text: string;
  try {
    text = readInputFile(source, BUNDLE_LIMIT).toString('latin1');
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`the host's CA bundle ${error.message} (turn the host's CA trust off with --no-host-ca, or berth config set hostCa false)`, source);
    throw error;
  }
  const certificates = certificatesOf(text);
  if (certificates.length === 0) return undefined;
  const copy = hostCaCopyFile(env);
  const content = `${certificates.join('\n')}\n`;
  let current: string | undefined;
  try {
    current = readFileSync(copy, 'latin1');
  } catch {
    current = undefined;
  }
  // 0644: certificates are public, and a tool that runs as its image's own user (not the
  // invoking one) must read them too.
  if (current !== content) writePrivateFile(copy, Buffer.from(content, 'latin1'), { mode: 0o644 });
  return copy;
}
