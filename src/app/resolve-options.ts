import { hostCaBundle } from '../core/host-trust.js';
import { specText, type PackageSpec } from '../core/backends/spec.js';
import type { ResolveOptions } from '../core/run/resolve.js';
import { EngineError } from '../platform/errors.js';
import { baseImageOverride, hostCaEnabled, readSettings, type PullPolicy, type Settings } from '../platform/settings.js';

/** What a backend's registry says of a package (asked from the host): its exact version and its commands. */
type PackageLookup = (spec: PackageSpec, options: { refresh?: boolean; hostCa: boolean }) => Promise<{ version: string; commands: string[] }>;

/** The registries berth asks from the host, by backend prefix: a backend with none (apt) is not asked. */
const REGISTRIES: Record<string, () => Promise<PackageLookup>> = {
  npm: async () => (await import('../runtime/registry/npm-versions.js')).npmPackage,
};

/**
 * What the registry of `spec`'s backend says of it (undefined: the backend has no registry to
 * ask). `refresh`: ask again even if berth remembers an answer (--pull always).
 */
export async function lookUpPackage(spec: PackageSpec, options: { refresh?: boolean; hostCa: boolean }): Promise<{ version: string; commands: string[] } | undefined> {
  const registry = REGISTRIES[spec.backend.prefix];
  return registry ? (await registry())(spec, options) : undefined;
}

/**
 * How a run or a build resolves its tool beyond the spec: the base override (--base,
 * BERTH_BASE_IMAGE), the host's CA certificates for builds (--no-host-ca, the hostCa setting), a
 * package's command (--bin), and where a package spec's exact version comes from (npm: the
 * registry, asked once; --pull always asks again).
 */
export function resolveOptions(request: { base?: string; hostCa?: boolean; bin?: string; pull?: PullPolicy }, settings: Settings = readSettings()): ResolveOptions {
  const hostCa = hostCaEnabled(request.hostCa, process.env, settings);
  let bundled: boolean | undefined;
  return {
    base: baseImageOverride(request.base),
    // Read only by a build (it decides the build's CA step): a run of a pulled image never reads
    // the host's bundle here (the plan reads it, for a tool with network).
    get hostCa() {
      return (bundled ??= hostCa && hostCaBundle() !== undefined);
    },
    bin: request.bin,
    packageVersion: async (spec) => {
      const found = await lookUpPackage(spec, { refresh: request.pull === 'always', hostCa });
      if (!found) throw new EngineError(`${specText(spec, spec.version)}: no exact version, and no registry berth can ask for one`);
      return found.version;
    },
  };
}
