import { hostCaBundle } from '../core/host-trust.js';
import type { ResolveOptions } from '../core/run/resolve.js';
import { baseImageOverride, hostCaEnabled, readSettings, type PullPolicy, type Settings } from '../platform/settings.js';

/**
 * How a run or a build resolves its tool beyond the spec: the base override (--base,
 * BERTH_BASE_IMAGE), the host's CA certificates for builds (--no-host-ca, the hostCa setting), a
 * package's command (--bin), and where a package spec's exact version comes from (npm: the
 * registry, asked once; --pull always asks again).
 */
export function resolveOptions(request: { base?: string; hostCa?: boolean; bin?: string; pull?: PullPolicy }, settings: Settings = readSettings()): ResolveOptions {
  const hostCa = hostCaEnabled(request.hostCa, process.env, settings);
  return {
    base: baseImageOverride(request.base),
    hostCa: hostCa && hostCaBundle() !== undefined,
    bin: request.bin,
    packageVersion: async (spec) => (await import('../runtime/registry/npm-versions.js')).npmVersion(spec, { refresh: request.pull === 'always', hostCa }),
  };
}
