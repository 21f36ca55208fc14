import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/** User settings: `berth config` writes them through conf; every run reads them from here. */
export interface Settings {
  shimDir?: string;
  pullPolicy?: 'missing' | 'always' | 'never';
  registryMirror?: string;
}

export const SETTING_KEYS = ['shimDir', 'pullPolicy', 'registryMirror'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

export function configDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(homedir(), '.config'), 'berth');
}

export const SETTINGS_FILE = 'config.json';

/** A plain read of the settings file: no conf import on the hot path of a run. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  try {
    return JSON.parse(readFileSync(path.join(configDirectory(env), SETTINGS_FILE), 'utf8')) as Settings;
  } catch {
    return {};
  }
}
