import { effectiveSetting, SETTING_KEYS, type EffectiveSetting, type SettingKey, type SettingValue } from '../platform/settings.js';
import { openSettings, settingKey, settingValue } from '../platform/settings-store.js';

/** `berth config get`: the value of `name` in force and where it comes from (an unknown name is an InputError listing the valid ones). */
export function getSetting(name: string, env: NodeJS.ProcessEnv = process.env): { key: SettingKey; setting: EffectiveSetting } {
  const key = settingKey(name);
  return { key, setting: effectiveSetting(key, env) };
}

/** `berth config set`: stores `value` for `name` in the settings file (a bad value is an InputError saying what it accepts); returns it as stored. */
export async function setSetting(name: string, value: string, env: NodeJS.ProcessEnv = process.env): Promise<{ key: SettingKey; stored: SettingValue }> {
  const key = settingKey(name);
  // Checked before the file is opened: a bad value is said even when the file cannot be read.
  settingValue(key, value);
  return { key, stored: (await openSettings(env)).set(key, value) };
}

/** `berth config unset`: removes `name` from the settings file; `had` says whether it was there. */
export async function unsetSetting(name: string, env: NodeJS.ProcessEnv = process.env): Promise<{ key: SettingKey; had: boolean }> {
  const key = settingKey(name);
  return { key, had: (await openSettings(env)).unset(key) };
}

/**
 * `berth config list`: the settings file, its entries that are not valid settings (`key: why`),
 * the valid ones set in it, and every setting in force with where it comes from.
 */
export async function listSettings(env: NodeJS.ProcessEnv = process.env): Promise<{
  file: string;
  invalid: string[];
  stored: Array<[SettingKey, SettingValue]>;
  effective: Array<{ key: SettingKey; setting: EffectiveSetting }>;
}> {
  const store = await openSettings(env);
  return { file: store.file, invalid: store.invalid(), stored: store.list(), effective: SETTING_KEYS.map((key) => ({ key, setting: effectiveSetting(key, env) })) };
}
