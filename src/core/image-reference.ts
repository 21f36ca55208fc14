/**
 * Image references as docker understands them: [registry/]repository[:tag][@digest], checked
 * against docker's reference grammar (github.com/distribution/reference). Parsed and written
 * only here, so the recipe checks, berth.lock, the registry mirror and the puller agree.
 */
export interface ImageReference {
  /** The name as written, without tag or digest: `jq`, `ghcr.io/jqlang/jq`, `localhost:5000/a/b`. */
  name: string;
  /** Registry host (with port), `docker.io` when the reference names none. */
  registry: string;
  /** Repository path, with `library/` for docker.io official images. */
  repository: string;
  tag?: string;
  digest?: string;
}

/** The digests berth pins: sha256, lowercase, as registries and berth.lock write them. */
export const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

/** A tag as docker's reference grammar allows it. */
export const TAG_PATTERN = /^\w[\w.-]{0,127}$/;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
/** A host name or IPv4 address, or an IPv6 address in brackets; then an optional port. */
const REGISTRY = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
/** docker's limit on registry/repository. */
const NAME_MAX = 255;

/** Why `value` is not a digest berth accepts; undefined when it is one. */
export function digestProblem(value: string): string | undefined {
  return DIGEST_PATTERN.test(value) ? undefined : `"${value}" is not a sha256 digest (sha256: and 64 hex digits)`;
}

/** Parses a reference; throws an Error saying what is wrong with it. */
export function parseImageReference(ref: string): ImageReference {
  let rest = ref.trim();
  if (rest === '') throw new Error('an image reference is empty');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const problem = digestProblem(digest);
    if (problem) throw new Error(problem);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_PATTERN.test(tag)) throw new Error(`"${tag}" is not a valid tag`);
  }
  const name = rest;
  // As docker splits a name: its first part is a registry when it looks like a host.
  let registry = 'docker.io';
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') {
    if (!REGISTRY.test(first)) throw new Error(`"${first}" is not a valid registry host`);
    registry = first;
    rest = rest.slice(slash + 1);
  }
  if (registry === 'index.docker.io') registry = 'docker.io';
  if (registry === 'docker.io' && !rest.includes('/')) rest = `library/${rest}`;
  if (!REPOSITORY.test(rest)) throw new Error(`"${rest}" is not a valid repository name`);
  if (`${registry}/${rest}`.length > NAME_MAX) throw new Error(`"${name}" is too long: docker allows ${NAME_MAX} characters for registry/repository`);
  return { name, registry, repository: rest, tag, digest };
}

/** The canonical string: registry/repository[:tag][@digest]. */
export function formatImageReference(ref: Omit<ImageReference, 'name'>): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** A reference as the user wrote its name: name[:tag][@digest] (no registry or library/ added). */
export function writtenReference(ref: Pick<ImageReference, 'name' | 'tag' | 'digest'>): string {
  return `${ref.name}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/**
 * A registry mirror rewrites docker.io references to another host and keeps the repository,
 * tag and digest, as pull-through caches expect.
 */
export function applyMirror(ref: string, mirror: string | undefined): string {
  if (!mirror) return ref;
  const parsed = parseImageReference(ref);
  if (parsed.registry !== 'docker.io') return ref;
  return formatImageReference({ ...parsed, registry: mirror.replace(/^https?:\/\//, '').replace(/\/+$/, '') });
}
