/**
 * Platforms (`os/arch[/variant]`, as the engine and registries write them): a recipe's
 * `platforms:`, `berth run --platform`, the toolPlatforms setting, and the image the engine has.
 */
import { PLATFORM_PATTERN } from '../platform/settings.js';

export { PLATFORM_PATTERN };

export interface Platform {
  os: string;
  arch: string;
  variant?: string;
}

/** Normalizes what engines, uname and Node call an architecture to GOARCH, as image configs write it. */
export function goArch(arch: string): string {
  const a = arch.toLowerCase();
  if (a === 'x86_64' || a === 'x64' || a === 'amd64') return 'amd64';
  if (a === 'aarch64' || a === 'arm64' || a === 'arm64/v8') return 'arm64';
  if (a === 'armv7l' || a === 'armhf') return 'arm';
  return a;
}

export function parsePlatform(text: string): Platform | undefined {
  if (!PLATFORM_PATTERN.test(text)) return undefined;
  const [os, arch, variant] = text.split('/') as [string, string, string | undefined];
  return { os, arch: goArch(arch), variant };
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.arch}${p.variant ? `/${p.variant}` : ''}`;
}

/** Whether `offered` can serve `wanted`: same os and arch, and the variant when both say one. */
export function platformMatches(offered: Platform, wanted: Platform): boolean {
  return offered.os === wanted.os && offered.arch === wanted.arch && (!offered.variant || !wanted.variant || offered.variant === wanted.variant);
}

/** What the user can do when the image is of another architecture than the engine's. */
export function emulationHint(platform: string): string {
  return `run it emulated with --platform ${platform} (or berth config set toolPlatforms TOOL=${platform}) where the engine can (binfmt_misc with qemu-user-static on its host)`;
}

/** The platform an image's config says it is for; undefined when it says no architecture. */
export function imagePlatform(facts: { os?: string; architecture?: string; variant?: string }): Platform | undefined {
  if (!facts.architecture) return undefined;
  return { os: facts.os || 'linux', arch: goArch(facts.architecture), variant: facts.variant };
}

/**
 * Why `tool`'s image cannot run as `wanted` (the engine's platform, or the one asked for with
 * `asked`), in one line; undefined when it can, or when the image says nothing.
 */
export function imagePlatformProblem(tool: string, image: string, facts: { os?: string; architecture?: string; variant?: string }, wanted: string, asked: boolean): string | undefined {
  const has = imagePlatform(facts);
  const want = parsePlatform(wanted);
  if (!has || !want || platformMatches(has, want)) return undefined;
  const is = formatPlatform(has);
  return asked
    ? `${tool}: the image ${image} is for ${is}, not ${wanted} as asked (the registry may have no ${wanted} variant of it)`
    : `${tool}: the image ${image} is for ${is}, and the engine runs ${wanted}; ${emulationHint(is)}`;
}

/**
 * Why a recipe that lists its image's `platforms` cannot run as `wanted`, in one line; undefined
 * when it lists none (nothing known) or lists that one.
 */
export function recipePlatformProblem(tool: string, platforms: readonly string[] | undefined, wanted: string, asked: boolean): string | undefined {
  const want = parsePlatform(wanted);
  if (!platforms || !want) return undefined;
  const offered = platforms.map(parsePlatform).filter((p): p is Platform => p !== undefined);
  if (offered.some((p) => platformMatches(p, want))) return undefined;
  const list = platforms.join(', ');
  return asked
    ? `${tool}: the recipe's image has no ${wanted} variant (it lists ${list})`
    : `${tool}: the recipe's image has no ${wanted} variant, which the engine runs (it lists ${list}); ${emulationHint(platforms[0]!)}`;
}

/**
 * A platform asked for a tool whose recipe builds its image: berth builds for the engine's own
 * platform only (the build's tag does not name one), so the run or pull stops before a build.
 */
export function buildPlatformProblem(tool: string, platform: string): string {
  return `${tool} builds its image here, for the engine's own platform: --platform ${platform} (or the toolPlatforms setting) picks a variant of an image that is pulled; leave it out for ${tool}`;
}
