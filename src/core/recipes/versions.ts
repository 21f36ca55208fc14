import semver, { type SemVer } from 'semver';
import { TAG_PATTERN } from '../image-reference.js';
import { VERSION_PATTERN } from '../patterns.js';

/**
 * Versions as a registry's tags carry them, for `berth outdated` and `berth upgrade`: a recipe's
 * image names its tag with a template (`{version}`, `v{version}`, `{version}-alpine`), so a tag
 * that fits the template carries a version, and those versions are ordered as semver orders them.
 */
export interface TagTemplate {
  /** The image without its tag: `docker.io/koalaman/shellcheck`. */
  repository: string;
  prefix: string;
  suffix: string;
}

/**
 * The tag template of a recipe's image, or a reason why there is none: an image without
 * `{version}` in its tag (one fixed tag) says nothing about newer versions.
 */
export function tagTemplate(image: string): TagTemplate | { reason: string } {
  const colon = image.lastIndexOf(':');
  const tag = colon > image.lastIndexOf('/') ? image.slice(colon + 1) : '';
  if (!tag.includes('{version}')) return { reason: `its image ${image} has no {version} in its tag` };
  const [prefix, suffix, ...more] = tag.split('{version}') as [string, string, ...string[]];
  if (more.length > 0 || image.slice(0, colon).includes('{version}')) return { reason: `its image ${image} puts {version} in more than one place` };
  return { repository: image.slice(0, colon), prefix, suffix };
}

/** The version a tag carries under `template`, or undefined when the tag does not fit it (or is junk). */
export function versionOfTag(template: Pick<TagTemplate, 'prefix' | 'suffix'>, tag: string): string | undefined {
  if (!TAG_PATTERN.test(tag) || tag.length <= template.prefix.length + template.suffix.length) return undefined;
  if (!tag.startsWith(template.prefix) || !tag.endsWith(template.suffix)) return undefined;
  const version = tag.slice(template.prefix.length, tag.length - template.suffix.length);
  return VERSION_PATTERN.test(version) ? version : undefined;
}

/** `1.7` and `9` are versions too (ffmpeg's, jq's): read as 1.7.0 and 9.0.0 to be compared. */
const SHORT_VERSION = /^(\d+)(?:\.(\d+))?((?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$/;

/** A version as semver reads it, or undefined for one it cannot order (a date, a word, four parts). */
export function semverOf(version: string): SemVer | undefined {
  // semver.parse would take `v1.2.3` and `=1.2.3` too: the template says whether a tag has a v.
  if (!/^\d/.test(version)) return undefined;
  const exact = semver.parse(version);
  if (exact) return exact;
  const short = SHORT_VERSION.exec(version);
  return short ? (semver.parse(`${short[1]}.${short[2] ?? '0'}.0${short[3]}`) ?? undefined) : undefined;
}

export interface NewestVersion {
  /** The newest version among the tags (the current one when nothing is newer). */
  newest: string;
  /** Whether `newest` is newer than the current version. */
  outdated: boolean;
}

/**
 * The newest version among `tags` against `current`, semver ordered; pre-releases count only when
 * asked for. Tags that do not fit the template, or carry no orderable version, are passed over.
 * Of two tags with the same version (`1.7` and `1.7.0`), the current one is kept, then the longer.
 */
export function newestVersion(current: string, tags: Iterable<string>, template: Pick<TagTemplate, 'prefix' | 'suffix'>, options: { prerelease?: boolean } = {}): NewestVersion | { reason: string } {
  const base = semverOf(current);
  if (!base) return { reason: `${current} is not a version berth can order (semver, such as 1.2.3)` };
  let newest = { version: current, semver: base };
  for (const tag of tags) {
    const version = versionOfTag(template, tag);
    if (version === undefined || version === current) continue;
    const parsed = semverOf(version);
    if (!parsed || (parsed.prerelease.length > 0 && !options.prerelease)) continue;
    const order = semver.compare(parsed, newest.semver);
    if (order > 0 || (order === 0 && newest.version !== current && version.length > newest.version.length)) newest = { version, semver: parsed };
  }
  return { newest: newest.version, outdated: newest.version !== current };
}

