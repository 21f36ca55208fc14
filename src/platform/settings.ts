import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { defaultShimDirectory, settingsFile } from './paths.js';

/** User settings: `berth config` writes them through conf; every run reads them from here. */
export interface Settings {
  shimDir?: string;
  pullPolicy?: 'missing' | 'always' | 'never';
  registryMirror?: string;
  /** Run every tool warm (its container kept running, later calls run in it), unless --no-warm. */
  warm?: boolean;
  /** Minutes a warm container waits for a call before it stops itself (default 10). */
  warmIdleMinutes?: number;
  /** Directories (colon separated) whose berth.yaml or .berth is used even when others own or can write them. */
  safeDirectories?: string;
  /** Give tools with network, and builds, the host's CA certificates (default true). */
  hostCa?: boolean;
  /** Tools run as another platform than the engine's (emulated): `jq=linux/amd64,yq=linux/amd64`. */
  toolPlatforms?: string;
}

export const SETTING_KEYS = ['shimDir', 'pullPolicy', 'registryMirror', 'warm', 'warmIdleMinutes', 'safeDirectories', 'hostCa', 'toolPlatforms'] as const;
/** The keys as --help names them: "shimDir, pullPolicy, … or warmIdleMinutes". */
export const SETTING_KEYS_TEXT = `${SETTING_KEYS.slice(0, -1).join(', ')} or ${SETTING_KEYS.at(-1)}`;
export type SettingKey = (typeof SETTING_KEYS)[number];
/** A setting's value as stored in config.json. */
export type SettingValue = string | boolean | number;

export const PULL_POLICIES = ['missing', 'always', 'never'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

/** What each setting accepts, as said in messages and `berth config --help`. */
export const SETTING_VALUES: Record<SettingKey, string> = {
  shimDir: 'an absolute directory path (~/ is expanded), e.g. ~/.local/bin',
  pullPolicy: PULL_POLICIES.join(', '),
  registryMirror: 'host[:port] of a registry mirror for docker.io images, e.g. mirror.example.com:5000',
  warm: 'true, false',
  warmIdleMinutes: 'a number of minutes greater than 0, e.g. 10',
  safeDirectories: 'absolute directory paths separated by ":", e.g. /srv/shared/app',
  hostCa: 'true, false',
  toolPlatforms: 'TOOL=OS/ARCH pairs separated by ",", e.g. jq=linux/amd64',
};

const HOST_PORT = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?))*(?::\d{1,5})?$/i;

export function isSettingKey(key: string): key is SettingKey {
  return (SETTING_KEYS as readonly string[]).includes(key);
}

/**
 * The stored form of a setting's value (typed: warm is a boolean, warmIdleMinutes a number), or
 * an Error saying what is wrong with it. `home` expands a leading `~/` of shimDir.
 */
export function normalizeSetting(key: SettingKey, value: string, home = homedir()): SettingValue | Error {
  switch (key) {
    case 'shimDir': {
      const expanded = value === '~' ? home : value.startsWith('~/') ? path.join(home, value.slice(2)) : value;
      if (!path.isAbsolute(expanded)) return new Error(`"${value}" is not an absolute path`);
      return path.normalize(expanded).replace(/(.)\/+$/, '$1');
    }
    case 'pullPolicy':
      return (PULL_POLICIES as readonly string[]).includes(value) ? value : new Error(`"${value}" is not a pull policy`);
    case 'registryMirror': {
      const port = /:(\d+)$/.exec(value)?.[1];
      if (!HOST_PORT.test(value) || (port !== undefined && (Number(port) < 1 || Number(port) > 65535))) {
        return new Error(`"${value}" is not host[:port]`);
      }
      return value;
    }
    case 'warm':
    case 'hostCa':
      return value === 'true' ? true : value === 'false' ? false : new Error(`"${value}" is not true or false`);
    case 'safeDirectories': {
      const dirs = value.split(':');
      const bad = dirs.find((d) => !path.isAbsolute(d));
      return bad === undefined ? dirs.map((d) => path.normalize(d).replace(/(.)\/+$/, '$1')).join(':') : new Error(`"${bad}" is not an absolute path`);
    }
    case 'toolPlatforms':
      return parseToolPlatforms(value) ? value.split(',').map((item) => item.trim()).join(',') : new Error(`"${value}" is not TOOL=OS/ARCH pairs`);
    case 'warmIdleMinutes': {
      const minutes = Number(value);
      return value.trim() !== '' && Number.isFinite(minutes) && minutes > 0 ? minutes : new Error(`"${value}" is not a number of minutes greater than 0`);
    }
  }
}

/** A value read from config.json, checked: its typed form, or undefined when it is not valid. */
export function storedSetting(key: SettingKey, raw: unknown): SettingValue | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'boolean' && typeof raw !== 'number') return undefined;
  const value = normalizeSetting(key, String(raw));
  return value instanceof Error ? undefined : value;
}

/**
 * A plain read of the settings file: no conf import on the hot path of a run. A value that is not
 * valid (a hand-edited file) is ignored, as if unset; `berth config list` says so.
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(settingsFile(env), 'utf8'));
  } catch {
    return {};
  }
  if (!raw || typeof raw !== 'object') return {};
  const settings: Record<string, SettingValue> = {};
  for (const key of SETTING_KEYS) {
    const value = storedSetting(key, (raw as Record<string, unknown>)[key]);
    if (value !== undefined) settings[key] = value;
  }
  return settings as Settings;
}

/** Variables that override a setting: set (even empty, which turns the setting off), they win. */
const SETTING_VARIABLES: Partial<Record<SettingKey, string>> = {
  shimDir: 'BERTH_SHIM_DIR',
  registryMirror: 'BERTH_REGISTRY_MIRROR',
};

/** What applies when a setting is not set; absent: nothing (warm: each recipe decides). */
function settingDefault(key: SettingKey, env: NodeJS.ProcessEnv): SettingValue | undefined {
  switch (key) {
    case 'shimDir':
      return defaultShimDirectory(env);
    case 'pullPolicy':
      return 'missing';
    case 'warmIdleMinutes':
      return 10;
    case 'hostCa':
      return true;
    default:
      return undefined;
  }
}

export interface EffectiveSetting {
  value?: SettingValue;
  source: 'environment' | 'settings file' | 'default' | 'not set';
  /** The variable, when the environment decided. */
  variable?: string;
}

/**
 * The one place a setting's value in force is decided: its variable when set, else the settings
 * file, else the default. `berth config get/list` show it with its source; runs read it here.
 */
export function effectiveSetting(key: SettingKey, env: NodeJS.ProcessEnv = process.env, settings: Settings = readSettings(env)): EffectiveSetting {
  const variable = SETTING_VARIABLES[key];
  if (variable && env[variable] !== undefined) {
    const raw = env[variable]!;
    const value = raw === '' ? undefined : key === 'shimDir' ? path.resolve(raw) : raw;
    return { value, source: 'environment', variable };
  }
  const stored = settings[key];
  if (stored !== undefined) return { value: stored, source: 'settings file' };
  const fallback = settingDefault(key, env);
  return fallback === undefined ? { source: 'not set' } : { value: fallback, source: 'default' };
}

/** A warm container's idle time, in seconds: BERTH_WARM_IDLE (seconds, for tests), else warmIdleMinutes in force. */
export function warmIdleSeconds(settings: Settings, env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.BERTH_WARM_IDLE);
  if (env.BERTH_WARM_IDLE && Number.isFinite(seconds) && seconds > 0) return seconds;
  return Number(effectiveSetting('warmIdleMinutes', env, settings).value) * 60;
}

/** Where shims go: BERTH_SHIM_DIR, else the shimDir setting, else ~/.local/bin. */
export function shimDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return String(effectiveSetting('shimDir', env).value ?? settingDefault('shimDir', env));
}

/** The registry mirror in force: BERTH_REGISTRY_MIRROR (empty: none), else the user setting. */
export function registryMirror(env: NodeJS.ProcessEnv = process.env, settings: Settings = readSettings(env)): string | undefined {
  const value = effectiveSetting('registryMirror', env, settings).value;
  return value === undefined ? undefined : String(value);
}

/** Whether the host's CA certificates go to tools with network and to builds: --host-ca / --no-host-ca, else the hostCa setting (on). */
export function hostCaEnabled(flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env, settings: Settings = readSettings(env)): boolean {
  return flag ?? effectiveSetting('hostCa', env, settings).value !== false;
}

/**
 * The base that replaces the base of whatever berth builds (a recipe's build.from, a backend's
 * base): `--base` when given, else BERTH_BASE_IMAGE (empty: none). For air-gapped users, whose
 * engine has a base image but reaches no registry.
 */
export function baseImageOverride(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return flag || env.BERTH_BASE_IMAGE || undefined;
}

/** A setting's source in words: `from BERTH_SHIM_DIR`, `the default`, … */
export function describeSource(setting: EffectiveSetting): string {
  switch (setting.source) {
    case 'environment':
      return setting.value === undefined ? `turned off by ${setting.variable}=` : `from ${setting.variable}`;
    case 'settings file':
      return 'set';
    case 'default':
      return 'the default';
    case 'not set':
      return 'not set';
  }
}

/** A platform as the engine and registries write it: `os/arch[/variant]` (core/platforms.ts reads it). */
export const PLATFORM_PATTERN = /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/;

/** `jq=linux/amd64,yq=linux/arm64` (the toolPlatforms setting) → tool → platform; undefined when malformed. */
export function parseToolPlatforms(text: string): Map<string, string> | undefined {
  const map = new Map<string, string>();
  for (const item of text.split(',')) {
    const [tool, platform, ...rest] = item.trim().split('=');
    if (!tool || !platform || rest.length > 0 || !PLATFORM_PATTERN.test(platform)) return undefined;
    map.set(tool, platform);
  }
  return map;
}

/** The platform the toolPlatforms setting names for `tool`, if any. */
export function toolPlatform(tool: string, settings: Settings): string | undefined {
  return settings.toolPlatforms ? parseToolPlatforms(settings.toolPlatforms)?.get(tool) : undefined;
}
