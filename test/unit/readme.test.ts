import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RUN_FLAGS, type FlagSpec } from '../../src/core/run/run-flags.js';
import { SETTING_KEYS } from '../../src/platform/settings.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it("names every berth run flag in the flag table", () => {
    const table = README.slice(README.indexOf('| flag | meaning |'), README.indexOf('What a run does'));
    for (const [name, spec] of Object.entries(RUN_FLAGS) as Array<[string, FlagSpec]>) {
      const written = spec.default === true ? `--no-${name}` : `--${name}`;
      expect(table, `--${name}`).toMatch(new RegExp(`^\\| \`(-${spec.char ?? '-'}, )?${written}[ \`]`, 'm'));
    }
  });

  it('shows every setting in berth config', () => {
    const section = README.slice(README.indexOf('## Settings: `berth config`'), README.indexOf('## `berth doctor`'));
    for (const key of SETTING_KEYS) expect(section, key).toContain(`berth config set ${key} `);
  });
});
