import { PRIVATE_FILE_MODE, privateDirectory } from './files.js';
import { InputError } from './errors.js';
import { configDirectory, settingsFile } from './paths.js';
import { isSettingKey, normalizeSetting, SETTING_KEYS, SETTING_VALUES, storedSetting, type SettingKey, type SettingValue } from './settings.js';

/**
 * `berth config`: the user settings through conf, in the file every run reads with a plain
 * readSettings() (settingsFile()). Loaded only by the config commands.
 */
export interface SettingsStore {
  file: string;
  get(key: SettingKey): SettingValue | undefined;
  set(key: SettingKey, value: string): SettingValue;
  unset(key: SettingKey): boolean;
  /** The valid settings that are set, in SETTING_KEYS order. */
  list(): Array<[SettingKey, SettingValue]>;
  /** Entries of the file that are not valid settings (hand-edited), as `key: why`. */
  invalid(): string[];
}

/** An unknown key is an InputError listing the valid ones. */
export function settingKey(key: string): SettingKey {
  if (isSettingKey(key)) return key;
  throw new InputError(`unknown setting "${key}"; valid settings: ${SETTING_KEYS.join(', ')}`);
}

/** The value as stored, or an InputError saying what the setting accepts. */
export function settingValue(key: SettingKey, value: string): SettingValue {
  const normal = normalizeSetting(key, value);
  if (normal instanceof Error) throw new InputError(`bad value for ${key}: ${normal.message}; valid values: ${SETTING_VALUES[key]}`);
  return normal;
}

export async function openSettings(env: NodeJS.ProcessEnv = process.env): Promise<SettingsStore> {
  const { default: Conf } = await import('conf');
  const cwd = configDirectory(env);
  const file = settingsFile(env);
  let conf: InstanceType<typeof Conf<Record<string, unknown>>>;
  try {
    // berth's private directory and file, as the cache's (conf would make them with the umask's modes).
    privateDirectory(cwd);
    conf = new Conf<Record<string, unknown>>({ cwd, configName: 'config', accessPropertiesByDotNotation: false, clearInvalidConfig: false, configFileMode: PRIVATE_FILE_MODE });
  } catch (error) {
    throw new InputError(`${file}: cannot be read: ${(error as Error).message.split('\n')[0]} (fix it, or remove it to start over)`, file);
  }
  const read = (key: SettingKey): SettingValue | undefined => storedSetting(key, conf.get(key));
  return {
    file,
    get: read,
    set(key, value) {
      const stored = settingValue(key, value);
      conf.set(key, stored);
      return stored;
    },
    unset(key) {
      const had = conf.has(key);
      conf.delete(key);
      return had;
    },
    list() {
      const out: Array<[SettingKey, SettingValue]> = [];
      for (const key of SETTING_KEYS) {
        const value = read(key);
        if (value !== undefined) out.push([key, value]);
      }
      return out;
    },
    invalid() {
      const problems: string[] = [];
      for (const [key, value] of Object.entries(conf.store)) {
        if (!isSettingKey(key)) problems.push(`${key}: not a setting (valid: ${SETTING_KEYS.join(', ')})`);
        else if (storedSetting(key, value) === undefined) {
          problems.push(`${key}: ${JSON.stringify(value)} is not valid (valid values: ${SETTING_VALUES[key]}); it is ignored`);
        }
      }
      return problems;
    },
  };
}
