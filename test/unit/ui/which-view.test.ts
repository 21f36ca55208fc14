import { describe, expect, it } from 'vitest';
import { formatWhich, type WhichAnswer } from '../../../src/ui/which-view.js';

const D = `sha256:${'a'.repeat(64)}`;
const base: WhichAnswer = {
  name: 'jq',
  recipe: { file: '/r/jq.yaml', source: 'builtin' },
  version: '1.7.1',
  versionFrom: 'project',
  pin: { file: '/p/berth.yaml', line: 3 },
  reference: `ghcr.io/jqlang/jq@${D}`,
  mirrored: null,
  digest: D,
  digestFrom: 'lock',
  lockFile: '/p/berth.lock',
  engine: 'unix:///var/run/docker.sock',
  engineProblem: null,
  warm: false,
  warmFrom: 'recipe',
};

describe('which view', () => {
  it('says each fact with where it came from', () => {
    expect(formatWhich(base)).toEqual([
      'jq 1.7.1',
      "  recipe    /r/jq.yaml (builtin: berth's built-in catalog)",
      '  version   1.7.1 (pinned at /p/berth.yaml:3)',
      `  image     ghcr.io/jqlang/jq@${D}`,
      `  digest    ${D} (locked in /p/berth.lock)`,
      '  engine    unix:///var/run/docker.sock',
      "  warm      no (the recipe's)",
    ]);
  });

  it('a tag alone, the command line, the mirror, an unknown engine, the warm setting', () => {
    const lines = formatWhich({
      ...base,
      recipe: { file: '/u/x.yaml', source: 'user' },
      versionFrom: 'command line',
      pin: null,
      reference: 'library/x:1',
      mirrored: 'm.test/library/x:1',
      digest: null,
      digestFrom: null,
      lockFile: null,
      engine: null,
      engineProblem: 'docker context "gone" is selected but has no endpoint',
      warm: true,
      warmFrom: 'setting',
    });
    expect(lines.slice(1)).toEqual([
      '  recipe    /u/x.yaml (user: your recipes)',
      '  version   1.7.1 (from the command line)',
      '  image     library/x:1 (pulled through the mirror as m.test/library/x:1)',
      '  digest    (none: the tag alone names the image)',
      '  engine    unknown (docker context "gone" is selected but has no endpoint)',
      '  warm      yes (the warm setting)',
    ]);
    expect(formatWhich({ ...base, versionFrom: 'recipe', pin: null, digestFrom: 'recipe', lockFile: null })[2]).toBe("  version   1.7.1 (the recipe's default)");
  });
});
