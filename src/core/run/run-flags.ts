import { UsageError } from '../../platform/errors.js';
import { PLATFORM_PATTERN } from '../platforms.js';
import type { RunRequest } from './plan.js';

/**
 * `berth run`'s flags, once: the oclif command builds its flags (and help) from this table, and
 * the start-up path of a run parses argv with it without loading oclif.
 */
export interface FlagSpec {
  kind: 'option' | 'boolean';
  char?: string;
  options?: readonly string[];
  multiple?: boolean;
  allowNo?: boolean;
  default?: boolean;
  description: string;
}

export const RUN_FLAGS = {
  pull: { kind: 'option', options: ['missing', 'always', 'never'], description: 'when to pull the image (default: missing)' },
  env: { kind: 'option', char: 'e', multiple: true, description: 'set KEY=VALUE, or pass KEY from your environment' },
  volume: { kind: 'option', char: 'v', multiple: true, description: 'also mount HOST:CONTAINER[:ro]' },
  network: { kind: 'option', options: ['none', 'bridge', 'host'], description: "override the recipe's network" },
  tty: { kind: 'boolean', allowNo: true, description: 'force a TTY on or off (default: when stdin and stdout are terminals)' },
  image: { kind: 'option', description: "use this image instead of the recipe's (keeps the rest of the recipe)" },
  base: { kind: 'option', description: 'build on this base image instead of the recipe\'s build.from (default: $BERTH_BASE_IMAGE)' },
  platform: { kind: 'option', description: "run the image's OS/ARCH variant, e.g. linux/amd64 (emulated where the engine can)" },
  'dry-run': { kind: 'boolean', description: 'print the equivalent docker run command (podman run on Podman) and exit' },
  'path-mounts': { kind: 'boolean', allowNo: true, default: true, description: 'mount the paths named in the arguments, as the path policy allows (--no-path-mounts: none, none refused)' },
  warm: { kind: 'boolean', allowNo: true, description: 'keep the container running and run later calls in it' },
  'host-ca': { kind: 'boolean', allowNo: true, description: "give a tool with network, and a build, the host's CA certificates (default: the hostCa setting, on)" },
  bin: { kind: 'option', description: "for a package (npm:NAME, apt:NAME): the command to run, when not the package's own" },
  quiet: { kind: 'boolean', char: 'q', description: 'no pull or build progress' },
} as const satisfies Record<string, FlagSpec>;

export type RunFlagName = keyof typeof RUN_FLAGS;

/** Parsed flags: strings for options, string lists for repeatable ones, booleans. */
export type ParsedRunFlags = Partial<Record<RunFlagName, string | string[] | boolean>>;

/**
 * Parses berth's own flags (the part of argv before the tool name). Returns undefined when
 * help is asked for, which oclif renders.
 */
export function parseRunFlags(own: string[]): ParsedRunFlags | undefined {
  const flags: ParsedRunFlags = {};
  const byChar = new Map(Object.entries(RUN_FLAGS).filter(([, f]) => 'char' in f).map(([n, f]) => [(f as FlagSpec).char!, n as RunFlagName]));
  for (let i = 0; i < own.length; i++) {
    const arg = own[i]!;
    if (arg === '--help' || arg === '-h') return undefined;
    let name: string;
    let value: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      value = eq === -1 ? undefined : arg.slice(eq + 1);
    } else {
      const char = arg.slice(1, 2);
      name = byChar.get(char) ?? `-${char}`;
      value = arg.length > 2 ? arg.slice(2) : undefined;
    }
    let negated = false;
    if (!(name in RUN_FLAGS) && name.startsWith('no-') && name.slice(3) in RUN_FLAGS) {
      negated = true;
      name = name.slice(3);
    }
    const spec = (RUN_FLAGS as Record<string, FlagSpec>)[name];
    if (!spec || (negated && !spec.allowNo)) throw new UsageError(`unknown flag ${arg} (see berth run --help)`, 'run');
    const key = name as RunFlagName;
    if (spec.kind === 'boolean') {
      if (value !== undefined) throw new UsageError(`${arg}: --${name} takes no value`, 'run');
      flags[key] = !negated;
      continue;
    }
    value ??= own[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`, 'run');
    if (value === '') throw new UsageError(`--${name} needs a value, not an empty one`, 'run');
    if (spec.options && !spec.options.includes(value)) {
      throw new UsageError(`--${name} must be one of ${spec.options.join(', ')}, not "${value}"`, 'run');
    }
    flags[key] = spec.multiple ? [...((flags[key] as string[] | undefined) ?? []), value] : value;
  }
  return flags;
}

/** The run request the flags describe. */
export function runRequest(tool: string, args: string[], flags: ParsedRunFlags): RunRequest {
  return {
    tool,
    args,
    pull: flags.pull as RunRequest['pull'],
    env: flags.env as string[] | undefined,
    volumes: flags.volume as string[] | undefined,
    network: flags.network as RunRequest['network'],
    tty: flags.tty as boolean | undefined,
    image: flags.image as string | undefined,
    base: flags.base as string | undefined,
    platform: platformFlag(flags.platform as string | undefined),
    pathMounts: (flags['path-mounts'] as boolean | undefined) ?? true,
    warm: flags.warm as boolean | undefined,
    hostCa: flags['host-ca'] as boolean | undefined,
    bin: flags.bin as string | undefined,
    quiet: flags.quiet as boolean | undefined,
  };
}

/** A --platform value (of `command`'s), checked: OS/ARCH[/VARIANT]. */
export function platformFlag(value: string | undefined, command = 'run'): string | undefined {
  if (value !== undefined && !PLATFORM_PATTERN.test(value)) throw new UsageError(`--platform ${value}: not a platform (expected OS/ARCH[/VARIANT], e.g. linux/amd64)`, command);
  return value;
}
