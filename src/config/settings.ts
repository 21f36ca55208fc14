import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { configDirectory } from '../berth-files.js';

/** User settings: `berth config` writes them through conf; every run reads them from here. */
export interface Settings {
  shimDir?: string;
  pullPolicy?: 'missing' | 'always' | 'never';
  registryMirror?: string;
  /** Run every tool warm (its container kept running, later calls run in it), unless --no-warm. */
  warm?: boolean;
  /** Minutes a warm container waits for a call before it stops itself (default 10). */
  warmIdleMinutes?: number;
}

export const SETTING_KEYS = ['shimDir', 'pullPolicy', 'registryMirror', 'warm', 'warmIdleMinutes'] as const;
/** The keys as --help names them: "shimDir, pullPolicy, … or warmIdleMinutes". */
export const SETTING_KEYS_TEXT = `${SETTING_KEYS.slice(0, -1).join(', ')} or ${SETTING_KEYS.at(-1)}`;
export type SettingKey = (typeof SETTING_KEYS)[number];
/** A setting's value as stored in config.json. */
export type SettingValue = string | boolean | number;

export const PULL_POLICIES = ['missing', 'always', 'never'] as const;

/** What each setting accepts, as said in messages and `berth config --help`. */
export const SETTING_VALUES: Record<SettingKey, string> = {
  shimDir: 'an absolute directory path (~/ is expanded), e.g. ~/.local/bin',
  pullPolicy: PULL_POLICIES.join(', '),
  registryMirror: 'host[:port] of a registry mirror for docker.io images, e.g. mirror.example.com:5000',
  warm: 'true, false',
  warmIdleMinutes: 'a number of minutes greater than 0, e.g. 10',
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
      return value === 'true' ? true : value === 'false' ? false : new Error(`"${value}" is not true or false`);
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

// Defined with the cache directory: berth's roots, whose privacy berth-files.ts keeps.
export { configDirectory };

export const SETTINGS_FILE = 'config.json';

/**
 * A plain read of the settings file: no conf import on the hot path of a run. A value that is not
 * valid (a hand-edited file) is ignored, as if unset; `berth config list` says so.
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path.join(configDirectory(env), SETTINGS_FILE), 'utf8'));
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

/** Where shims go: BERTH_SHIM_DIR, else the shimDir setting, else ~/.local/bin. */
export function shimDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTH_SHIM_DIR) return path.resolve(env.BERTH_SHIM_DIR);
  return readSettings(env).shimDir ?? path.join(env.HOME || homedir(), '.local', 'bin');
}

/** The registry mirror in force: BERTH_REGISTRY_MIRROR, else the user setting. */
export function registryMirror(env: NodeJS.ProcessEnv = process.env, settings: Settings = readSettings(env)): string | undefined {
  return env.BERTH_REGISTRY_MIRROR || settings.registryMirror;
}
