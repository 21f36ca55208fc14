/**
 * Image references as docker understands them: [registry/]repository[:tag][@digest].
 * Parsed once here so the recipe checks, the registry mirror and the puller agree.
 */
export interface ImageReference {
  /** Registry host (with port), `docker.io` when the reference names none. */
  registry: string;
  /** Repository path, with `library/` for docker.io official images. */
  repository: string;
  tag?: string;
  digest?: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
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
    if (!isDigest(digest)) throw new Error(`"${digest}" is not a sha256 digest (sha256: and 64 hex digits)`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new Error(`"${tag}" is not a valid tag`);
  }
  let registry = 'docker.io';
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') {
    registry = first;
    rest = rest.slice(slash + 1);
  }
  if (registry === 'index.docker.io') registry = 'docker.io';
  if (registry === 'docker.io' && !rest.includes('/')) rest = `library/${rest}`;
  if (!REPOSITORY.test(rest)) throw new Error(`"${rest}" is not a valid repository name`);
  return { registry, repository: rest, tag, digest };
}

/** The canonical string: registry/repository[:tag][@digest]. */
export function formatImageReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
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
